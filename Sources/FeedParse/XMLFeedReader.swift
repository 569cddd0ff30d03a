import Foundation
import TributaryCore
import XMLSupport

/// Reads RSS and Atom documents: detects the format from the root element, then converts each
/// item as the stream parser completes it.
struct XMLFeedReader {
    let options: FeedParser.Options
    let documentURL: String?

    func read(_ data: [UInt8], httpCharset: String?) throws(ParseError) -> ParsedFeed {
        let input = XMLInput(data, httpCharset: httpCharset)
        let parser = XMLStreamParser(documentURL: documentURL, recordNames: ["item", "entry"])
        var items: [ParsedItem] = []
        var format: ParsedFeed.Format?
        var dialect: Dialect?
        var itemWarnings: [String] = []
        let result = input.bytes.withUnsafeBytes { bytes in
            parser.parse(bytes, encoding: input.encoding) { record, root in
                if dialect == nil {
                    format = Self.detectFormat(root)
                    dialect = format.map(Dialect.init)
                }
                guard let dialect, Self.isItem(record, in: dialect) else { return }
                var context = ConversionContext(options: options)
                items.append(context.item(from: record, dialect: dialect))
                itemWarnings.append(contentsOf: context.warnings)
            }
        }
        guard let root = result.root else {
            let detail = result.issues.first.map { " (\($0))" } ?? ""
            throw ParseError(.malformed, "the document is not XML\(detail)")
        }
        guard let format = format ?? Self.detectFormat(root) else {
            if root.name.lowercased() == "html" || root.namespace == NS.xhtml {
                throw ParseError(
                    .notAFeed, "the document is an HTML page, not a feed",
                    discoveredFeeds: FeedDiscovery.alternateLinks(inHTML: data, baseURL: documentURL))
            }
            if let fatal = result.issues.first(where: { $0.isFatal }), root.children.isEmpty {
                throw ParseError(.malformed, "the document is not well-formed XML: \(fatal)")
            }
            throw ParseError(.notAFeed, "the document is XML but not a feed (root element <\(root.name)>)")
        }
        if let depthIssue = result.issues.first(where: { $0.message.contains("Excessive depth") }) {
            throw ParseError(.tooLarge, "the document nests elements too deeply: \(depthIssue)")
        }
        if let amplification = result.issues.first(where: {
            $0.message.contains("entity") && ($0.message.contains("loop") || $0.message.contains("amplification"))
        }), items.isEmpty {
            throw ParseError(.malformed, "entity expansion refused: \(amplification)")
        }
        var context = ConversionContext(options: options)
        var feed = ParsedFeed(format: format)
        context.fillMetadata(of: &feed, root: root, dialect: Dialect(format))
        feed.items = items
        feed.warnings = input.warnings
        if !result.isWellFormed {
            let issue = result.issues.first(where: { $0.isFatal }) ?? result.issues.first
            let described = issue.map { "\($0)" } ?? "unknown error"
            feed.warnings.append("the document is not well-formed XML (\(described)); kept the items read before it")
        }
        feed.warnings.append(contentsOf: context.warnings)
        feed.warnings.append(contentsOf: itemWarnings)
        return feed
    }

    /// The format of a document, from its root element.
    static func detectFormat(_ root: XMLNode) -> ParsedFeed.Format? {
        switch (root.name, root.namespace) {
        case ("rss", _):
            switch root.attribute("version")?.trimmingCharacters(in: .whitespaces) {
            case "0.90": return .rss090
            case "0.91": return .rss091
            case "0.92": return .rss092
            case "0.93": return .rss093
            case "0.94": return .rss094
            default: return .rss20
            }
        case ("RDF", _):
            let isRSS090 = root.children.contains { $0.namespace == NS.rss090 }
            return isRSS090 ? .rss090 : .rss10
        case ("feed", NS.atom10): return .atom10
        case ("feed", NS.atom03): return .atom03
        case ("feed", nil): return root.attribute("version") == "0.3" ? .atom03 : .atom10
        case ("channel", _) where root.namespace == nil || root.namespace == NS.rss10: return .rss091
        default: return nil
        }
    }

    static func isItem(_ node: XMLNode, in dialect: Dialect) -> Bool {
        switch dialect {
        case .rss: return node.name == "item" && NS.rssCore.contains(node.namespace)
        case .atom: return node.name == "entry" && (NS.atomAny.contains(node.namespace) || node.namespace == nil)
        }
    }
}

/// The two families of XML feeds, which share an item model but not element names.
enum Dialect {
    case rss
    case atom

    init(_ format: ParsedFeed.Format) {
        switch format {
        case .atom03, .atom10: self = .atom
        default: self = .rss
        }
    }
}
