import ArticleStore
import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

/// A real SQLite file in a temp dir, reopened to see what was committed.
@Suite struct ArticleStoreTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func item(_ id: String, title: String, link: String, summary: String = "Body", hoursAgo: Double = 1) -> ParsedItem {
        ParsedItem(
            id: id, hasDocumentID: true, title: title, link: link, summary: summary,
            published: now.addingTimeInterval(-hoursAgo * 3600))
    }

    static func refresh(_ url: String, _ items: [ParsedItem]) -> SourceRefresh {
        SourceRefresh(url: url, title: url, siteLink: nil, items: items, etag: "\"e\"", lastModified: nil, nextFetch: nil)
    }

    @Test func dedupRulesApplyInOrderAndSurviveReopening() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        do {
            let store = try ArticleStore(path: path)
            let first = try await store.ingest(
                Self.refresh(
                    "https://a.example/feed",
                    [
                        Self.item("a1", title: "Wire story about the harbour", link: "https://news.example/story?utm_source=a"),
                        Self.item("a2", title: "Only in A, a longer title", link: "https://a.example/2"),
                    ]), now: Self.now)
            #expect(first.inserted == 2)
            let second = try await store.ingest(
                Self.refresh(
                    "https://b.example/feed",
                    [
                        Self.item("b1", title: "Another title entirely here", link: "https://NEWS.example:443/story#top"),
                        Self.item("b2", title: "Only in A, a longer title", link: "https://b.example/copy", hoursAgo: 2),
                        Self.item("b3", title: "Only in B, its own story", link: "https://b.example/3"),
                    ]), now: Self.now)
            #expect(second.inserted == 1)
            #expect(second.duplicates == ["url": 1, "content": 1])
        }
        let reopened = try ArticleStore(path: path)
        let ids = try await reopened.ensureSources(["https://a.example/feed", "https://b.example/feed"])
        let articles = try await reopened.articles(fromSources: Array(ids.values), limit: 10)
        #expect(articles.count == 3)
        let wire = try #require(articles.first { $0.title == "Wire story about the harbour" })
        #expect(wire.sources.map(\.url) == ["https://a.example/feed", "https://b.example/feed"])
        #expect(wire.dedupRule == "url")
        // Rule 1: the same source and guid again is the same article; an edit updates it in place.
        let outputID = wire.outputID
        let edited = try await reopened.ingest(
            Self.refresh("https://a.example/feed", [Self.item("a1", title: "Wire story about the harbour (updated)", link: "https://news.example/story")]),
            now: Self.now)
        #expect(edited.inserted == 0 && edited.updated == 1)
        let after = try await reopened.articles(fromSources: Array(ids.values), limit: 10)
        #expect(after.first { $0.outputID == outputID }?.title == "Wire story about the harbour (updated)")
        let stats = try await reopened.stats()
        #expect(stats.articlesStored == 3)
        #expect(stats.duplicates["url"] == 1 && stats.duplicates["content"] == 1 && stats.duplicates["id"] == 1)
    }

    @Test func futureDatesAreClampedToFirstSeen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let result = try await store.ingest(
            Self.refresh("https://a.example/feed", [Self.item("x", title: "From the future, apparently", link: "https://a.example/x", hoursAgo: -48)]),
            now: Self.now)
        #expect(result.warnings.count == 1)
        let ids = try await store.ensureSources(["https://a.example/feed"])
        let article = try #require(try await store.articles(fromSources: Array(ids.values), limit: 1).first)
        #expect(article.sortDate == Self.now)
    }

    @Test func floodGuardHoldsBackABurstUntilReleased() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let url = "https://a.example/feed"
        _ = try await store.ingest(Self.refresh(url, [Self.item("old", title: "The first story here", link: "https://a.example/old")]), now: Self.now)
        let burst = (0..<60).map { Self.item("n\($0)", title: "Republished archive item \($0)", link: "https://a.example/n\($0)", summary: "Text \($0)") }
        let result = try await store.ingest(Self.refresh(url, burst), now: Self.now)
        #expect(result.held == 60)
        #expect(result.warnings.contains { $0.contains("held back") })
        let ids = try await store.ensureSources([url])
        #expect(try await store.articles(fromSources: Array(ids.values), limit: 100).count == 1)
        #expect(try await store.release(sourceURL: url) == 60)
        #expect(try await store.articles(fromSources: Array(ids.values), limit: 100).count == 61)
    }

    @Test func prunedArticlesLeaveTombstonesSoTheyAreNotNewAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite", policy: StorePolicy(maxAge: 30 * 86_400, maxPerSource: 2))
        let url = "https://a.example/feed"
        let items = [
            Self.item("1", title: "Newest story of the feed", link: "https://a.example/1", hoursAgo: 1),
            Self.item("2", title: "Second story of the feed", link: "https://a.example/2", hoursAgo: 2),
            Self.item("3", title: "Third story of the feed", link: "https://a.example/3", hoursAgo: 3),
            Self.item("4", title: "Ancient story of the feed", link: "https://a.example/4", hoursAgo: 24 * 60),
        ]
        #expect(try await store.ingest(Self.refresh(url, items), now: Self.now).inserted == 4)
        #expect(try await store.prune(now: Self.now) == 2)
        #expect(try await store.ingest(Self.refresh(url, items), now: Self.now).inserted == 0)
        #expect(try await store.stats().articlesStored == 2)
    }

    @Test func refusesNewerSchemaCorruptFilesAndUnwritableFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        _ = try ArticleStore(path: path)
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=99'); c.commit()", path]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(throws: StoreError.self) { try ArticleStore(path: path) }
        do {
            _ = try ArticleStore(path: path)
        } catch {
            #expect(error.code == .newerSchema)
            #expect(error.description.contains(path))
        }

        let corrupt = directory.path + "/corrupt.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: corrupt))
        do {
            _ = try ArticleStore(path: corrupt)
            Issue.record("a corrupt file opened")
        } catch {
            #expect(error.code == .corrupt)
        }
        #expect(FileManager.default.contents(atPath: corrupt) == Data(repeating: 0x41, count: 8192))

        let readOnly = directory.path + "/readonly.sqlite"
        _ = try ArticleStore(path: readOnly)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        if getuid() != 0 {  // root ignores file permissions
            do {
                _ = try ArticleStore(path: readOnly)
                Issue.record("a read-only file opened for writing")
            } catch {
                #expect(error.code == .readOnly)
            }
        }
    }
}
