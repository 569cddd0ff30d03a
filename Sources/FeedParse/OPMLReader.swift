import Foundation
import TributaryCore
import XMLSupport

/// Reads an OPML subscription list (OPML 1.0 or 2.0, as other readers export it).
public enum OPMLReader {
    /// One subscription.
    public struct Subscription: Sendable, Equatable {
        /// Feed URL (`xmlUrl`).
        public var url: String
        /// Title (`title`, else `text`).
        public var title: String?
        /// Titles of the enclosing folders, outermost first.
        public var folders: [String]
    }

    /// Every outline with an `xmlUrl`, in document order, with the folders it sits in.
    ///
    /// - Throws: `ParseError` when the document is not OPML.
    public static func subscriptions(in data: [UInt8]) throws(ParseError) -> [Subscription] {
        let input = XMLInput(data)
        let parser = XMLStreamParser(documentURL: nil, recordNames: [])
        let result = input.bytes.withUnsafeBytes { parser.parse($0, encoding: input.encoding) { _, _ in } }
        guard let root = result.root, root.name.lowercased() == "opml" else {
            throw ParseError(.notAFeed, "the document is not OPML (no <opml> root element)")
        }
        guard let body = root.children.first(where: { $0.name == "body" }) else {
            throw ParseError(.notAFeed, "the OPML document has no <body>")
        }
        var found: [Subscription] = []
        func walk(_ node: XMLNode, folders: [String]) {
            for outline in node.children where outline.name == "outline" {
                let title = (outline.attribute(.title) ?? outline.attribute(.text))?.trimmingCharacters(in: .whitespacesAndNewlines)
                if let url = (outline.attribute(.xmlUrl) ?? outline.attribute(.xmlurl) ?? outline.attribute(.url))?
                    .trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty
                {
                    found.append(Subscription(url: url, title: title?.isEmpty == false ? title : nil, folders: folders))
                } else {
                    walk(outline, folders: folders + [title ?? "Imported"])
                }
            }
        }
        walk(body, folders: [])
        return found
    }
}
