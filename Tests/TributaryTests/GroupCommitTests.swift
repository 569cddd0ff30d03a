@testable import ArticleStore
import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

/// Refreshes that wait for the store's writer are committed together, each still all or nothing.
@Suite struct GroupCommitTests {
    static func refresh(_ host: String, items count: Int, summary: String = "Body") -> SourceRefresh {
        ArticleStoreTests.refresh(
            "https://\(host)/feed",
            (0..<count).map {
                ArticleStoreTests.item(
                    "\(host)-\($0)", title: "Article \($0) from \(host)", link: "https://\(host)/\($0)", summary: summary)
            })
    }

    /// Twelve sources stored at once: every caller gets its own counts, everything is stored, and
    /// refreshes that arrived while the writer was busy shared a transaction.
    @Test func concurrentRefreshesShareTransactions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let results = try await withThrowingTaskGroup(of: (Int, IngestResult).self) { group in
            for source in 0..<12 {
                group.addTask {
                    (source, try await store.ingest(Self.refresh("s\(source).example", items: 100), now: ArticleStoreTests.now))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 12)
        #expect(results.values.allSatisfy { $0.inserted == 100 && $0.duplicates.isEmpty })
        #expect(try await store.stats().articlesStored == 1_200)
        #expect(try await store.sourceStates().values.filter { $0.status == "ok" }.count == 12)
        let batches = await store.committedBatches
        #expect(batches >= 1 && batches < 12, "\(batches) transactions for 12 refreshes")
    }

    /// A batch that fails (the disk fills up on its large refresh) is rolled back and its refreshes
    /// are stored one transaction each: only the one that does not fit fails, and nothing of it stays.
    @Test func aFailedBatchStoresItsRefreshesOneByOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        do {
            let store = try ArticleStore(path: path)
            _ = try await store.ingest(Self.refresh("seed.example", items: 1), now: ArticleStoreTests.now)
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let store = try ArticleStore(path: path, maxPageCount: size / 4096 + 40)
        let large = Self.refresh("large.example", items: 50, summary: String(repeating: "x", count: 20_000))
        let results = await store.ingest([
            (Self.refresh("a.example", items: 2), ArticleStoreTests.now),
            (large, ArticleStoreTests.now),
            (Self.refresh("c.example", items: 2), ArticleStoreTests.now),
        ])
        #expect(results.count == 3)
        #expect((try? results[0].get())?.inserted == 2)
        #expect((try? results[2].get())?.inserted == 2)
        switch results[1] {
        case .failure(let error): #expect(error.code == .full)
        case .success: Issue.record("a refresh past the size limit was stored")
        }
        #expect(try await store.stats().articlesStored == 5)
        let states = try await store.sourceStates()
        #expect(states["https://a.example/feed"]?.status == "ok" && states["https://c.example/feed"]?.status == "ok")
        #expect(states["https://large.example/feed"]?.status != "ok")
        #expect(await store.committedBatches == 2)  // a.example and c.example, each on its own
    }

    /// A batch whose COMMIT fails (where a full disk often shows) leaves nothing of itself in memory:
    /// its refreshes, stored again one transaction each, keep every item instead of finding their
    /// own rolled-back keys in the dedup index and skipping them.
    @Test func aFailedCommitLeavesNoStaleIndex() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        await store.failNextCommit()
        let results = await store.ingest([
            (Self.refresh("a.example", items: 2), ArticleStoreTests.now),
            (Self.refresh("c.example", items: 3), ArticleStoreTests.now),
        ])
        #expect(results.map { (try? $0.get())?.inserted } == [2, 3])
        #expect(try await store.stats().articlesStored == 5)
        #expect(await store.committedBatches == 2)
    }
}
