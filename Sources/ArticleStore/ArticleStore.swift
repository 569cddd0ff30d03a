import Foundation
import GRDB
import TributaryCore

/// The article store: SQLite (WAL) through GRDB, with the dedup keys held in memory.
///
/// Durability: `journal_mode=WAL` with `synchronous=NORMAL`. A killed process (SIGKILL, OOM, cron
/// timeout) never corrupts the database and never loses a committed refresh; a power failure may
/// lose the last few refreshes, which the next fetch simply repeats. FULL would add an fsync per
/// refresh for no benefit a feed cache needs.
///
/// Every source refresh is one transaction: a feed's items land all or nothing, together with
/// the source's new validators and schedule.
public actor ArticleStore {
    /// The schema version this build writes.
    public static let schemaVersion = 9

    /// Files up to this size are checked with `PRAGMA quick_check` on every open (a few tens of ms).
    public static let alwaysCheckedBytes = 64 * 1_048_576
    /// Larger files are checked on open at most this often.
    ///
    /// quick_check reads every page: about 1 s for a store of 1,000,000 articles (490 MB), which would
    /// dominate a no-op cron run. SQLite's WAL commit already survives a killed process; quick_check
    /// catches damage from outside (disk, copies, other tools), which is also reported as `.corrupt`
    /// whenever a damaged page is read. So a large store is fully checked once a day.
    public static let checkInterval: TimeInterval = 86_400

    /// Path of the database file.
    public nonisolated let path: String
    let queue: DatabaseQueue
    var index: DedupIndex?
    /// Every source by row id, read once and kept until the next write (generation asks per category).
    var sourceRefsCache: [Int64: SourceRef]?
    /// Category windows (`articles(fromSources:limit:splitting:)`), kept until a write touches them, so
    /// regenerating reads from disk only the categories that changed.
    var windows: [WindowKey: Window] = [:]
    /// `PRAGMA data_version` when last looked: it changes when another connection (another process,
    /// such as a cron `fetch` beside `serve`) commits, which makes every in-memory copy stale.
    var dataVersion: Int?
    /// Flood guard, tombstone and retention settings.
    let policy: StorePolicy
    /// Refreshes waiting to be committed together (see `ingest(_:now:)`).
    var pendingRefreshes: [PendingRefresh] = []
    /// Transactions that committed refreshes, one per batch (tests read it to see batches form).
    var committedBatches = 0

    /// A refresh waiting for the writer, and its caller.
    struct PendingRefresh {
        let refresh: SourceRefresh
        let now: Date
        let continuation: CheckedContinuation<Result<IngestResult, StoreError>, Never>
    }

    /// Closes the database (SQLite checkpoints the write-ahead log into the file); any later call
    /// fails with a store error.
    public func close() throws(StoreError) {
        do {
            try queue.close()
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Opens (creating if needed) the store at `path`, migrating an older schema.
    ///
    /// - Parameters:
    ///   - verifiesIntegrity: run `PRAGMA quick_check` and refuse a damaged file.
    ///   - policy: flood guard, dedup window, tombstone and retention settings.
    ///   - maxPageCount: caps the file at this many pages (`PRAGMA max_page_count`; SQLite raises a cap
    ///     below the current size to the current size). A write that needs more fails with `StoreError.full`
    ///     and is rolled back, as on a full disk: tests use it to simulate one. nil (the default) is no cap.
    /// - Throws: `StoreError` naming the file and the fix (corrupt, read-only, newer schema, busy).
    public init(path: String, verifiesIntegrity: Bool = true, policy: StorePolicy = StorePolicy(), maxPageCount: Int? = nil) throws(StoreError) {
        self.path = path
        self.policy = policy
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        if FileManager.default.fileExists(atPath: path), !FileManager.default.isWritableFile(atPath: path) {
            throw StoreError(.readOnly, path: path, "the database file is not writable; fix its permissions (chmod u+w) or run as its owner")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // 16 MiB of page cache instead of SQLite's 2 MiB: a refresh touches index pages all over
            // the file (output ids are random), which otherwise are re-read from the OS on every insert.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Checkpoint the WAL every 64 MiB instead of every 4 MiB: a cold fetch of 2,000 feeds
            // writes ~120 MiB and spent a quarter of its store time in the frequent checkpoints.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            if let maxPageCount { _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrate(queue, path: path, verifiesIntegrity: verifiesIntegrity)
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Maps a GRDB/SQLite error to a `StoreError` with an actionable message.
    static func storeError(_ error: any Error, path: String) -> StoreError {
        guard let databaseError = error as? DatabaseError else {
            return StoreError(.sqlite, path: path, "\(error)")
        }
        switch databaseError.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.corrupt, path: path, "the database is corrupt (\(databaseError.message ?? "")); move it aside and run `tributary fetch --all` to rebuild it, or restore a backup")
        case .SQLITE_FULL:
            return StoreError(.full, path: path, "the disk is full; the last refresh was rolled back; free space and run again")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError(.readOnly, path: path, "cannot write the database (\(databaseError.message ?? "")); check permissions of the file and its directory")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.busy, path: path, "the database stayed locked by another process; try again later")
        default:
            return StoreError(.sqlite, path: path, "SQLite error: \(databaseError.message ?? "\(databaseError)")")
        }
    }

    private static func migrate(_ queue: DatabaseQueue, path: String, verifiesIntegrity: Bool) throws {
        try queue.writeWithoutTransaction { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if version > schemaVersion {
                throw StoreError(.newerSchema, path: path, "the database has schema version \(version), newer than this Tributary understands (\(schemaVersion)); upgrade Tributary or use another store")
            }
            if verifiesIntegrity, version > 0 {
                try checkIntegrity(db, path: path, version: version)
            }
            guard version < migrations.count else { return }
            // A migration that rebuilds a table drops the old one, which with foreign keys enforced
            // would first delete every row that references it (ON DELETE CASCADE). SQLite's procedure:
            // enforcement off outside the transaction, and a foreign key check before each commit.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            for (index, migration) in migrations.enumerated() where index + 1 > version {
                try db.inTransaction {
                    try db.execute(sql: migration)
                    if try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") != nil {
                        throw StoreError(.corrupt, path: path, "migrating the database to schema version \(index + 1) left rows whose source or article is missing (PRAGMA foreign_key_check) and was rolled back; move the file aside and run `tributary fetch --all` to rebuild it")
                    }
                    try db.execute(sql: "PRAGMA user_version = \(index + 1)")
                    return .commit
                }
            }
        }
    }

    /// Runs `PRAGMA quick_check` on a small store, or on a large one whose last check is older than
    /// `checkInterval`; a large store's schema is still read, so a damaged header is always caught.
    private static func checkIntegrity(_ db: Database, path: String, version: Int) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let now = Date().timeIntervalSince1970
        var isDue = (size ?? 0) <= alwaysCheckedBytes || version < 3
        if !isDue {
            _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master")
            let last = try Double.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'last_quick_check'")
            isDue = last.map { now - $0 >= checkInterval || $0 > now } ?? true
        }
        guard isDue else { return }
        let result = try String.fetchAll(db, sql: "PRAGMA quick_check")
        if result != ["ok"] {
            throw StoreError(.corrupt, path: path, "the database is corrupt (\(result.prefix(3).joined(separator: "; "))); move it aside and run `tributary fetch --all` to rebuild it, or restore a backup")
        }
        if version >= 3 {
            try db.execute(
                sql: "INSERT INTO store_meta (key, value) VALUES ('last_quick_check', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [now])
        }
    }

    /// Migrations in order; migration N brings the schema from version N-1 to N.
    static let migrations = [
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT, site_link TEXT, etag TEXT, last_modified TEXT,
            status TEXT NOT NULL DEFAULT 'new', http_status INTEGER,
            last_success REAL, last_attempt REAL, last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0, next_fetch REAL, redirected_url TEXT
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            output_id TEXT NOT NULL UNIQUE,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            title TEXT, link TEXT, summary TEXT, content TEXT,
            published REAL, updated REAL, first_seen REAL NOT NULL, sort_date REAL NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]', categories TEXT NOT NULL DEFAULT '[]',
            enclosures TEXT NOT NULL DEFAULT '[]', image TEXT,
            canonical_url TEXT, fingerprint TEXT,
            dedup_rule TEXT NOT NULL DEFAULT 'new', held INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_sort ON articles(sort_date DESC, id DESC);
        CREATE TABLE article_keys (
            source_id INTEGER NOT NULL REFERENCES sources(id),
            guid TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (source_id, guid)
        ) WITHOUT ROWID;
        CREATE INDEX article_keys_article ON article_keys(article_id);
        CREATE TABLE dedup_counts (rule TEXT PRIMARY KEY, count INTEGER NOT NULL);
        """,
        """
        CREATE TABLE tombstones (key TEXT PRIMARY KEY, expires REAL NOT NULL) WITHOUT ROWID;
        CREATE INDEX articles_source ON articles(source_id, sort_date DESC);
        """,
        """
        CREATE TABLE store_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        CREATE INDEX articles_first_seen ON articles(first_seen);
        """,
        // Each attribution remembers how it joined its article ('own': it created it, or is the
        // preferred original publisher; 'id'; 'url'; 'content') and the item's own link, so a
        // category with a narrower `dedupe` can show merged copies separately. Keys merged before
        // this version are taken to be URL matches.
        """
        ALTER TABLE article_keys ADD COLUMN rule TEXT NOT NULL DEFAULT 'own';
        ALTER TABLE article_keys ADD COLUMN link TEXT;
        UPDATE article_keys SET rule = 'url'
            WHERE source_id != (SELECT a.source_id FROM articles a WHERE a.id = article_keys.article_id);
        """,
        // A hash of what rule 1 compares, so an unchanged item costs no read of its row.
        """
        ALTER TABLE articles ADD COLUMN content_hash INTEGER;
        """,
        // Category queries pick their newest articles by id, held and sort date: from this index,
        // without reading rows whose sort date sits behind kilobytes of text.
        """
        CREATE INDEX articles_membership ON articles(id, held, sort_date);
        """,
        // A category's articles are those its sources publish as primary (read newest first from an
        // index, no row touched) plus the few merged into other sources' articles: every 'own' key
        // belongs to the article's primary source, so the merged ones are the keys that are not 'own'.
        """
        CREATE INDEX articles_source_held ON articles(source_id, held, sort_date);
        CREATE INDEX article_keys_merged ON article_keys(source_id, article_id) WHERE rule != 'own';
        """,
        // Per-source retention reads a source's articles from articles_source_held as well, so
        // articles_source only cost every insert a B-tree update (one of seven).
        """
        DROP INDEX IF EXISTS articles_source;
        """,
        // Output ids lose their unique index, which nothing reads: an id is a 122-bit hash of the source
        // URL and the item's guid, and rule 1 already keeps one article per source and guid, so the
        // index only guarded against a hash collision, at the cost of a B-tree insert at a random
        // place for every new article (a tenth of the store's time on a cold run). SQLite cannot drop
        // the index of a UNIQUE column: the table is rebuilt (once; a store of a million articles
        // takes some seconds and twice its disk space meanwhile).
        """
        CREATE TABLE articles_rebuilt (
            id INTEGER PRIMARY KEY,
            output_id TEXT NOT NULL,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            title TEXT, link TEXT, summary TEXT, content TEXT,
            published REAL, updated REAL, first_seen REAL NOT NULL, sort_date REAL NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]', categories TEXT NOT NULL DEFAULT '[]',
            enclosures TEXT NOT NULL DEFAULT '[]', image TEXT,
            canonical_url TEXT, fingerprint TEXT,
            dedup_rule TEXT NOT NULL DEFAULT 'new', held INTEGER NOT NULL DEFAULT 0,
            content_hash INTEGER
        );
        INSERT INTO articles_rebuilt (id, output_id, source_id, title, link, summary, content, published, updated,
            first_seen, sort_date, authors, categories, enclosures, image, canonical_url, fingerprint, dedup_rule, held,
            content_hash)
        SELECT id, output_id, source_id, title, link, summary, content, published, updated,
            first_seen, sort_date, authors, categories, enclosures, image, canonical_url, fingerprint, dedup_rule, held,
            content_hash
        FROM articles;
        DROP TABLE articles;
        ALTER TABLE articles_rebuilt RENAME TO articles;
        CREATE INDEX articles_sort ON articles(sort_date DESC, id DESC);
        CREATE INDEX articles_first_seen ON articles(first_seen);
        CREATE INDEX articles_membership ON articles(id, held, sort_date);
        CREATE INDEX articles_source_held ON articles(source_id, held, sort_date);
        """,
    ]

    /// Loads the dedup index on first use (a no-op fetch never pays for it).
    func loadedIndex(_ db: Database) throws -> DedupIndex {
        if let index { return index }
        var fresh = DedupIndex()
        let keys = try Row.fetchCursor(db, sql: "SELECT source_id, guid, article_id, rule = 'own' FROM article_keys")
        while let row = try keys.next() {
            let sourceID: Int64 = row[0]
            let guid: String = row[1]
            fresh.bySourceGUID[DedupKeys.sourceGUID(sourceID: sourceID, guid: guid)] = DedupIndex.GUIDEntry(article: row[2], isOwn: row[3])
        }
        let articles = try Row.fetchCursor(db, sql: "SELECT id, canonical_url, fingerprint, sort_date, content_hash FROM articles")
        while let row = try articles.next() {
            let id: Int64 = row[0]
            if let url: String = row[1] { fresh.byCanonicalURL[url] = id }
            if let fingerprint: String = row[2] { fresh.byFingerprint[fingerprint] = (id, row[3]) }
            if let hash: Int64 = row[4] { fresh.contentHash[id] = hash }
        }
        // Expired tombstones are deleted by `prune(now:)`, with the run's clock.
        for key in try String.fetchAll(db, sql: "SELECT key FROM tombstones") {
            fresh.tombstones.insert(key)
        }
        index = fresh
        return fresh
    }
}
