import Aggregator
import ArticleStore
import FeedParse
import Foundation
import Logging
import Testing
import TributaryConfig
import TributaryCore
import TributaryServer
import TributaryTestSupport

/// BAD-INPUTS S2, S3, S5–S7: a full disk (SQLite's page limit), a read-only store, a competing writer,
/// a newer schema and two overlapping runs. Real SQLite files in temp directories, reopened or read
/// by python3's sqlite3 to see what was committed.
@Suite struct CatalogStorageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func rss(_ items: [(String, String)]) -> String {
        let body = items.map { "<item><guid>\($0.0)</guid><title>\($0.0)</title><link>https://s.example/\($0.0)</link><description>\($0.1)</description></item>" }
        return "<rss version=\"2.0\"><channel><title>S</title><link>https://s.example/</link>\(body.joined())</channel></rss>"
    }

    static func workspace(feed: String) throws -> (TemporaryDirectory, Configuration) {
        let directory = try TemporaryDirectory()
        try directory.write("feed.xml", feed)
        let yaml = """
            settings: {store: data/store.sqlite, output: public}
            categories:
              - {id: news, title: News}
            sources:
              - {url: feed.xml, categories: [news]}
            """
        return (directory, try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml)))
    }

    static func files(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            result[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return result
    }

    /// The store is capped at its current size (`maxPageCount`), then a refresh brings 1 MB of new
    /// items: SQLITE_FULL, the refresh rolls back whole, the run goes on, and the outputs (and the
    /// documents `serve` holds) stay as they were.
    @Test func S2_diskFullRollsBackAndKeepsServing() async throws {
        let (directory, configuration) = try Self.workspace(feed: Self.rss([("old-1", "first"), ("old-2", "second")]))
        defer { directory.remove() }
        let storePath = configuration.settings.storePath
        let output = configuration.settings.outputPath
        do {
            let first = try await Aggregator(configuration: configuration, logger: Logger(label: "s2")).run(now: Self.now)
            #expect(first.sources.first?.newItems == 2)
        }
        let before = try Self.files(output)
        let cache = DocumentCache()
        cache.reload(from: output)
        let etag = try #require(cache.document(named: "news.xml")?.etag)

        let filler = String(repeating: "x", count: 20_000)
        try directory.write("feed.xml", Self.rss((0..<50).map { ("new-\($0)", filler) }))
        let capped = try ArticleStore(path: storePath, maxPageCount: 1)
        let aggregator = Aggregator(configuration: configuration, store: capped, logger: Logger(label: "s2"))
        let second = try await aggregator.run(all: true, now: Self.now)
        let outcome = try #require(second.sources.first)
        #expect(outcome.status == .failed)
        #expect(outcome.error == "\(storePath): the disk is full; the last refresh was rolled back; free space and run again")
        #expect(second.changedFiles.isEmpty)
        #expect(try Self.files(output) == before)
        cache.reload(from: output)
        #expect(cache.document(named: "news.xml")?.etag == etag)

        // The store itself: code, path, nothing half-written, the source's state untouched.
        let parsed = try FeedParser().parse(Array(Self.rss((0..<50).map { ("new-\($0)", filler) }).utf8))
        do {
            _ = try await capped.ingest(
                SourceRefresh(url: configuration.sources[0].url, title: "S", siteLink: nil, items: parsed.items, etag: "\"new\"", lastModified: nil, nextFetch: nil),
                now: Self.now)
            Issue.record("a refresh past the size limit was stored")
        } catch {
            #expect(error.code == .full && error.path == storePath)
        }
        let reopened = try ArticleStore(path: storePath)
        #expect(try await reopened.stats().articlesStored == 2)
        let state = try #require(try await reopened.sourceStates()[configuration.sources[0].url])
        #expect(state.etag != "\"new\"" && state.status == "ok")
    }

    /// A read-only database file (root ignores permission bits, so as root the file is made immutable
    /// with `chattr +i`, which binds root too): a `readOnly` error naming the file and the fix, no
    /// crash, the file unchanged. `tributary fetch` exits 3 with that message.
    @Test(.enabled(if: ReadOnlyFile.isSupported)) func S3_readOnlyDatabaseIsAClearStartupError() async throws {
        let (directory, _) = try Self.workspace(feed: Self.rss([("a", "b")]))
        defer { directory.remove() }
        #expect(try await offPool { try CommandRunner.runBlocking(["fetch"], in: directory.path) }.status == 0)
        let path = directory.path + "/data/store.sqlite"
        _ = try? ArticleStore(path: path)  // checkpoint: the WAL is folded in and removed on close
        let bytes = FileManager.default.contents(atPath: path)
        try ReadOnlyFile.set(path, true)
        defer { try? ReadOnlyFile.set(path, false) }
        do {
            _ = try ArticleStore(path: path)
            Issue.record("a read-only store opened for writing")
        } catch {
            #expect(error.code == .readOnly && error.path == path)
            #expect(error.message.contains("not writable") && error.message.contains("chmod"))
        }
        let run = try await offPool { try CommandRunner.runBlocking(["fetch", "--all"], in: directory.path) }
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains(path) && run.stderr.contains("not writable"))
        #expect(FileManager.default.contents(atPath: path) == bytes)
    }

    /// python3 holds `BEGIN IMMEDIATE` on the store: a write waits out busy_timeout (10 s), fails with
    /// `busy` naming the file, and once the other writer is gone the store opens clean and writes.
    @Test func S5_lockedByAnotherWriterIsBusyThenRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let store = try ArticleStore(path: path)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(60)",
            path,
        ]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        // SIGKILL: SIGTERM may be ignored in children of a test process that ran a ServiceLifecycle group.
        defer { kill(holder.processIdentifier, SIGKILL) }
        let said = try await offPool { String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
        #expect(said.hasPrefix("locked"))
        let refresh = SourceRefresh(
            url: "https://s.example/feed", title: "S", siteLink: nil,
            items: [ParsedItem(id: "1", hasDocumentID: true, title: "One", link: "https://s.example/1")], etag: nil, lastModified: nil, nextFetch: nil)
        do {
            _ = try await store.ingest(refresh, now: Self.now)
            Issue.record("wrote while another connection held the write lock")
        } catch {
            #expect(error.code == .busy && error.path == path)
            #expect(error.message.contains("locked by another process"))
        }
        kill(holder.processIdentifier, SIGKILL)
        try await offPool { holder.waitUntilExit() }
        #expect(try await store.ingest(refresh, now: Self.now).inserted == 1)
        let reopened = try ArticleStore(path: path)  // runs quick_check
        #expect(try await reopened.stats().articlesStored == 1)
    }

    /// Beyond `ArticleStoreTests`: the refused file keeps its version (no migration down) and the
    /// message says what to do.
    @Test func S6_newerSchemaIsRefusedAndLeftAsItIs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        _ = try ArticleStore(path: path)
        try CrashSafetyTests.python(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=99'); c.commit()", path])
        do {
            _ = try ArticleStore(path: path)
            Issue.record("a newer schema opened")
        } catch {
            #expect(error.code == .newerSchema && error.path == path)
            #expect(error.message.contains("upgrade Tributary"))
        }
        let version = try CrashSafetyTests.python(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA user_version').fetchone()[0])", path])
        #expect(String(decoding: version, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "99")
    }

    /// Two `tributary fetch --all` at once (cron overlap): the second waits for the lock, both succeed,
    /// and every article is stored once.
    @Test func S7_twoFetchRunsAtOnceStoreEverythingOnce() async throws {
        let (directory, _) = try Self.workspace(feed: Self.rss((0..<200).map { ("item-\($0)", "text \($0)") }))
        defer { directory.remove() }
        let runs = (0..<2).map { _ in Process() }
        for run in runs {
            run.executableURL = URL(fileURLWithPath: CommandRunner.binary)
            run.arguments = ["fetch", "--all", "--lock-timeout", "120"]
            run.currentDirectoryURL = URL(fileURLWithPath: directory.path)
            run.standardError = FileHandle.nullDevice
            try run.run()
        }
        try await offPool { for run in runs { run.waitUntilExit() } }
        #expect(runs.map(\.terminationStatus) == [0, 0])
        let counts = try CrashSafetyTests.python([
            "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT COUNT(*), COUNT(DISTINCT output_id) FROM articles').fetchone())",
            directory.path + "/data/store.sqlite",
        ])
        #expect(String(decoding: counts, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "(200, 200)")
    }
}

/// Makes a file read-only even for root: `chattr +i` as root, permission bits otherwise.
enum ReadOnlyFile {
    static func set(_ path: String, _ isReadOnly: Bool) throws {
        if getuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: isReadOnly ? 0o444 : 0o644], ofItemAtPath: path)
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chattr", isReadOnly ? "+i" : "-i", path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteNoPermission) }
    }

    /// False where root cannot make a file immutable (no CAP_LINUX_IMMUTABLE, or a file system without flags).
    static let isSupported: Bool = {
        guard getuid() == 0 else { return true }
        guard let directory = try? TemporaryDirectory() else { return false }
        defer { directory.remove() }
        guard let path = try? directory.write("probe", "x"), (try? set(path, true)) != nil else { return false }
        try? set(path, false)
        return true
    }()
}
