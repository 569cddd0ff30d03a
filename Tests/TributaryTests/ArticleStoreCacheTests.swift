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

/// The category query against a reference computed from the articles' attributions: whichever
/// plan the store picks for a set of sources (every source; the newest walked with a membership
/// test; the sources' own articles plus those merged from them, from indexes), the answer is the
/// newest articles any of the sources carries.
@Suite struct CategoryQueryPlanTests {
    @Test func everyPlanGivesTheNewestArticlesTheSourcesCarry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite", policy: StorePolicy(maxAge: nil, maxPerSource: nil))
        var random = SplitMix64(seed: 11)
        let urls = (0..<24).map { "https://s\($0).example/feed" }
        // Each source publishes its own stories and re-publishes some of a shared pool (merged by URL);
        // a source on the story's own site becomes its primary (original publisher).
        for (index, url) in urls.enumerated() {
            var items: [ParsedItem] = []
            for story in 0..<12 {
                items.append(ArticleStoreTests.item("own-\(story)", title: "Story \(index)-\(story) of source \(index)", link: "https://s\(index).example/\(story)", hoursAgo: Double(random.next() % 500)))
            }
            for _ in 0..<6 {
                let shared = Int(random.next() % 40)
                let site = shared % urls.count
                items.append(ArticleStoreTests.item("shared-\(shared)", title: "Shared story \(shared) from the wire", link: "https://s\(site).example/wire/\(shared)", hoursAgo: Double(shared * 7)))
            }
            _ = try await store.ingest(ArticleStoreTests.refresh(url, items), now: ArticleStoreTests.now)
        }
        let ids = try await store.ensureSources(urls)
        let everything = try await store.articles(fromSources: Array(ids.values), limit: 10_000)
        #expect(everything.contains { $0.sources.count > 1 }, "no article was merged; the test would prove little")
        for size in [1, 2, 3, 6, 12, 20, 23] {
            for _ in 0..<4 {
                var members = Set<Int64>()
                while members.count < size { members.insert(ids[urls[Int(random.next() % UInt64(urls.count))]]!) }
                for limit in [5, 40, 1000] {
                    let expected = everything.filter { article in article.sources.contains { members.contains($0.rowID) } }
                        .prefix(limit).map(\.rowID)
                    let found = try await store.articles(fromSources: Array(members), limit: limit).map(\.rowID)
                    #expect(found == Array(expected), "sources \(members.sorted()), limit \(limit)")
                }
            }
        }
    }
}
