import ArticleStore
import Foundation
import TributaryConfig
import TributaryCore

/// One line of `tributary sources list`.
struct SourceRow: Encodable {
    var position: Int
    var url: String
    var title: String
    var categories: [String]
    var status: String
    var lastSuccess: String?
    var lastError: String?
    var nextFetch: String?
    var articles: Int

    enum CodingKeys: String, CodingKey {
        case position = "id", url, title, categories, status, articles
        case lastSuccess = "last_success", lastError = "last_error", nextFetch = "next_fetch"
    }

    init(position: Int, source: SourceConfig, state: SourceState?) {
        self.position = position
        url = source.url
        title = source.title ?? state?.title ?? source.url
        categories = source.categories
        status = state?.status ?? "new"
        lastSuccess = state?.lastSuccess.map(FeedDate.rfc3339)
        lastError = state?.lastError
        nextFetch = state?.nextFetch.map(FeedDate.rfc3339)
        articles = state?.articleCount ?? 0
    }

    /// Encodes every key, nulls included.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(url, forKey: .url)
        try container.encode(title, forKey: .title)
        try container.encode(categories, forKey: .categories)
        try container.encode(status, forKey: .status)
        try container.encode(lastSuccess, forKey: .lastSuccess)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(nextFetch, forKey: .nextFetch)
        try container.encode(articles, forKey: .articles)
    }

    var details: [(String, String)] {
        [
            ("id", "\(position)"), ("url", url), ("title", title), ("categories", categories.joined(separator: ", ")),
            ("status", status), ("last success", lastSuccess ?? "never"), ("last error", lastError ?? "none"),
            ("next fetch", nextFetch ?? "next run"), ("articles", "\(articles)"),
        ]
    }

    static func table(_ rows: [SourceRow]) -> String {
        let header = ["ID", "TITLE", "CATEGORIES", "STATUS", "LAST SUCCESS", "NEXT FETCH", "ARTICLES", "LAST ERROR"]
        let cells = rows.map { row in
            [
                "\(row.position)", String(row.title.prefix(40)), row.categories.joined(separator: ","), row.status,
                row.lastSuccess ?? "never", row.nextFetch ?? "next run", "\(row.articles)", String((row.lastError ?? "").prefix(60)),
            ]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        return ([header] + cells).map { line in
            line.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
