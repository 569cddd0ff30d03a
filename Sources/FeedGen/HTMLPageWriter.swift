import Foundation
import TributaryCore
import XMLSupport

/// Writes the readable pages: a river of news per category and the index. No JavaScript.
public enum HTMLPageWriter {
    private static let style = """
        body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
        h1{font-size:1.6rem}article{border-top:1px solid #ddd;padding:.8rem 0}article h2{font-size:1.15rem;margin:0}
        .meta{color:#666;font-size:.85rem}.summary{margin-top:.4rem}a{color:#0645ad}img{max-width:100%;height:auto}
        table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #eee;font-size:.9rem}
        .failed,.gone{color:#b00}
        """

    private static func escape(_ text: String) -> String { HTMLEntities.escape(XMLWriter.legal(text)) }

    private static func head(_ title: String, alternates: [(String, String, String)]) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>\(escape(title))</title>\n"
        for (type, title, href) in alternates {
            html += "<link rel=\"alternate\" type=\"\(type)\" title=\"\(escape(title))\" href=\"\(escape(href))\">\n"
        }
        html += "<style>\(style)</style>\n</head>\n<body>\n"
        return html
    }

    /// The category page.
    public static func categoryPage(_ feed: CategoryFeed) -> [UInt8] {
        var html = head(
            "\(feed.title) — \(feed.siteTitle)",
            alternates: [
                ("application/rss+xml", "\(feed.title) (RSS)", feed.url("xml")),
                ("application/atom+xml", "\(feed.title) (Atom)", feed.url("atom")),
                ("application/feed+json", "\(feed.title) (JSON Feed)", feed.url("json")),
            ])
        html += "<p><a href=\"index.html\">\(escape(feed.siteTitle))</a></p>\n<h1>\(escape(feed.title))</h1>\n"
        if !feed.description.isEmpty { html += "<p>\(escape(feed.description))</p>\n" }
        html += "<p>Subscribe: <a href=\"\(escape(feed.id)).xml\">RSS</a> · <a href=\"\(escape(feed.id)).atom\">Atom</a> · "
        html += "<a href=\"\(escape(feed.id)).json\">JSON Feed</a></p>\n"
        if feed.articles.isEmpty { html += "<p>No articles yet.</p>\n" }
        for (index, article) in feed.articles.enumerated() {
            html += "<article>\n<h2>"
            let title = escape(article.title ?? "(untitled)")
            if let link = article.link { html += "<a href=\"\(escape(link))\">\(title)</a>" } else { html += title }
            html += "</h2>\n<div class=\"meta\">"
            html += escape(article.primarySource.title ?? article.primarySource.url)
            html += " · <time datetime=\"\(FeedDate.rfc3339(article.sortDate))\">\(FeedDate.rfc822(article.sortDate))</time>"
            if let author = article.authors.first?.name { html += " · \(escape(author))" }
            html += "</div>\n"
            if let text = feed.summaryText(at: index) {
                html += "<div class=\"summary\">\(Self.excerpt(text: text))</div>\n"
            }
            html += "</article>\n"
        }
        html += "</body>\n</html>\n"
        return Array(html.utf8)
    }

    /// The first 600 characters of an HTML summary's text, escaped (pages stay short and safe).
    static func excerpt(_ html: String) -> String { excerpt(text: HTMLSanitizer.plainText(html)) }

    /// The first 600 characters of a plain text, escaped.
    static func excerpt(text: String) -> String {
        if text.utf8.count <= 600 { return escape(text) }  // No more characters than bytes.
        // Counting the characters of a long text would walk all of it; only the first 600 matter.
        guard let end = text.index(text.startIndex, offsetBy: 600, limitedBy: text.endIndex), end < text.endIndex else {
            return escape(text)
        }
        return escape(String(text[..<end])) + "…"
    }

    /// The index page: categories with subscribe links, and every source with its status.
    public static func indexPage(siteTitle: String, categories: [CategoryFeed], sources: [SourceListing]) -> [UInt8] {
        var html = head(siteTitle, alternates: categories.map { ("application/rss+xml", $0.title, $0.url("xml")) })
        html += "<h1>\(escape(siteTitle))</h1>\n<h2>Categories</h2>\n<ul>\n"
        for category in categories {
            let id = escape(category.id)
            html += "<li><a href=\"\(id).html\">\(escape(category.title))</a> (\(category.articles.count) articles) — "
            html += "<a href=\"\(id).xml\">RSS</a> · <a href=\"\(id).atom\">Atom</a> · <a href=\"\(id).json\">JSON Feed</a></li>\n"
        }
        html += "</ul>\n<h2>Sources</h2>\n<p><a href=\"sources.opml\">OPML</a></p>\n<table>\n"
        html += "<tr><th>Source</th><th>Categories</th><th>Status</th></tr>\n"
        for source in sources {
            let status = escape(source.status)
            html += "<tr><td><a href=\"\(escape(source.url))\">\(escape(source.title))</a></td>"
            html += "<td>\(escape(source.categories.joined(separator: ", ")))</td>"
            html += "<td class=\"\(status)\">\(status)\(source.lastError.map { ": " + escape($0) } ?? "")</td></tr>\n"
        }
        html += "</table>\n</body>\n</html>\n"
        return Array(html.utf8)
    }
}
