@testable import FeedGen
import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

/// The generated documents for a fixed set of articles, compared with golden files.
@Suite struct GeneratedFeedsTests {
    static let day = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z

    static let wire = SourceRef(rowID: 1, url: "https://wire.example/feed.xml", title: "Wire <Service>", siteLink: "https://wire.example/")
    static let blog = SourceRef(rowID: 2, url: "https://blog.example/atom.xml", title: "A & B Blog", siteLink: "https://blog.example/")

    static var feed: CategoryFeed {
        let articles = [
            StoredArticle(
                rowID: 2, outputID: "urn:uuid:00000000-0000-8000-a000-000000000002", title: "Harbour reopens <today> & more",
                link: "https://wire.example/harbour", summary: "<p>The harbour <b>reopened</b>.</p>",
                content: "<p>The harbour <b>reopened</b> after storms.</p>", published: day.addingTimeInterval(7200), updated: nil,
                firstSeen: day.addingTimeInterval(7300), sortDate: day.addingTimeInterval(7200),
                authors: [Person(name: "Ann Reporter", email: "ann@wire.example")], categories: ["Local", "Weather"],
                enclosures: [Enclosure(url: "https://wire.example/harbour.jpg", type: "image/jpeg", length: 12345)],
                image: nil, primarySource: wire, sources: [wire, blog], dedupRule: "url"),
            StoredArticle(
                rowID: 1, outputID: "urn:uuid:00000000-0000-8000-a000-000000000001", title: "Notes on \u{1}control characters",
                link: "https://blog.example/notes", summary: nil, content: nil, published: day, updated: day.addingTimeInterval(3600),
                firstSeen: day, sortDate: day, authors: [], categories: [], enclosures: [], image: nil,
                primarySource: blog, sources: [blog], dedupRule: "new"),
        ]
        return CategoryFeed(
            id: "news", title: "News", description: "Merged news", baseURL: "https://feeds.example/", siteTitle: "Example Feeds",
            ttlMinutes: 15, hub: "https://hub.example/", articles: articles)
    }

    @Test(arguments: ["news.xml", "news.atom", "news.json", "news.html", "index.html", "sources.opml"])
    func documentMatchesGoldenFile(name: String) throws {
        let feed = Self.feed
        let sources = [
            SourceListing(url: Self.wire.url, title: "Wire <Service>", siteLink: Self.wire.siteLink, categories: ["news"], status: "ok", lastError: nil),
            SourceListing(url: Self.blog.url, title: "A & B Blog", siteLink: Self.blog.siteLink, categories: ["news"], status: "failed", lastError: "HTTP 500"),
        ]
        let bytes: [UInt8]
        switch name {
        case "news.xml": bytes = RSSWriter.document(feed)
        case "news.atom": bytes = AtomWriter.document(feed)
        case "news.json": bytes = JSONFeedWriter.document(feed)
        case "news.html": bytes = HTMLPageWriter.categoryPage(feed)
        case "index.html": bytes = HTMLPageWriter.indexPage(siteTitle: "Example Feeds", categories: [feed], sources: sources)
        default: bytes = OPMLWriter.document(title: "Example Feeds", categories: [(id: "news", title: "News")], sources: sources)
        }
        if let mismatch = Golden.mismatch(bytes, name: name) { Issue.record(Comment(rawValue: mismatch)) }
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\u{1}"))
    }

    @Test func sameInputGivesByteIdenticalOutput() {
        #expect(RSSWriter.document(Self.feed) == RSSWriter.document(Self.feed))
        #expect(JSONFeedWriter.document(Self.feed) == JSONFeedWriter.document(Self.feed))
        #expect(AtomWriter.document(Self.feed) == AtomWriter.document(Self.feed))
    }
}

/// The river page's excerpts: at most 600 characters of the summary's text, "…" only when cut.
@Suite struct ExcerptTests {
    @Test func excerptsAreCutAtSixHundredCharacters() {
        let exactly = String(repeating: "é", count: 600)
        #expect(HTMLPageWriter.excerpt("<p>\(exactly)</p>") == exactly)
        let longer = String(repeating: "a", count: 599) + "éz" + String(repeating: "b", count: 5000)
        #expect(HTMLPageWriter.excerpt(longer) == String(repeating: "a", count: 599) + "é…")
        #expect(HTMLPageWriter.excerpt("<b>x &lt; y</b>") == "x &lt; y")
    }
}
