import Foundation
import TributaryCore
import XMLSupport

/// Writes a category as JSON Feed 1.1, with a `_tributary` extension naming each item's sources.
public enum JSONFeedWriter {
    /// The document bytes (fixed key order, so the same store gives the same bytes).
    public static func document(_ feed: CategoryFeed) -> [UInt8] {
        var json = JSONText()
        json.openObject()
        json.field("version", "https://jsonfeed.org/version/1.1")
        json.field("title", feed.title)
        json.field("home_page_url", feed.url("html"))
        json.field("feed_url", feed.url("json"))
        if !feed.description.isEmpty { json.field("description", feed.description) }
        json.field("language", "en")
        json.openArray("authors")
        json.openObject()
        json.field("name", feed.siteTitle)
        json.closeObject()
        json.closeArray()
        if let hub = feed.hub {
            json.openArray("hubs")
            json.openObject()
            json.field("type", "WebSub")
            json.field("url", hub)
            json.closeObject()
            json.closeArray()
        }
        json.openArray("items")
        for (index, article) in feed.articles.enumerated() { item(article, summaryText: feed.summaryText(at: index), into: &json) }
        json.closeArray()
        json.closeObject()
        return json.bytes + [0x0A]
    }

    /// - Parameter summaryText: the plain text of the summary (`CategoryFeed.summaryText(at:)`).
    private static func item(_ article: StoredArticle, summaryText: String?, into json: inout JSONText) {
        json.openObject()
        json.field("id", article.outputID)
        if let link = article.link { json.field("url", link) }
        json.field("title", XMLWriter.legal(article.title ?? "(untitled)"))
        json.field("content_html", XMLWriter.legal(article.content ?? article.summary ?? HTMLEntities.escape(article.title ?? "(untitled)")))
        if article.summary != nil, article.content != nil, let summaryText {
            json.field("summary", XMLWriter.legal(summaryText))
        }
        if let image = article.image { json.field("image", image) }
        json.field("date_published", FeedDate.rfc3339(article.sortDate))
        json.field("date_modified", FeedDate.rfc3339(max(article.sortDate, article.updated ?? article.sortDate)))
        let authors = article.authors.filter { ($0.name ?? $0.email) != nil || $0.uri != nil }
        if !authors.isEmpty {
            json.openArray("authors")
            for person in authors {
                json.openObject()
                if let name = person.name ?? person.email { json.field("name", name) }
                if let uri = person.uri { json.field("url", uri) }
                json.closeObject()
            }
            json.closeArray()
        }
        if !article.categories.isEmpty {
            json.openArray("tags")
            for tag in article.categories { json.element(tag) }
            json.closeArray()
        }
        if !article.enclosures.isEmpty {
            json.openArray("attachments")
            for enclosure in article.enclosures {
                json.openObject()
                json.field("url", enclosure.url)
                json.field("mime_type", enclosure.type.flatMap(RSSWriter.mimeType) ?? "application/octet-stream")
                if let length = enclosure.length, length >= 0 { json.field("size_in_bytes", length) }
                json.closeObject()
            }
            json.closeArray()
        }
        json.openObject("_tributary")
        json.field("source_url", article.primarySource.url)
        json.field("source_title", article.primarySource.title ?? article.primarySource.url)
        json.openArray("sources")
        for source in article.sources { json.element(source.url) }
        json.closeArray()
        json.closeObject()
        json.closeObject()
    }
}
