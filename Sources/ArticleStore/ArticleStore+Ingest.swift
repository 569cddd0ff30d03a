import Foundation
import GRDB
import TributaryCore

/// Everything one successful fetch of a source brings to the store.
public struct SourceRefresh: Sendable {
    /// The source's configured URL.
    public var url: String
    /// Feed title and site link.
    public var title: String?
    /// Feed site link.
    public var siteLink: String?
    /// The items in document order, with their keys, output ids and JSON columns, computed here (by
    /// the caller's task, concurrently with other sources) rather than in the store's writer.
    let prepared: [PreparedItem]
    /// Items in document order.
    public var items: [ParsedItem] { prepared.map(\.item) }
    /// New validators.
    public var etag: String?
    /// New Last-Modified.
    public var lastModified: String?
    /// HTTP status (200, or 200 for files).
    public var httpStatus: Int
    /// URL after a permanent redirect, to record.
    public var redirectedURL: String?
    /// When to fetch next.
    public var nextFetch: Date?

    /// Creates a refresh.
    public init(
        url: String, title: String?, siteLink: String?, items: [ParsedItem], etag: String?, lastModified: String?,
        httpStatus: Int = 200, redirectedURL: String? = nil, nextFetch: Date?
    ) {
        self.url = url
        self.title = title
        self.siteLink = siteLink
        self.prepared = items.map { PreparedItem(sourceURL: url, item: $0) }
        self.etag = etag
        self.lastModified = lastModified
        self.httpStatus = httpStatus
        self.redirectedURL = redirectedURL
        self.nextFetch = nextFetch
    }
}

extension ArticleStore {
    /// Stores a source's items, deduplicating by (1) source + guid, (2) canonical URL across sources,
    /// (3) content fingerprint within the window; updates the source's state.
    ///
    /// Refreshes that arrive while the writer is busy are committed together when it is free (group
    /// commit): one transaction for all of them, each refresh still all or nothing, because a batch
    /// that fails is rolled back and its refreshes are stored again one transaction each, so only the
    /// failing one fails. A cold run of 2,000 sources spent a third of the writer's time committing.
    ///
    /// - Returns: what was inserted, updated and merged.
    public func ingest(_ refresh: SourceRefresh, now: Date) async throws(StoreError) -> IngestResult {
        let result = await withCheckedContinuation { continuation in
            pendingRefreshes.append(PendingRefresh(refresh: refresh, now: now, continuation: continuation))
            if pendingRefreshes.count == 1 {
                // Runs after the calls already waiting for this actor, which join the batch.
                Task { self.commitPendingRefreshes() }
            }
        }
        return try result.get()
    }

    /// Stores every refresh waiting, in one transaction when possible, and answers their callers.
    private func commitPendingRefreshes() {
        let batch = pendingRefreshes
        pendingRefreshes = []
        for (pending, result) in zip(batch, ingest(batch.map { ($0.refresh, $0.now) })) {
            pending.continuation.resume(returning: result)
        }
    }

    /// Stores refreshes in one transaction; when it fails, each in a transaction of its own.
    ///
    /// - Returns: one result per refresh, in order.
    func ingest(_ refreshes: [(refresh: SourceRefresh, now: Date)]) -> [Result<IngestResult, StoreError>] {
        do throws(StoreError) {
            let (results, index, changes) = try write { db in
                // Taken out of `self` so that adding keys does not copy the dictionaries (copy-on-write).
                var index = try loadedIndex(db)
                self.index = nil
                var changes = WindowChanges()
                let results = try refreshes.map { refresh, now in
                    try store(refresh, now: now, in: db, index: &index, changes: &changes)
                }
                try Self.bumpRevision(db)
                return (results, index, changes)
            }
            // Only a committed transaction changes the in-memory index and the windows: the commit
            // itself can fail (a full disk often shows at COMMIT), and then `write` leaves the index
            // unloaded, so the refreshes stored again one by one are checked against the file.
            self.index = index
            committedBatches += 1
            if changes.renamedSource {
                windows.removeAll()
            } else {
                invalidateWindows(sources: changes.gainedSources, articles: changes.touchedArticles)
            }
            return results.map { .success($0) }
        } catch {
            guard refreshes.count > 1 else { return [.failure(error)] }
            return refreshes.flatMap { ingest([$0]) }
        }
    }

    /// What a batch changes, for the category windows (see `invalidateWindows`).
    struct WindowChanges {
        var gainedSources: Set<Int64> = []
        var touchedArticles: Set<Int64> = []
        /// A source's title or site link changed: generated entries carry them, so every window is stale.
        var renamedSource = false
    }

    /// Stores one refresh inside the caller's transaction.
    private func store(
        _ refresh: SourceRefresh, now: Date, in db: Database, index: inout DedupIndex, changes: inout WindowChanges
    ) throws -> IngestResult {
        var result = IngestResult()
        // Every statement here runs once per refresh: cached, they are compiled once per connection
        // (preparing them took a fifth of the writer's time).
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO sources (url) VALUES (?)").execute(arguments: [refresh.url])
        let sourceID = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM sources WHERE url = ?"), arguments: [refresh.url])!
        let nowSeconds = now.timeIntervalSince1970
        let keyed = refresh.prepared.map { DedupKeys(sourceID: sourceID, prepared: $0) }
        // The sites this source publishes, for rule 2's original-publisher check.
        let refreshSites = [refresh.url, refresh.siteLink].compactMap { $0.flatMap(CanonicalURL.siteKey(of:)) }
        // What this refresh changes, for the category windows (see `invalidateWindows`).
        var touchedArticles: Set<Int64> = []
        var gainedArticles = false
        let isHeld = try floodGuardHolds(db, sourceID: sourceID, keys: keyed, index: index)
        if isHeld {
            result.warnings.append("\(refresh.url): \(refresh.prepared.count) items, most of them new, arrived at once; held back from publication (review, then `tributary sources release \(refresh.url)`)")
        }
        for keys in keyed {
            if index.isTombstoned(keys) { continue }
            if let existing = index.bySourceGUID[keys.sourceGUID] {
                // Rule 1 edits an article only through its own item: a merged copy from another
                // source (or another guid) must not overwrite it, or the two would take turns.
                let hash = keys.prepared.contentHash
                if existing.isOwn, index.contentHash[existing.article] != hash {
                    if try updateIfChanged(db, articleID: existing.article, prepared: keys.prepared) {
                        result.updated += 1
                        touchedArticles.insert(existing.article)
                    }
                    index.contentHash[existing.article] = hash
                }
                continue
            }
            let item = keys.item  // Not before rule 1: most items of a refresh are known, and copying one retains its every string.
            if let url = keys.canonicalURL, let existing = index.byCanonicalURL[url] {
                try attach(db, sourceID: sourceID, guid: item.id, link: item.link, to: existing, rule: "url")
                let becameOwn = try preferOriginalPublisher(
                    db, articleID: existing, sourceID: sourceID, guid: item.id, link: item.originalLink ?? item.link,
                    refreshSites: refreshSites, index: &index)
                index.bySourceGUID[keys.sourceGUID] = DedupIndex.GUIDEntry(article: existing, isOwn: becameOwn)
                touchedArticles.insert(existing)
                gainedArticles = true
                result.duplicates["url", default: 0] += 1
                continue
            }
            let sortDate = Self.sortDate(for: item, now: now, warnings: &result.warnings, source: refresh.url)
            let fingerprint = keys.prepared.fingerprint
            if let fingerprint, let match = index.byFingerprint[fingerprint],
                abs(match.sortDate - sortDate) <= policy.contentWindow
            {
                try attach(db, sourceID: sourceID, guid: item.id, link: item.link, to: match.article, rule: "content")
                index.bySourceGUID[keys.sourceGUID] = DedupIndex.GUIDEntry(article: match.article, isOwn: false)
                touchedArticles.insert(match.article)
                gainedArticles = true
                result.duplicates["content", default: 0] += 1
                continue
            }
            let articleID = try insert(
                db, sourceID: sourceID, sourceURL: refresh.url, item: item, keys: keys, fingerprint: fingerprint,
                sortDate: sortDate,
                now: nowSeconds, isHeld: isHeld)
            index.bySourceGUID[keys.sourceGUID] = DedupIndex.GUIDEntry(article: articleID, isOwn: true)
            index.contentHash[articleID] = keys.prepared.contentHash
            if let url = keys.canonicalURL { index.byCanonicalURL[url] = articleID }
            if let fingerprint { index.byFingerprint[fingerprint] = (articleID, sortDate) }
            result.inserted += 1
            gainedArticles = true
            if isHeld { result.held += 1 }
        }
        // Generated entries carry their sources' titles and links: a change reaches every window.
        let before = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT title, site_link FROM sources WHERE id = ?"), arguments: [sourceID])
        let renamed = before.map { ($0[0] as String?) != refresh.title || ($0[1] as String?) != refresh.siteLink } ?? true
        try db.cachedStatement(
            sql: """
                UPDATE sources SET title = ?, site_link = ?, etag = ?, last_modified = ?, status = 'ok',
                    http_status = ?, last_success = ?, last_attempt = ?, last_error = NULL, failures = 0,
                    next_fetch = ?, redirected_url = COALESCE(?, redirected_url)
                WHERE id = ?
                """
        ).execute(
            arguments: [refresh.title, refresh.siteLink, refresh.etag, refresh.lastModified, refresh.httpStatus,
                nowSeconds, nowSeconds, refresh.nextFetch?.timeIntervalSince1970, refresh.redirectedURL, sourceID])
        for (rule, count) in result.duplicates {
            try db.cachedStatement(
                sql: "INSERT INTO dedup_counts (rule, count) VALUES (?, ?) ON CONFLICT(rule) DO UPDATE SET count = count + excluded.count"
            ).execute(arguments: [rule, count])
        }
        if renamed { changes.renamedSource = true }
        if gainedArticles { changes.gainedSources.insert(sourceID) }
        changes.touchedArticles.formUnion(touchedArticles)
        return result
    }

    /// The flood guard: a source that already has articles and suddenly brings more than
    /// `floodMaxNew` new items, or more than `floodMaxFraction` of its items new, is held back.
    private func floodGuardHolds(_ db: Database, sourceID: Int64, keys items: [DedupKeys], index: DedupIndex) throws -> Bool {
        let hasHistory = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM article_keys WHERE source_id = ?)"), arguments: [sourceID])
            ?? false
        guard hasHistory else { return false }
        var new = 0
        for keys in items {
            if index.bySourceGUID[keys.sourceGUID] != nil || index.isTombstoned(keys) { continue }
            if let url = keys.canonicalURL, index.byCanonicalURL[url] != nil { continue }
            new += 1
        }
        if new > policy.floodMaxNew { return true }
        return items.count >= policy.floodMinItems && Double(new) > policy.floodMaxFraction * Double(items.count)
    }

    /// Publishes the articles the flood guard held back for a source; returns how many.
    public func release(sourceURL: String) throws(StoreError) -> Int {
        try write { db in
            try db.execute(
                sql: "UPDATE articles SET held = 0 WHERE held = 1 AND source_id = (SELECT id FROM sources WHERE url = ?)",
                arguments: [sourceURL])
            let released = db.changesCount
            if released > 0 {
                try Self.bumpRevision(db)
                windows.removeAll()
            }
            return released
        }
    }

    /// Published time, else updated, else first seen; a date more than an hour ahead is replaced by now.
    static func sortDate(for item: ParsedItem, now: Date, warnings: inout [String], source: String) -> Double {
        guard let date = item.published ?? item.updated else { return now.timeIntervalSince1970 }
        if date.timeIntervalSince(now) > 3600 {
            warnings.append("\(source): item \"\(item.title ?? item.id)\" is dated \(FeedDate.rfc3339(date)), in the future; using the time it was first seen")
            return now.timeIntervalSince1970
        }
        return date.timeIntervalSince1970
    }

    private func attach(_ db: Database, sourceID: Int64, guid: String, link: String?, to articleID: Int64, rule: String) throws {
        // Per-item statements are prepared once per connection (cached), not once per item, and
        // bound directly (see `DirectStatement`).
        var key = DirectStatement(
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO article_keys (source_id, guid, article_id, rule, link) VALUES (?, ?, ?, ?, ?)"))
        key.bind(sourceID)
        key.bind(guid)
        key.bind(articleID)
        key.bind(rule)
        key.bind(link)
        try key.run(db)
        var article = DirectStatement(try db.cachedStatement(sql: "UPDATE articles SET dedup_rule = ? WHERE id = ?"))
        article.bind(rule)
        article.bind(articleID)
        try article.run(db)
    }

    /// Rule 2's "original publisher preferred": when an article found again by URL is on the site of the
    /// source that just brought it, and not on its current primary source's site, that source becomes
    /// the primary and its link the article's (the output id, first-seen time and text stay).
    /// `refreshSites` are the site keys of that source's URL and site link.
    private func preferOriginalPublisher(
        _ db: Database, articleID: Int64, sourceID: Int64, guid: String, link newLink: String?, refreshSites: [String],
        index: inout DedupIndex
    ) throws -> Bool {
        let select = try db.cachedStatement(
            sql: "SELECT a.source_id, a.link, s.url, s.site_link FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?")
        guard let row = try Row.fetchOne(select, arguments: [articleID]) else { return false }
        let primaryID: Int64 = row[0]
        // The cheaper test first: most copies found by URL come from another site's feed.
        guard primaryID != sourceID, let link: String = row[1], let site = CanonicalURL.siteKey(of: link),
            refreshSites.contains(site)
        else { return false }
        let primarySites = [row[2], row[3]].compactMap { ($0 as String?).flatMap(CanonicalURL.siteKey(of:)) }
        guard !primarySites.contains(site) else { return false }
        try db.cachedStatement(sql: "UPDATE articles SET source_id = ?, link = COALESCE(?, link) WHERE id = ?")
            .execute(arguments: [sourceID, newLink, articleID])
        let formerOwn = try String.fetchAll(
            db, sql: "SELECT guid FROM article_keys WHERE article_id = ? AND source_id = ? AND rule = 'own'", arguments: [articleID, primaryID])
        for guid in formerOwn { index.bySourceGUID[DedupKeys.sourceGUID(sourceID: primaryID, guid: guid)]?.isOwn = false }
        try db.cachedStatement(sql: "UPDATE article_keys SET rule = 'url' WHERE article_id = ? AND source_id = ? AND rule = 'own'")
            .execute(arguments: [articleID, primaryID])
        try db.cachedStatement(sql: "UPDATE article_keys SET rule = 'own' WHERE article_id = ? AND source_id = ? AND guid = ?")
            .execute(arguments: [articleID, sourceID, guid])
        return true
    }

    private func insert(
        _ db: Database, sourceID: Int64, sourceURL: String, item: ParsedItem, keys: DedupKeys, fingerprint: String?,
        sortDate: Double, now: Double, isHeld: Bool
    ) throws -> Int64 {
        // Bound directly (see `DirectStatement`): these two run for every new article.
        var article = DirectStatement(
            try db.cachedStatement(
                sql: """
                    INSERT INTO articles (output_id, source_id, title, link, summary, content, published, updated,
                        first_seen, sort_date, authors, categories, enclosures, image, canonical_url, fingerprint, held, content_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """))
        article.bind(keys.prepared.outputID)
        article.bind(sourceID)
        article.bind(item.title)
        article.bind(item.originalLink ?? item.link)
        article.bind(item.summary)
        article.bind(item.content)
        article.bind(item.published?.timeIntervalSince1970)
        article.bind(item.updated?.timeIntervalSince1970)
        article.bind(now)
        article.bind(sortDate)
        article.bind(keys.prepared.authors)
        article.bind(keys.prepared.categories)
        article.bind(keys.prepared.enclosures)
        article.bind(item.image)
        article.bind(keys.canonicalURL)
        article.bind(fingerprint)
        article.bind(isHeld)
        article.bind(keys.prepared.contentHash)
        try article.run(db)
        let articleID = db.lastInsertedRowID
        var key = DirectStatement(try db.cachedStatement(sql: "INSERT INTO article_keys (source_id, guid, article_id, link) VALUES (?, ?, ?, ?)"))
        key.bind(sourceID)
        key.bind(item.id)
        key.bind(articleID)
        key.bind(item.link)
        try key.run(db)
        return articleID
    }

    /// Rule 1: same source and guid. Updates title, content and times in place when they changed;
    /// the output id and first-seen time stay.
    private func updateIfChanged(_ db: Database, articleID: Int64, prepared: PreparedItem) throws -> Bool {
        let item = prepared.item
        let select = try db.cachedStatement(sql: "SELECT title, summary, content, updated FROM articles WHERE id = ?")
        guard let row = try Row.fetchOne(select, arguments: [articleID])
        else { return false }
        let updated = item.updated?.timeIntervalSince1970
        let unchanged = (row["title"] as String?) == item.title && (row["summary"] as String?) == item.summary
            && (row["content"] as String?) == item.content && (row["updated"] as Double?) == updated
        if unchanged {
            // A row stored before content hashes: remember its hash, so it is not read again.
            try db.cachedStatement(sql: "UPDATE articles SET content_hash = ? WHERE id = ?").execute(arguments: [prepared.contentHash, articleID])
            return false
        }
        try db.execute(
            sql: "UPDATE articles SET title = ?, summary = ?, content = ?, updated = ?, categories = ?, enclosures = ?, dedup_rule = 'id', content_hash = ? WHERE id = ?",
            arguments: [item.title, item.summary, item.content, updated, prepared.categories, prepared.enclosures, prepared.contentHash, articleID])
        try db.execute(
            sql: "INSERT INTO dedup_counts (rule, count) VALUES ('id', 1) ON CONFLICT(rule) DO UPDATE SET count = count + 1")
        return true
    }

    /// The JSON columns, written by hand: JSONEncoder costs more than the SQL insert of the row. Nil
    /// fields are left out, as the synthesized `Encodable` does; `StoredArticle` reads them back
    /// with JSONDecoder.
    static func json(_ people: [Person]) -> String {
        if people.isEmpty { return "[]" }  // Many items have no authors.
        var json = JSONText(compact: true)
        json.openArray()
        for person in people {
            json.openObject()
            if let email = person.email { json.field("email", email) }
            if let name = person.name { json.field("name", name) }
            if let uri = person.uri { json.field("uri", uri) }
            json.closeObject()
        }
        json.closeArray()
        return json.text
    }

    static func json(_ terms: [String]) -> String {
        if terms.isEmpty { return "[]" }
        var json = JSONText(compact: true)
        json.openArray()
        for term in terms { json.element(term) }
        json.closeArray()
        return json.text
    }

    static func json(_ enclosures: [Enclosure]) -> String {
        if enclosures.isEmpty { return "[]" }  // Most items have none.
        var json = JSONText(compact: true)
        json.openArray()
        for enclosure in enclosures {
            json.openObject()
            if let length = enclosure.length { json.field("length", length) }
            if let type = enclosure.type { json.field("type", type) }
            json.field("url", enclosure.url)
            json.closeObject()
        }
        json.closeArray()
        return json.text
    }
}
