import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

@testable import ArticleStore

/// The store's in-memory copies (dedup index, category windows) stay right: a write drops only the
/// windows it may change, and a commit by another connection (another process) drops them all.
@Suite struct ArticleStoreCacheTests {
    static let a = "https://a.example/feed", b = "https://b.example/feed"

    static func refresh(_ url: String, _ ids: [String]) -> SourceRefresh {
        ArticleStoreTests.refresh(url, ids.map { ArticleStoreTests.item($0, title: "Story \($0) with a long title", link: "\(url)/\($0)") })
    }

    @Test func aWriteDropsOnlyTheWindowsItChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        _ = try await store.ingest(Self.refresh(Self.a, ["a1"]), now: ArticleStoreTests.now)
        _ = try await store.ingest(Self.refresh(Self.b, ["b1"]), now: ArticleStoreTests.now)
        let ids = try await store.ensureSources([Self.a, Self.b])
        let onlyA = [ids[Self.a]!], onlyB = [ids[Self.b]!], both = [ids[Self.a]!, ids[Self.b]!]
        for members in [onlyA, onlyB, both] { _ = try await store.articles(fromSources: members, limit: 10) }
        #expect(await store.windows.count == 3)

        _ = try await store.ingest(Self.refresh(Self.a, ["a1", "a2"]), now: ArticleStoreTests.now)
        #expect(await store.windows.keys.map(\.sourceIDs) == [onlyB])  // A's and the merged one are gone.
        #expect(try await store.articles(fromSources: onlyA, limit: 10).count == 2)
        #expect(try await store.articles(fromSources: both, limit: 10).count == 3)

        // A refresh that changes nothing keeps every window.
        _ = try await store.ingest(Self.refresh(Self.a, ["a1", "a2"]), now: ArticleStoreTests.now)
        #expect(await store.windows.count == 3)
    }

    /// Two connections on one file, as `serve` and a cron `fetch` are: each sees the other's commits,
    /// in its windows and in its dedup index (a stale index would insert a duplicate key and fail).
    @Test func anotherProcessesCommitsAreSeen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let serving = try ArticleStore(path: path)
        let cron = try ArticleStore(path: path)
        _ = try await serving.ingest(Self.refresh(Self.a, ["a1"]), now: ArticleStoreTests.now)  // Index loaded.
        let ids = try await serving.ensureSources([Self.a, Self.b])
        #expect(try await serving.articles(fromSources: [ids[Self.a]!], limit: 10).count == 1)

        #expect(try await cron.ingest(Self.refresh(Self.a, ["a1", "a2"]), now: ArticleStoreTests.now).inserted == 1)
        #expect(try await serving.articles(fromSources: [ids[Self.a]!], limit: 10).count == 2)
        let again = try await serving.ingest(Self.refresh(Self.a, ["a1", "a2"]), now: ArticleStoreTests.now)
        #expect(again.inserted == 0)
        #expect(try await serving.stats().articlesStored == 2)
    }
}
