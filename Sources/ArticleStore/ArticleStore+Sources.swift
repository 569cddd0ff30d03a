import Foundation
import GRDB
import TributaryCore

extension ArticleStore {
    /// State of every known source, by URL.
    ///
    /// - Parameter countingArticles: also count each source's articles (`articleCount`; 0 otherwise), which
    ///   reads the whole attribution index: for `sources list`, not for every run.
    public func sourceStates(countingArticles: Bool = false) throws(StoreError) -> [String: SourceState] {
        try read { db in
            let count = countingArticles ? "(SELECT COUNT(*) FROM article_keys k WHERE k.source_id = s.id)" : "0"
            // Columns by position: looking 15 of them up by name for every source cost more than the read.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.id, s.url, s.title, s.site_link, s.etag, s.last_modified, s.status, s.http_status, s.last_success,
                        s.last_attempt, s.last_error, s.failures, s.next_fetch, s.redirected_url, \(count) AS article_count
                    FROM sources s
                    """)
            var states: [String: SourceState] = [:]
            while let row = try rows.next() {
                let state = SourceState(
                    rowID: row[0], url: row[1], title: row[2], siteLink: row[3], etag: row[4], lastModified: row[5],
                    status: row[6], httpStatus: row[7], lastSuccess: Self.date(row[8]), lastAttempt: Self.date(row[9]),
                    lastError: row[10], consecutiveFailures: row[11], nextFetch: Self.date(row[12]), redirectedURL: row[13],
                    articleCount: row[14])
                states[state.url] = state
            }
            return states
        }
    }

    /// Row ids for these source URLs, creating rows for new ones.
    public func ensureSources(_ urls: [String]) throws(StoreError) -> [String: Int64] {
        func ids(_ db: Database) throws -> [String: Int64] {
            var ids: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, url FROM sources") { ids[row["url"]] = row["id"] }
            return ids
        }
        // Every run and every generation asks; only a configuration with new sources needs a write.
        let known = try read(ids)
        let missing = urls.filter { known[$0] == nil }
        guard !missing.isEmpty else { return known }
        return try write { db in
            for url in missing {
                try db.execute(sql: "INSERT OR IGNORE INTO sources (url) VALUES (?)", arguments: [url])
            }
            return try ids(db)
        }
    }

    /// Records a fetch that failed or returned no feed: status, error, failure count and next attempt.
    public func recordFailure(
        url: String, message: String, httpStatus: Int?, isGone: Bool, nextFetch: Date?, now: Date
    ) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE sources SET status = ?, last_error = ?, http_status = ?, failures = failures + 1,
                        next_fetch = ?, last_attempt = ? WHERE url = ?
                    """,
                arguments: [isGone ? "gone" : "failed", message, httpStatus, nextFetch?.timeIntervalSince1970,
                    now.timeIntervalSince1970, url])
            try Self.bumpRevision(db)  // The index page shows the error.
        }
    }

    /// Records 304s: nothing parsed, nothing rewritten; only the schedules move. One transaction for
    /// the whole batch (a run of a thousand unchanged sources is one commit, not a thousand).
    public func recordNotModified(_ sources: [(url: String, nextFetch: Date?)], now: Date) throws(StoreError) {
        guard !sources.isEmpty else { return }
        try write { db in
            let recovered = try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM sources WHERE status != 'ok' AND url IN (\(Array(repeating: "?", count: sources.count).joined(separator: ",")))",
                arguments: StatementArguments(sources.map(\.url))) ?? 0
            if recovered > 0 { try Self.bumpRevision(db) }  // A recovered source changes the index page.
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE sources SET status = 'ok', last_error = NULL, http_status = 304, failures = 0,
                        next_fetch = ?, last_attempt = ?, last_success = ? WHERE url = ?
                    """)
            for source in sources {
                try statement.execute(arguments: [source.nextFetch?.timeIntervalSince1970, now.timeIntervalSince1970, now.timeIntervalSince1970, source.url])
            }
        }
    }

    /// Clears gone and backoff state so the source is fetched on the next run.
    public func resetSource(url: String) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE sources SET status = 'new', failures = 0, next_fetch = NULL, last_error = NULL, etag = NULL, last_modified = NULL WHERE url = ?",
                arguments: [url])
            let changed = db.changesCount > 0
            if changed { try Self.bumpRevision(db) }
            return changed
        }
    }

    /// A number that changes with every commit that can change generated output (new or updated
    /// articles, pruning, a release, a source's status). Outputs generated at one revision stay valid
    /// until it changes.
    public func revision() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'revision'") ?? 0 }
    }

    static func bumpRevision(_ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO store_meta (key, value) VALUES ('revision', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1"
        ).execute()
    }

    static func date(_ value: Double?) -> Date? {
        value.map { Date(timeIntervalSince1970: $0) }
    }

    /// Drops the dedup index, the category windows and the source list when another connection has
    /// committed since this one last looked.
    func noteOtherWriters(_ db: Database) throws {
        let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        if let dataVersion, dataVersion != version {
            index = nil
            windows.removeAll()
            sourceRefsCache = nil
        }
        dataVersion = version
    }

    /// Forgets the category windows that a commit may have changed: those of `sources` (which gained
    /// articles) and those holding one of `articles` (edited, merged into or re-attributed).
    func invalidateWindows(sources: Set<Int64>, articles: Set<Int64>) {
        guard !windows.isEmpty, !(sources.isEmpty && articles.isEmpty) else { return }
        windows = windows.filter { _, window in window.sourceIDs.isDisjoint(with: sources) && window.articleIDs.isDisjoint(with: articles) }
    }

    /// Runs a read, mapping SQLite errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read { db in
                try noteOtherWriters(db)
                return try body(db)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Runs a write transaction, mapping SQLite errors to `StoreError`; nothing is committed on error.
    ///
    /// On error the in-memory dedup index and category windows are dropped (reloaded on next use):
    /// the body may have changed them for a transaction that did not commit.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        sourceRefsCache = nil
        do {
            return try queue.write { db in
                try noteOtherWriters(db)
                return try body(db)
            }
        } catch {
            index = nil
            windows.removeAll()
            if let error = error as? StoreError { throw error }
            throw Self.storeError(error, path: path)
        }
    }

    /// For tests: the next commit fails (and rolls back), as a full disk can at COMMIT.
    func failNextCommit() {
        queue.writeWithoutTransaction { db in db.add(transactionObserver: FailingCommit(), extent: .nextTransaction) }
    }
}

/// Makes the commit it observes fail (see `ArticleStore.failNextCommit()`).
private final class FailingCommit: TransactionObserver {
    struct Refused: Error {}
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { throw Refused() }
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}
}
