import Foundation
import TributaryCore

/// Writes a category as JSON Feed 1.1, with a `_tributary` extension naming each item's sources.
public enum JSONFeedWriter {
    /// The document bytes (keys sorted, so the same store gives the same bytes).
    public static func document(_ feed: CategoryFeed) -> [UInt8] {
        var root: [String: Any] = [
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed.title,
            "home_page_url": feed.url("html"),
            "feed_url": feed.url("json"),
            "language": "en",
            "authors": [["name": feed.siteTitle]],
            "items": feed.articles.map(item),
        ]
        if !feed.description.isEmpty { root["description"] = feed.description }
        if let hub = feed.hub { root["hubs"] = [["type": "WebSub", "url": hub]] }
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return [UInt8](data) + [0x0A]
    }

    private static func item(_ article: StoredArticle) -> [String: Any] {
        var item: [String: Any] = [
            "id": article.outputID,
            "title": article.title ?? "(untitled)",
            "content_html": article.content ?? article.summary ?? HTMLEntities.escape(article.title ?? "(untitled)"),
            "date_published": FeedDate.rfc3339(article.sortDate),
            "date_modified": FeedDate.rfc3339(max(article.sortDate, article.updated ?? article.sortDate)),
        ]
        if let link = article.link { item["url"] = link }
        if let summary = article.summary, article.content != nil {
            item["summary"] = HTMLSanitizer.plainText(summary)
        }
        if let image = article.image { item["image"] = image }
        let authors: [[String: Any]] = article.authors.compactMap { person in
            var author: [String: Any] = [:]
            if let name = person.name ?? person.email { author["name"] = name }
            if let uri = person.uri { author["url"] = uri }
            return author.isEmpty ? nil : author
        }
        if !authors.isEmpty { item["authors"] = authors }
        if !article.categories.isEmpty { item["tags"] = article.categories }
        let attachments: [[String: Any]] = article.enclosures.map { enclosure in
            var attachment: [String: Any] = [
                "url": enclosure.url, "mime_type": enclosure.type.flatMap(RSSWriter.mimeType) ?? "application/octet-stream",
            ]
            if let length = enclosure.length, length >= 0 { attachment["size_in_bytes"] = length }
            return attachment
        }
        if !attachments.isEmpty { item["attachments"] = attachments }
        item["_tributary"] = [
            "source_url": article.primarySource.url,
            "source_title": article.primarySource.title ?? article.primarySource.url,
            "sources": article.sources.map(\.url),
        ] as [String: Any]
        return item
    }
}
