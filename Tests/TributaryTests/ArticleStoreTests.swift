@testable import ArticleStore
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

    /// Rule 2's original publisher: an article first seen on an aggregator becomes attributed to the
    /// publisher's own feed once that feed brings it; its output id stays.
    @Test func originalPublisherBecomesThePrimarySource() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let aggregatorFeed = "https://planet.example/rss", publisherFeed = "https://feeds.news.example/all.xml"
        _ = try await store.ingest(
            Self.refresh(aggregatorFeed, [Self.item("p1", title: "Harbour reopens after storm", link: "https://news.example/harbour?utm_source=planet")]),
            now: Self.now)
        let ids = try await store.ensureSources([aggregatorFeed, publisherFeed])
        let before = try #require(try await store.articles(fromSources: Array(ids.values), limit: 10).first)
        #expect(before.primarySource.url == aggregatorFeed)
        let result = try await store.ingest(
            Self.refresh(publisherFeed, [Self.item("n1", title: "Harbour reopens after storm", link: "https://news.example/harbour")]),
            now: Self.now)
        #expect(result.duplicates == ["url": 1])
        let after = try await store.articles(fromSources: Array(ids.values), limit: 10)
        #expect(after.count == 1)
        #expect(after.first?.primarySource.url == publisherFeed)
        #expect(after.first?.sources.map(\.url) == [publisherFeed, aggregatorFeed])
        #expect(after.first?.outputID == before.outputID)
        // A third copy from another aggregator does not take the primary away from the publisher.
        _ = try await store.ingest(
            Self.refresh("https://other.example/feed", [Self.item("o1", title: "Harbour reopens after storm", link: "https://news.example/harbour#x")]),
            now: Self.now)
        let all = try await store.ensureSources([aggregatorFeed, publisherFeed, "https://other.example/feed"])
        #expect(try await store.articles(fromSources: Array(all.values), limit: 10).first?.primarySource.url == publisherFeed)
    }

    /// A category's narrower `dedupe` shows merged items separately: `url` splits content-fingerprint
    /// merges, `id` also canonical-URL merges; each split entry has its source, its own link and a
    /// stable output id of its own.
    @Test func narrowerDedupeLevelsSplitMergedItemsBackOut() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite")
        let a = "https://a.example/feed", b = "https://b.example/feed", c = "https://c.example/feed"
        let title = "Council approves the new harbour budget"
        _ = try await store.ingest(Self.refresh(a, [Self.item("a1", title: title, link: "https://a.example/budget")]), now: Self.now)
        _ = try await store.ingest(Self.refresh(b, [Self.item("b1", title: title, link: "https://a.example/budget?utm_medium=rss")]), now: Self.now)
        let third = try await store.ingest(Self.refresh(c, [Self.item("c1", title: title, link: "https://c.example/copy")]), now: Self.now)
        #expect(third.duplicates == ["content": 1])
        let ids = try await store.ensureSources([a, b, c])
        let everyone = [ids[a]!, ids[b]!, ids[c]!]

        let merged = try await store.articles(fromSources: everyone, limit: 10)
        #expect(merged.map { $0.sources.map(\.url) } == [[a, b, c]])

        let byURL = try await store.articles(fromSources: everyone, limit: 10, splitting: ["content"])
        #expect(byURL.map { $0.sources.map(\.url) } == [[a, b], [c]])
        #expect(byURL.last?.link == "https://c.example/copy")
        #expect(byURL.last?.title == title)

        let byID = try await store.articles(fromSources: everyone, limit: 10, splitting: ["url", "content"])
        #expect(byID.map { $0.sources.map(\.url) } == [[a], [b], [c]])
        #expect(byID.map(\.link) == ["https://a.example/budget", "https://a.example/budget?utm_medium=rss", "https://c.example/copy"])
        #expect(Set(byID.map(\.outputID)).count == 3)
        #expect(byID.first?.outputID == merged.first?.outputID)
        // Stable: the same query again gives the same ids.
        #expect(try await store.articles(fromSources: everyone, limit: 10, splitting: ["url", "content"]).map(\.outputID) == byID.map(\.outputID))

        // A category of C alone, at `url` level: only C's own entry, not the article A and B carry.
        let onlyC = try await store.articles(fromSources: [ids[c]!], limit: 10, splitting: ["content"])
        #expect(onlyC.map { $0.sources.map(\.url) } == [[c]])
    }

    /// Issue 5 point 6, per category: a category's `retention` prunes its articles beyond its count
    /// or age, except those another category (without rules) also shows; tombstones keep them gone.
    @Test func categoryRetentionPrunesOnlyWhatNoCategoryKeeps() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite", policy: StorePolicy(maxAge: nil, maxPerSource: nil))
        let a = "https://a.example/feed", b = "https://b.example/feed"
        let aItems = (1...4).map { Self.item("a\($0)", title: "Story number \($0) from A", link: "https://a.example/\($0)", hoursAgo: Double($0)) }
        _ = try await store.ingest(Self.refresh(a, aItems), now: Self.now)
        // B (in a category without rules) also carries A's oldest story.
        _ = try await store.ingest(
            Self.refresh(b, [Self.item("b1", title: "Story number 4 from A", link: "https://a.example/4", hoursAgo: 4)]), now: Self.now)
        let ids = try await store.ensureSources([a, b])
        let limited = CategoryRetention(sourceIDs: [ids[a]!], maxAge: nil, maxCount: 2)
        let deleted = try await store.prune(now: Self.now, categories: [limited], protectedSources: [ids[b]!])
        #expect(deleted == 1)  // a3; a4 stays because B's category shows it.
        let left = try await store.articles(fromSources: [ids[a]!, ids[b]!], limit: 10).compactMap(\.title)
        #expect(left == ["Story number 1 from A", "Story number 2 from A", "Story number 4 from A"])
        // By age: everything first seen over an hour before "later" goes, except the protected one.
        let later = Self.now.addingTimeInterval(7200)
        let aged = try await store.prune(
            now: later, categories: [CategoryRetention(sourceIDs: [ids[a]!], maxAge: 3600, maxCount: nil)], protectedSources: [ids[b]!])
        #expect(aged == 2)
        // The pruned items do not come back as new.
        let again = try await store.ingest(Self.refresh(a, aItems), now: later)
        #expect(again.inserted == 0)
    }

    /// Rule 1 edits an article only through its own item: a copy merged from another source, seen
    /// again with its own (different) text, leaves the article alone instead of taking turns with
    /// the original on every refresh; the original's own edits still apply, and survive reopening.
    @Test func mergedCopiesDoNotOverwriteTheArticle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let a = "https://a.example/feed", b = "https://b.example/feed"
        do {
            let store = try ArticleStore(path: path)
            _ = try await store.ingest(Self.refresh(a, [Self.item("a1", title: "The original headline", link: "https://a.example/s")]), now: Self.now)
            let copy = Self.refresh(b, [Self.item("b1", title: "A rewritten headline", link: "https://a.example/s?utm_source=b")])
            #expect(try await store.ingest(copy, now: Self.now).duplicates == ["url": 1])
            for _ in 0..<2 { #expect(try await store.ingest(copy, now: Self.now).updated == 0) }
            let ids = try await store.ensureSources([a, b])
            #expect(try await store.articles(fromSources: Array(ids.values), limit: 5).map(\.title) == ["The original headline"])
        }
        let reopened = try ArticleStore(path: path)
        let copy = Self.refresh(b, [Self.item("b1", title: "A rewritten headline", link: "https://a.example/s?utm_source=b")])
        #expect(try await reopened.ingest(copy, now: Self.now).updated == 0)
        let edit = Self.refresh(a, [Self.item("a1", title: "The original headline, corrected", link: "https://a.example/s")])
        #expect(try await reopened.ingest(edit, now: Self.now).updated == 1)
        #expect(try await reopened.ingest(edit, now: Self.now).updated == 0)
        let ids = try await reopened.ensureSources([a, b])
        #expect(try await reopened.articles(fromSources: Array(ids.values), limit: 5).map(\.title) == ["The original headline, corrected"])
    }

    /// When a source becomes an article's primary, only the item that made it so becomes the article's
    /// own: an older copy of the same source stays a copy, also after the index is reloaded from disk.
    @Test func onlyTheItemThatMadeASourcePrimaryIsOwn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let planet = "https://planet.example/rss", publisher = "https://feeds.example.net/publisher.xml"
        do {
            let store = try ArticleStore(path: path)
            _ = try await store.ingest(Self.refresh(planet, [Self.item("p1", title: "Harbour reopens after storm", link: "https://news.example/h")]), now: Self.now)
            // The publisher's feed does not yet say its site: its first copy is only a copy.
            _ = try await store.ingest(
                Self.refresh(publisher, [Self.item("n0", title: "Harbour reopens, early copy", link: "https://news.example/h?utm_source=x")]), now: Self.now)
            var withSite = Self.refresh(publisher, [Self.item("n1", title: "Harbour reopens after storm", link: "https://news.example/h")])
            withSite.siteLink = "https://news.example/"
            _ = try await store.ingest(withSite, now: Self.now)
        }
        let reopened = try ArticleStore(path: path)  // Index rebuilt from article_keys.
        let ids = try await reopened.ensureSources([planet, publisher])
        #expect(try await reopened.articles(fromSources: Array(ids.values), limit: 5).first?.primarySource.url == publisher)
        var copy = Self.refresh(publisher, [Self.item("n0", title: "Harbour reopens, early copy, edited", link: "https://news.example/h?utm_source=x")])
        copy.siteLink = "https://news.example/"
        #expect(try await reopened.ingest(copy, now: Self.now).updated == 0)
        #expect(try await reopened.articles(fromSources: Array(ids.values), limit: 5).map(\.title) == ["Harbour reopens after storm"])
    }

    /// A category pulling items in by their terms (`match_categories`) and without rules of its own
    /// protects them from another category's retention; held-back articles do not use up a count.
    @Test func categoryRetentionSparesArticlesOthersPullInByTerm() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArticleStore(path: directory.path + "/store.sqlite", policy: StorePolicy(maxAge: nil, maxPerSource: nil))
        let a = "https://a.example/feed"
        var tagged = Self.item("a2", title: "Older story about the harbour", link: "https://a.example/2", hoursAgo: 2)
        tagged.categories = ["Harbour"]
        _ = try await store.ingest(
            Self.refresh(a, [Self.item("a1", title: "Newest story of them all", link: "https://a.example/1", hoursAgo: 1), tagged,
                Self.item("a3", title: "Oldest story with no tag", link: "https://a.example/3", hoursAgo: 3)]), now: Self.now)
        let ids = try await store.ensureSources([a])
        let deleted = try await store.prune(
            now: Self.now, categories: [CategoryRetention(sourceIDs: [ids[a]!], maxAge: nil, maxCount: 1)], protectedTerms: ["harbour"])
        #expect(deleted == 1)
        #expect(try await store.articles(fromSources: [ids[a]!], limit: 5).compactMap(\.title) == ["Newest story of them all", "Older story about the harbour"])
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

    /// Schema 8 drops an index that per-source retention no longer needs; a store written by an earlier
    /// version is migrated on open and keeps its articles, and retention per source still works.
    @Test func version7StoreIsMigratedAndPrunedPerSource() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let url = "https://a.example/feed.xml"
        let items = (1...4).map { Self.item("\($0)", title: "Story number \($0) of the feed", link: "https://a.example/\($0)", hoursAgo: Double($0)) }
        do {
            let store = try ArticleStore(path: path)
            #expect(try await store.ingest(Self.refresh(url, items), now: Self.now).inserted == 4)
            try await store.close()
        }
        _ = try CrashSafetyTests.python([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE INDEX articles_source ON articles(source_id, sort_date DESC)'); c.execute('PRAGMA user_version=7'); c.commit()",
            path,
        ])

        let store = try ArticleStore(path: path, policy: StorePolicy(maxPerSource: 2))
        #expect(try await store.stats().articlesStored == 4)
        #expect(try await store.prune(now: Self.now) == 2)
        #expect(try await store.stats().articlesStored == 2)
        try await store.close()
        let answer = try CrashSafetyTests.python([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA user_version').fetchone()[0], c.execute(\"SELECT count(*) FROM sqlite_master WHERE name='articles_source'\").fetchone()[0])",
            path,
        ])
        #expect(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "\(ArticleStore.schemaVersion) 0")
        #expect(ArticleStore.schemaVersion == 9)
    }

    @Test func version8StoreIsRebuiltWithoutTheOutputIDIndexAndKeepsEveryRow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        // A version 8 store made by the first eight migrations themselves: two sources, two articles,
        // and a key of source b merged into source a's article (the rows a cascade would delete).
        let rows = """
            INSERT INTO sources (id, url) VALUES (1, 'https://a.example/feed.xml'), (2, 'https://b.example/feed.xml');
            INSERT INTO articles (id, output_id, source_id, title, link, first_seen, sort_date, content_hash)
                VALUES (1, 'urn:uuid:one', 1, 'One', 'https://a.example/1', 1, 1, 7), (2, 'urn:uuid:two', 2, 'Two', 'https://b.example/2', 2, 2, 8);
            INSERT INTO article_keys (source_id, guid, article_id, rule)
                VALUES (1, 'a1', 1, 'own'), (2, 'b2', 2, 'own'), (2, 'b1', 1, 'url');
            PRAGMA user_version = 8;
            """
        _ = try CrashSafetyTests.python([
            "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()",
            path, ArticleStore.migrations.prefix(8).joined(separator: "\n") + rows,
        ])
        let uniqueIndexes = "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'articles' AND name LIKE 'sqlite_autoindex%'"
        let before = try CrashSafetyTests.python(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])", path, uniqueIndexes])
        #expect(String(decoding: before, as: UTF8.self) == "1\n")

        let store = try ArticleStore(path: path)
        let ids = try await store.ensureSources(["https://a.example/feed.xml", "https://b.example/feed.xml"])
        #expect(Set(ids.values) == [1, 2])
        let articles = try await store.articles(fromSources: [1, 2], limit: 10)
        #expect(articles.map(\.outputID).sorted() == ["urn:uuid:one", "urn:uuid:two"])
        // b's merged key survived: its guid is still known (no new article), as is a's own.
        let again = try await store.ingest(
            Self.refresh("https://b.example/feed.xml", [Self.item("b1", title: "One", link: "https://a.example/1"), Self.item("b3", title: "Three", link: "https://b.example/3")]),
            now: Self.now)
        #expect(again.inserted == 1)
        try await store.close()

        let answer = try CrashSafetyTests.python([
            "-c",
            """
            import sqlite3,sys
            c = sqlite3.connect(sys.argv[1])
            indexes = sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'"))
            print(c.execute('PRAGMA user_version').fetchone()[0], c.execute('SELECT count(*) FROM article_keys').fetchone()[0],
                  len(c.execute('PRAGMA foreign_key_check').fetchall()), ','.join(indexes))
            """,
            path,
        ])
        #expect(
            String(decoding: answer, as: UTF8.self)
                == "9 4 0 articles_first_seen,articles_membership,articles_sort,articles_source_held\n")
    }

    @Test func S4_refusesNewerSchemaCorruptFilesAndUnwritableFiles() async throws {
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
