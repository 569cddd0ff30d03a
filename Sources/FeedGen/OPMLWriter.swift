import Foundation
import TributaryCore
import XMLSupport

/// One source as listed in OPML and on the index page.
public struct SourceListing: Sendable, Equatable {
    /// Feed URL.
    public var url: String
    /// Title (configured, else the feed's own, else the URL).
    public var title: String
    /// Site link, if known.
    public var siteLink: String?
    /// Categories it feeds.
    public var categories: [String]
    /// "ok", "failed", "gone", "new".
    public var status: String
    /// Last error, if failing.
    public var lastError: String?

    /// Creates a listing.
    public init(url: String, title: String, siteLink: String?, categories: [String], status: String, lastError: String?) {
        self.url = url
        self.title = title
        self.siteLink = siteLink
        self.categories = categories
        self.status = status
        self.lastError = lastError
    }
}

/// Writes the source list as OPML 2.0, one outline folder per category.
public enum OPMLWriter {
    /// The document bytes.
    ///
    /// Local-file sources are left out: their paths mean nothing to another reader.
    public static func document(title: String, categories: [(id: String, title: String)], sources: [SourceListing]) -> [UInt8] {
        let sources = sources.filter { URLReference.scheme(of: $0.url).map { $0 == "http" || $0 == "https" } == true }
        let writer = XMLWriter()
        writer.start("opml")
        writer.attribute("version", "2.0")
        writer.start("head")
        writer.element("title", title)
        writer.end()
        writer.start("body")
        for category in categories {
            let members = sources.filter { $0.categories.contains(category.id) }
            guard !members.isEmpty else { continue }
            writer.start("outline")
            writer.attribute("text", category.title)
            writer.attribute("title", category.title)
            for source in members { outline(source, writer) }
            writer.end()
        }
        let uncategorized = sources.filter { $0.categories.isEmpty }
        if !uncategorized.isEmpty {
            writer.start("outline")
            writer.attribute("text", "Uncategorized")
            for source in uncategorized { outline(source, writer) }
            writer.end()
        }
        writer.end()
        writer.end()
        return writer.finish()
    }

    private static func outline(_ source: SourceListing, _ writer: XMLWriter) {
        var attributes = [("type", "rss"), ("text", source.title), ("title", source.title), ("xmlUrl", source.url)]
        if let site = source.siteLink, URLReference.isAbsolute(site) { attributes.append(("htmlUrl", site)) }
        writer.element("outline", attributes: attributes)
    }
}
