import Foundation
import GRDB
import TributaryCore

/// Counts for `tributary stats`.
public struct StoreStats: Sendable, Equatable {
    /// Sources known to the store.
    public var sourcesTotal = 0
    /// Sources whose last fetch succeeded.
    public var sourcesOK = 0
    /// Sources whose last fetch failed.
    public var sourcesFailing = 0
    /// Sources marked gone (410).
    public var sourcesGone = 0
    /// Articles stored.
    public var articlesStored = 0
    /// Articles published (not held back).
    public var articlesPublished = 0
    /// Articles held back by the flood guard.
    public var articlesHeld = 0
    /// Items merged into existing articles, by rule.
    public var duplicates: [String: Int] = [:]
    /// Size of the database files on disk.
    public var storeBytes = 0
}

extension ArticleStore {
    /// The newest published articles carried by any of these sources, newest first (ties by row id).
    ///
    /// - Parameter splitting: dedup rules to undo for this query (a category's narrower `dedupe`): an
    ///   item of one of these sources that joined an article by such a rule comes back as an entry of
    ///   its own (its source, its own link and output id, the article's text and dates), right after
    ///   the article; the article itself is left out when no member source carries it any more.
    public func articles(fromSources sourceIDs: [Int64], limit: Int, splitting: Set<String> = []) throws(StoreError) -> [StoredArticle] {
        guard !sourceIDs.isEmpty, limit > 0 else { return [] }
        let key = WindowKey(sourceIDs: sourceIDs.sorted(), limit: limit, splitting: splitting.sorted())
        return try read { db in
            if let window = windows[key] { return window.articles }
            let decoder = JSONDecoder()
            let placeholders = Array(repeating: "?", count: sourceIDs.count).joined(separator: ",")
            let arguments = StatementArguments(sourceIDs) + [limit]
            let refs = try sourceRefsCache ?? Self.sourceRefs(db)
            sourceRefsCache = refs
            // Three plans. Every source of the store: no membership test at all. Otherwise, collecting
            // the sources' articles and sorting them costs their count C; walking the newest articles
            // until `limit` of them belong to the sources costs about limit * total / C. C is estimated
            // from the share of sources (both plans give the same answer; only their cost differs).
            let total = try Int.fetchOne(db, sql: "SELECT MAX(id) FROM articles") ?? 0
            let members = Set(sourceIDs)
            let carried = Double(total) * Double(members.count) / Double(max(1, refs.count))
            let order: [Int64]
            if refs.keys.allSatisfy(members.contains) {
                order = try Int64.fetchAll(
                    db, sql: "SELECT id FROM articles WHERE held = 0 ORDER BY sort_date DESC, id DESC LIMIT ?", arguments: [limit])
            } else if carried * carried > Double(limit) * Double(total) {
                order = try Int64.fetchAll(
                    db,
                    sql: "SELECT a.id FROM articles a WHERE a.held = 0 AND EXISTS (SELECT 1 FROM article_keys k WHERE k.article_id = a.id AND k.source_id IN (\(placeholders))) ORDER BY a.sort_date DESC, a.id DESC LIMIT ?",
                    arguments: arguments)
            } else {
                order = try Self.newestCarried(db, by: sourceIDs, placeholders: placeholders, limit: limit)
            }
            var attributions: [Int64: [Attribution]] = [:]
            var articles: [Int64: StoredArticle] = [:]
            if !order.isEmpty {
                let list = Array(repeating: "?", count: order.count).joined(separator: ",")
                // Columns by position (see `Column`), decoded straight from the statement (a cursor):
                // looking them up by name, or copying whole rows first, costs more than the read.
                let columns = "id, output_id, source_id, title, link, summary, content, published, updated, first_seen, sort_date, authors, categories, enclosures, image, dedup_rule"
                let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM articles WHERE id IN (\(list))", arguments: StatementArguments(order))
                var merged: [Int64] = []
                while let row = try rows.next() {
                    let primaryID: Int64 = row[Column.sourceID]
                    let articleID: Int64 = row[Column.id]
                    let primary = refs[primaryID] ?? SourceRef(rowID: primaryID, url: "", title: nil, siteLink: nil)
                    let article = StoredArticle(
                        rowID: articleID, outputID: row[Column.outputID], title: row[Column.title], link: row[Column.link],
                        summary: row[Column.summary], content: row[Column.content], published: Self.date(row[Column.published]),
                        updated: Self.date(row[Column.updated]), firstSeen: Date(timeIntervalSince1970: row[Column.firstSeen]),
                        sortDate: Date(timeIntervalSince1970: row[Column.sortDate]),
                        authors: Self.decode([Person].self, row[Column.authors], decoder, fast: StoredJSON.people) ?? [],
                        categories: Self.decode([String].self, row[Column.categories], decoder, fast: StoredJSON.strings) ?? [],
                        enclosures: Self.decode([Enclosure].self, row[Column.enclosures], decoder, fast: StoredJSON.enclosures) ?? [],
                        image: row[Column.image], primarySource: primary, sources: [primary], dedupRule: row[Column.dedupRule])
                    articles[articleID] = article
                    if article.dedupRule != "new" { merged.append(articleID) }
                }
                // Only a merged article has keys beyond its primary source's own (every merge records its
                // rule on the article), so only those need their attributions read.
                if !merged.isEmpty {
                    let mergedList = Array(repeating: "?", count: merged.count).joined(separator: ",")
                    let cursor = try Row.fetchCursor(
                        db,
                        sql: "SELECT article_id, source_id, guid, rule, link FROM article_keys WHERE article_id IN (\(mergedList)) ORDER BY source_id, guid",
                        arguments: StatementArguments(merged))
                    while let row = try cursor.next() {
                        attributions[row[0], default: []].append(Attribution(sourceID: row[1], guid: row[2], rule: row[3], link: row[4]))
                    }
                }
            }
            var result: [StoredArticle] = []
            result.reserveCapacity(order.count)
            for articleID in order {
                guard var article = articles[articleID] else { continue }
                let primary = article.primarySource
                let primaryID = primary.rowID
                let keys = attributions[articleID] ?? []
                let splitOff = keys.filter { splitting.contains($0.rule) && members.contains($0.sourceID) && $0.sourceID != primaryID }
                let splitSources = Set(splitOff.map(\.sourceID))
                var others: [Int64] = []
                for key in keys where key.sourceID != primaryID && !splitSources.contains(key.sourceID) && !others.contains(key.sourceID) {
                    others.append(key.sourceID)
                }
                article.sources = [primary] + others.compactMap { refs[$0] }
                let copyIDs = splitOff.map { key in refs[key.sourceID].map { DedupKeys.outputID(sourceURL: $0.url, itemID: key.guid) } }
                // The article's output id was made from the item that created it; when that item is split
                // off (its source stopped being the primary), the id goes with it and the article takes
                // its primary item's id.
                if copyIDs.contains(article.outputID),
                    let own = keys.first(where: { $0.sourceID == primaryID && $0.rule == "own" }) ?? keys.first(where: { $0.sourceID == primaryID })
                {
                    article.outputID = DedupKeys.outputID(sourceURL: primary.url, itemID: own.guid)
                }
                if splitOff.isEmpty || members.contains(primaryID) || others.contains(where: members.contains) {
                    result.append(article)
                }
                for (key, copyID) in zip(splitOff, copyIDs) {
                    guard let source = refs[key.sourceID], let copyID else { continue }
                    var copy = article
                    copy.outputID = copyID
                    copy.link = key.link ?? article.link
                    copy.primarySource = source
                    copy.sources = [source]
                    copy.dedupRule = "new"
                    result.append(copy)
                }
            }
            // Configurations come and go, and filtered categories read wide windows: stay bounded.
            if windows.values.reduce(result.count, { $0 + $1.articles.count }) > Self.maxWindowArticles { windows.removeAll() }
            windows[key] = Window(articles: result, articleIDs: Set(result.map(\.rowID)), sourceIDs: Set(sourceIDs))
            return result
        }
    }

    /// The newest `limit` published articles carried by these sources, from indexes only: those the
    /// sources publish as primary, plus those their items were merged into (keys that are not 'own';
    /// every 'own' key belongs to its article's primary source, see migration 7). Sorted here rather
    /// than by SQLite: its UNION and ORDER BY would build two temporary B-trees of every candidate.
    ///
    /// - Parameter placeholders: one `?` per source, comma-separated.
    static func newestCarried(_ db: Database, by sourceIDs: [Int64], placeholders: String, limit: Int) throws -> [Int64] {
        var candidates: [(date: Double, id: Int64)] = []
        let queries = [
            "SELECT sort_date, id FROM articles INDEXED BY articles_source_held WHERE source_id IN (\(placeholders)) AND held = 0",
            """
            SELECT a.sort_date, a.id FROM article_keys k INDEXED BY article_keys_merged
                JOIN articles a INDEXED BY articles_membership ON a.id = k.article_id
                WHERE k.source_id IN (\(placeholders)) AND k.rule != 'own' AND a.held = 0
            """,
        ]
        for sql in queries {
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(sourceIDs))
            while let row = try rows.next() { candidates.append((row[0], row[1])) }
        }
        candidates.sort { ($0.date, $0.id) > ($1.date, $1.id) }
        var order: [Int64] = []
        order.reserveCapacity(min(limit, candidates.count))
        for candidate in candidates where order.last != candidate.id {  // An article found both ways sorts twice, adjacent.
            order.append(candidate.id)
            if order.count == limit { break }
        }
        return order
    }

    /// Most articles the category windows hold together (about 2 KB each).
    static let maxWindowArticles = 50_000

    /// Positions of the columns `articles(fromSources:limit:splitting:)` selects.
    private enum Column {
        static let id = 0, outputID = 1, sourceID = 2, title = 3, link = 4, summary = 5, content = 6, published = 7
        static let updated = 8, firstSeen = 9, sortDate = 10, authors = 11, categories = 12, enclosures = 13, image = 14
        static let dedupRule = 15
    }

    /// What a category window is cached under.
    struct WindowKey: Hashable {
        var sourceIDs: [Int64]
        var limit: Int
        var splitting: [String]
    }

    /// A category window: its entries, and what a write must touch to change them.
    struct Window {
        var articles: [StoredArticle]
        var articleIDs: Set<Int64>
        var sourceIDs: Set<Int64>
    }

    /// One row of article_keys: a source's item attributed to an article.
    private struct Attribution {
        var sourceID: Int64
        var guid: String
        var rule: String
        var link: String?
    }

    /// Every source, by row id.
    static func sourceRefs(_ db: Database) throws -> [Int64: SourceRef] {
        var refs: [Int64: SourceRef] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, url, title, site_link FROM sources") {
            let ref = SourceRef(rowID: row["id"], url: row["url"], title: row["title"], siteLink: row["site_link"])
            refs[ref.rowID] = ref
        }
        return refs
    }

    static func decode<Element: Decodable>(
        _ type: [Element].Type, _ text: String?, _ decoder: JSONDecoder, fast: (String) -> [Element]?
    ) -> [Element]? {
        guard let text else { return nil }
        if text == "[]" { return [] }  // Most enclosure and many author lists.
        return fast(text) ?? (try? decoder.decode(type, from: Data(text.utf8)))
    }

    /// Counts for `tributary stats`.
    public func stats() throws(StoreError) -> StoreStats {
        var stats = try read { db in
            var stats = StoreStats()
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM sources GROUP BY status") {
                let count: Int = row["n"]
                stats.sourcesTotal += count
                switch row["status"] as String {
                case "ok": stats.sourcesOK += count
                case "failed": stats.sourcesFailing += count
                case "gone": stats.sourcesGone += count
                default: break
                }
            }
            stats.articlesStored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM articles") ?? 0
            stats.articlesHeld = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM articles WHERE held = 1") ?? 0
            stats.articlesPublished = stats.articlesStored - stats.articlesHeld
            for row in try Row.fetchAll(db, sql: "SELECT rule, count FROM dedup_counts") {
                stats.duplicates[row["rule"]] = row["count"]
            }
            return stats
        }
        for suffix in ["", "-wal", "-shm"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? nil
            stats.storeBytes += size ?? 0
        }
        return stats
    }
}
