import Foundation
import TributaryCore

/// Everything needed to write one category's documents.
public struct CategoryFeed: Sendable, Equatable {
    /// Category id (file stem).
    public var id: String
    /// Title.
    public var title: String
    /// Description.
    public var description: String
    /// Public URL of the output directory, ending in "/".
    public var baseURL: String
    /// Site title (feed author, page header).
    public var siteTitle: String
    /// Minutes a reader should wait between polls (RSS ttl).
    public var ttlMinutes: Int
    /// WebSub hub to announce.
    public var hub: String?
    /// Articles, newest first.
    public var articles: [StoredArticle]
    /// Plain text of each article's `summaryHTML`, when computed ahead (`preparingSummaryTexts()`):
    /// the JSON Feed and the HTML page both need it.
    var summaryTexts: [String?]?

    /// Creates a category feed.
    public init(
        id: String, title: String, description: String, baseURL: String, siteTitle: String, ttlMinutes: Int,
        hub: String? = nil, articles: [StoredArticle]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.baseURL = baseURL
        self.siteTitle = siteTitle
        self.ttlMinutes = ttlMinutes
        self.hub = hub
        self.articles = articles
    }

    /// URL of one of this category's documents ("xml", "atom", "json", "html").
    public func url(_ fileExtension: String) -> String { baseURL + id + "." + fileExtension }

    /// The newest time any article shows: the document's timestamp, so output depends only on the store.
    public var lastUpdated: Date {
        articles.map { max($0.sortDate, $0.updated ?? $0.sortDate) }.max() ?? Date(timeIntervalSince1970: 0)
    }

    /// A description for an article: its summary, else the opening of its content.
    static func summaryHTML(_ article: StoredArticle) -> String? {
        article.summary ?? article.content
    }

    /// The plain text of article `index`'s `summaryHTML`.
    func summaryText(at index: Int) -> String? {
        if let summaryTexts { return summaryTexts[index] }
        return Self.summaryHTML(articles[index]).map(HTMLSanitizer.plainText)
    }

    /// The feed with every summary's plain text computed once, for writers that share it.
    public func preparingSummaryTexts() -> CategoryFeed {
        var feed = self
        feed.summaryTexts = articles.map { Self.summaryHTML($0).map(HTMLSanitizer.plainText) }
        return feed
    }
}
