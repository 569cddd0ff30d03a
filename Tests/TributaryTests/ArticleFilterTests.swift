import Foundation
import Testing
import TributaryCore

@Suite struct ArticleFilterTests {
    static func article(_ title: String, summary: String? = nil, categories: [String] = [], author: String? = nil) -> StoredArticle {
        let source = SourceRef(rowID: 1, url: "https://a.example/feed", title: "A", siteLink: nil)
        return StoredArticle(
            rowID: 1, outputID: "urn:uuid:x", title: title, link: nil, summary: summary, content: nil, published: nil, updated: nil,
            firstSeen: Date(timeIntervalSince1970: 0), sortDate: Date(timeIntervalSince1970: 0),
            authors: author.map { [Person(name: $0)] } ?? [], categories: categories, enclosures: [], image: nil,
            primarySource: source, sources: [source], dedupRule: "new")
    }

    @Test func keywordsAreCaseInsensitiveAndExcludeWins() throws {
        let filter = ArticleFilter(include: [try .init("swift"), try .init("/\\bLinux\\b/")], exclude: [try .init("sponsored")])
        #expect(filter.accepts(Self.article("Swift 6 released")))
        #expect(filter.accepts(Self.article("Kernel news", summary: "<p>linux 7.0</p>")))
        #expect(!filter.accepts(Self.article("Linuxy things")))
        #expect(!filter.accepts(Self.article("SWIFT tips", summary: "Sponsored post")))
        #expect(filter.accepts(Self.article("Tags only", categories: ["Swift"])))
        #expect(filter.accepts(Self.article("By author", author: "Taylor Swift")))
        #expect(!filter.accepts(Self.article("Unrelated")))
    }

    @Test func caseSensitiveFlagAndInvalidExpressions() throws {
        let filter = ArticleFilter(include: [try .init("/NASA/c")])
        #expect(filter.accepts(Self.article("NASA launches")))
        #expect(!filter.accepts(Self.article("nasa launches")))
        #expect(throws: ArticleFilter.FilterError.self) { try ArticleFilter.Rule("/[unclosed/") }
        #expect(ArticleFilter().accepts(Self.article("anything")))
    }
}
