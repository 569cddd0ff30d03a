import Foundation
import TributaryCore
import XMLSupport

/// Writes a category as Atom 1.0, each entry carrying an `atom:source` that names its origin feed.
public enum AtomWriter {
    /// The document bytes.
    public static func document(_ feed: CategoryFeed) -> [UInt8] {
        let writer = XMLWriter()
        writer.start("feed")
        writer.attribute("xmlns", "http://www.w3.org/2005/Atom")
        writer.attribute("xml:lang", "en")
        writer.element("id", feed.url("atom"))
        writer.element("title", feed.title, attributes: [("type", "text")])
        if !feed.description.isEmpty { writer.element("subtitle", feed.description, attributes: [("type", "text")]) }
        writer.element("updated", FeedDate.rfc3339(feed.lastUpdated))
        writer.element("generator", "Tributary", attributes: [("version", TributaryBuild.version)])
        writer.element("link", attributes: [("rel", "self"), ("type", "application/atom+xml"), ("href", feed.url("atom"))])
        writer.element("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", feed.url("html"))])
        if let hub = feed.hub { writer.element("link", attributes: [("rel", "hub"), ("href", hub)]) }
        writer.start("author")
        writer.element("name", feed.siteTitle)
        writer.end()
        for article in feed.articles { entry(article, writer) }
        writer.end()
        return writer.finish()
    }

    private static func entry(_ article: StoredArticle, _ writer: XMLWriter) {
        writer.start("entry")
        writer.element("id", article.outputID)
        writer.element("title", article.title ?? "(untitled)", attributes: [("type", "text")])
        if let link = article.link {
            writer.element("link", attributes: [("rel", "alternate"), ("type", "text/html"), ("href", link)])
        }
        writer.element("published", FeedDate.rfc3339(article.sortDate))
        writer.element("updated", FeedDate.rfc3339(max(article.sortDate, article.updated ?? article.sortDate)))
        for author in article.authors {
            guard let name = author.name ?? author.email else { continue }
            writer.start("author")
            writer.element("name", name)
            if let email = author.email, author.name != nil { writer.element("email", email) }
            if let uri = author.uri { writer.element("uri", uri) }
            writer.end()
        }
        for category in article.categories { writer.element("category", attributes: [("term", category)]) }
        for enclosure in article.enclosures {
            var attributes = [("rel", "enclosure"), ("href", enclosure.url)]
            if let type = enclosure.type.flatMap(RSSWriter.mimeType) { attributes.append(("type", type)) }
            if let length = enclosure.length, length >= 0 { attributes.append(("length", "\(length)")) }
            writer.element("link", attributes: attributes)
        }
        if let summary = article.summary {
            writer.element("summary", summary, attributes: [("type", "html")])
        } else if article.content == nil {
            writer.element("summary", article.title ?? "(untitled)", attributes: [("type", "text")])
        }
        if let content = article.content { writer.element("content", content, attributes: [("type", "html")]) }
        let source = article.primarySource
        writer.start("source")
        writer.element("id", source.url)
        writer.element("title", source.title ?? source.url)
        if let site = source.siteLink { writer.element("link", attributes: [("rel", "alternate"), ("href", site)]) }
        writer.element("link", attributes: [("rel", "self"), ("href", source.url)])
        writer.end()
        writer.end()
    }
}
