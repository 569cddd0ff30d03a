import ArticleStore
import FeedParse
import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

/// BAD-INPUTS X5, X7, X9–X13 and X15 beyond `ParserHardeningTests`: documents parsed by the real
/// parser and stored in a real SQLite file, then parsed and stored again (a refetch).
@Suite struct CatalogContentTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let feedURL = "https://feed.example/rss"

    static func parse(_ text: String, url: String = feedURL, charset: String? = nil) throws -> ParsedFeed {
        try FeedParser().parse(Array(text.utf8), url: url, httpCharset: charset)
    }

    static func rss(_ items: String) -> String {
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>C</title><link>https://feed.example/</link>\(items)</channel></rss>"
    }

    /// Ingests `feed` for `url` and returns the result, the store staying open.
    static func ingest(_ feed: ParsedFeed, into store: ArticleStore, url: String = feedURL, now: Date = now) async throws -> IngestResult {
        try await store.ingest(
            SourceRefresh(url: url, title: feed.metadata.title, siteLink: feed.metadata.link, items: feed.items, etag: nil, lastModified: nil, nextFetch: nil),
            now: now)
    }

    static func articles(_ store: ArticleStore, _ urls: [String] = [feedURL]) async throws -> [StoredArticle] {
        let ids = try await store.ensureSources(urls)
        return try await store.articles(fromSources: urls.compactMap { ids[$0] }, limit: 200_000)
    }

    /// The cut item is never stored, and fetching the same truncated document again adds nothing.
    @Test func X5_truncatedDocumentRefetchedAddsNoDuplicates() async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.directory + "/feeds/truncated.xml")))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        for run in 0..<2 {
            let feed = try FeedParser().parse(bytes)
            let result = try await Self.ingest(feed, into: store)
            #expect(result.inserted == (run == 0 ? 2 : 0))
        }
        #expect(try await Self.articles(store).compactMap(\.title).sorted() == ["First", "Second"])
    }

    /// Precedence pinned: byte order mark, then the HTTP charset, then the XML declaration.
    @Test func X7_byteOrderMarkThenHeaderThenDeclaration() throws {
        let latin1 = Array("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        let byHeader = try FeedParser().parse(latin1, httpCharset: "iso-8859-1")
        #expect(byHeader.metadata.title == "Café")
        #expect(byHeader.warnings.isEmpty)
        let utf8WithBOM = [0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>Café</title></channel></rss>".utf8)
        #expect(try FeedParser().parse(utf8WithBOM, httpCharset: "iso-8859-1").metadata.title == "Café")
        let byDeclaration = Array("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>Caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        #expect(try FeedParser().parse(byDeclaration).metadata.title == "Café")
    }

    @Test func X9_sameGUIDOnEveryItemGivesDistinctStableArticles() async throws {
        let text = Self.rss(
            (1...3).map { "<item><guid>same</guid><title>Story \($0)</title><link>https://feed.example/\($0)</link></item>" }.joined())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let feed = try Self.parse(text)
        #expect(Set(feed.items.map(\.id)).count == 3)
        #expect(try await Self.ingest(feed, into: store).inserted == 3)
        let first = try await Self.articles(store).map(\.outputID).sorted()
        let again = try await Self.ingest(try Self.parse(text), into: store, now: Self.now.addingTimeInterval(600))
        #expect(again.inserted == 0 && again.updated == 0)
        #expect(try await Self.articles(store).map(\.outputID).sorted() == first)
    }

    /// The same story in two feeds is one article with two sources; a guid that changes while the link
    /// stays is the same article too. No unique-constraint error either way.
    @Test func X10_sameArticleInTwoFeedsAndChangedGUIDWithSameLink() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let other = "https://other.example/atom"
        let story = "<title>Shared</title><link>https://news.example/story?utm_source=x</link>"
        #expect(try await Self.ingest(try Self.parse(Self.rss("<item><guid>a-1</guid>\(story)</item>")), into: store).inserted == 1)
        let second = try await Self.ingest(try Self.parse(Self.rss("<item><guid>b-9</guid>\(story)</item>"), url: other), into: store, url: other)
        #expect(second.inserted == 0 && second.duplicates == ["url": 1])
        let renamed = try await Self.ingest(try Self.parse(Self.rss("<item><guid>a-1-v2</guid>\(story)</item>")), into: store)
        #expect(renamed.inserted == 0 && renamed.duplicates == ["url": 1])
        let stored = try await Self.articles(store, [Self.feedURL, other])
        #expect(stored.count == 1)
        #expect(stored.first?.sources.map(\.url) == [Self.feedURL, other])
    }

    /// No title, no link, no date, a date centuries ahead and one in year 0: every item is kept; the
    /// future date becomes the first-seen time; the order is the same in two independent stores.
    @Test func X11_missingFieldsAndOddDatesKeepItemsInADeterministicOrder() async throws {
        let text = Self.rss(
            """
            <item><description>only a description</description></item>
            <item><title>No link, no date</title></item>
            <item><title>Far future</title><link>https://feed.example/f</link><pubDate>Fri, 01 Jan 2999 00:00:00 GMT</pubDate></item>
            <item><title>Year zero</title><link>https://feed.example/z</link><pubDate>Sat, 01 Jan 0000 00:00:00 GMT</pubDate></item>
            <item><title>Odd zone</title><link>https://feed.example/o</link><pubDate>Tue, 10 Jun 2025 04:00:00 +1345</pubDate></item>
            """)
        var orders: [[String]] = []
        for _ in 0..<2 {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let store = try ArticleStore(path: directory.path + "/store.sqlite")
            let feed = try Self.parse(text)
            #expect(feed.items.count == 5)
            let result = try await Self.ingest(feed, into: store)
            #expect(result.inserted == 5)
            let stored = try await Self.articles(store)
            #expect(stored.first { $0.title == "Far future" }?.sortDate == Self.now)
            #expect(stored.allSatisfy { !$0.outputID.isEmpty })
            orders.append(stored.map(\.outputID))
        }
        #expect(orders[0] == orders[1])
    }

    @Test func X12_xmlBaseAndProtocolRelativeLinksAreResolved() throws {
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/"><title>A</title>
            <entry xml:base="2024/"><id>e1</id><title>One</title><link href="post.html"/><content type="html">&lt;a href="../img/x.png"&gt;x&lt;/a&gt;</content></entry>
            <entry><id>e2</id><title>Two</title><link href="//cdn.example/two"/></entry>
            </feed>
            """
        let feed = try Self.parse(atom, url: "https://feed.example/atom.xml")
        #expect(feed.items.map(\.link) == ["https://base.example/blog/2024/post.html", "https://cdn.example/two"])
        #expect(feed.items.first?.content?.contains("href=\"https://base.example/blog/img/x.png\"") == true)
        let rss = try Self.parse(Self.rss("<item><title>P</title><link>//cdn.example/p</link></item>"), url: "https://feed.example/rss")
        #expect(rss.items.first?.link == "https://cdn.example/p")
    }

    /// 100,000 items parse and land in one transaction; a refetch inserts nothing. Bounded, not timed.
    @Test func X13_hundredThousandItemsAreParsedAndStored() async throws {
        let feed = try await offPool { () throws -> ParsedFeed in
            var text = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>"
            text.reserveCapacity(9_000_000)
            for index in 0..<100_000 {
                text += "<item><guid>i\(index)</guid><title>Item \(index)</title><link>https://big.example/\(index)</link></item>"
            }
            text += "</channel></rss>"
            return try Self.parse(text, url: "https://big.example/rss")
        }
        #expect(feed.items.count == 100_000)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        #expect(try await Self.ingest(feed, into: store, url: "https://big.example/rss").inserted == 100_000)
        #expect(try await Self.ingest(feed, into: store, url: "https://big.example/rss").inserted == 0)
        #expect(try await store.stats().articlesStored == 100_000)
    }

    /// One 9 MB description (under the 20 MiB body cap) is kept whole.
    @Test func X13_nineMegabyteDescriptionIsKept() async throws {
        let feed = try await offPool { () throws -> ParsedFeed in
            let body = String(repeating: "word ", count: 1_800_000)
            return try Self.parse(Self.rss("<item><guid>long</guid><title>Long</title><description>\(body)</description></item>"))
        }
        #expect((feed.items.first?.summary?.utf8.count ?? 0) >= 8_000_000)
    }

    /// Not JSON, truncated JSON and JSON Feeds with absurd numbers: an error or a usable feed, never a crash.
    @Test func X15_invalidJSONFeedsAreParseErrors() throws {
        let version = "\"version\": \"https://jsonfeed.org/version/1.1\""
        for broken in ["{\(version), \"items\": [", "{\(version), \"items\": [{\"id\": }]}", "{\(version), \"title\": 1e999999}"] {
            do {
                _ = try FeedParser().parse(Array(broken.utf8))
                Issue.record("parsed: \(broken)")
            } catch {
                #expect(error.code == .malformed, "\(broken): \(error)")
            }
        }
        let huge = "{\(version), \"title\": 123456789012345678901234567890, \"items\": [{\"id\": 99999999999999999999999, \"title\": [1, 2], \"date_published\": 1e308}, {\"id\": \"ok\", \"title\": \"Fine\"}]}"
        let feed = try FeedParser().parse(Array(huge.utf8))
        #expect(feed.items.contains { $0.title == "Fine" })
    }
}
