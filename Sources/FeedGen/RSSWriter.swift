import Foundation
import TributaryCore
import XMLSupport

/// Writes a category as RSS 2.0, with attribution in `<source>` and full content in content:encoded.
public enum RSSWriter {
    /// The document bytes.
    public static func document(_ feed: CategoryFeed) -> [UInt8] {
        let writer = XMLWriter()
        writer.start("rss")
        writer.attribute("version", "2.0")
        writer.attribute("xmlns:atom", "http://www.w3.org/2005/Atom")
        writer.attribute("xmlns:content", "http://purl.org/rss/1.0/modules/content/")
        writer.attribute("xmlns:dc", "http://purl.org/dc/elements/1.1/")
        writer.start("channel")
        writer.element("title", feed.title)
        writer.element("link", feed.url("html"))
        writer.element("description", feed.description.isEmpty ? feed.title : feed.description)
        writer.element("language", "en")
        writer.element("lastBuildDate", FeedDate.rfc822(feed.lastUpdated))
        writer.element("generator", "Tributary \(TributaryBuild.version)")
        writer.element("ttl", "\(feed.ttlMinutes)")
        writer.element("atom:link", attributes: [("href", feed.url("xml")), ("rel", "self"), ("type", "application/rss+xml")])
        if let hub = feed.hub { writer.element("atom:link", attributes: [("href", hub), ("rel", "hub")]) }
        for article in feed.articles { item(article, writer) }
        writer.end()
        writer.end()
        return writer.finish()
    }

    private static func item(_ article: StoredArticle, _ writer: XMLWriter) {
        writer.start("item")
        writer.element("title", article.title ?? "(untitled)")
        if let link = article.link { writer.element("link", link) }
        writer.element("guid", article.outputID, attributes: [("isPermaLink", "false")])
        writer.element("pubDate", FeedDate.rfc822(article.sortDate))
        if let summary = CategoryFeed.summaryHTML(article) { writer.element("description", summary) }
        if let content = article.content { writer.element("content:encoded", content) }
        for author in article.authors { if let name = author.name ?? author.email { writer.element("dc:creator", name) } }
        for category in article.categories { writer.element("category", category) }
        if let enclosure = article.enclosures.first {
            writer.element(
                "enclosure",
                attributes: [("url", enclosure.url), ("length", "\(max(0, enclosure.length ?? 0))"),
                    ("type", enclosure.type.flatMap(Self.mimeType) ?? "application/octet-stream")])
        }
        let source = article.primarySource
        writer.element("source", source.title ?? source.url, attributes: [("url", source.url)])
        writer.end()
    }

    /// A MIME type if `value` looks like one.
    static func mimeType(_ value: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = trimmed.split(separator: "/")
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else { return nil }
        return trimmed
    }
}

/// Build facts shown in generated documents.
public enum TributaryBuild {
    /// Version string.
    public static let version = "0.1.0"
}
