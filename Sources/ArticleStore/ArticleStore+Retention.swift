import Foundation
import GRDB
import TributaryCore

/// A category's retention rules, for `ArticleStore.prune`.
public struct CategoryRetention: Sendable {
    /// Row ids of the category's sources.
    public var sourceIDs: [Int64]
    /// Articles first seen longer ago than this (seconds) may go.
    public var maxAge: TimeInterval?
    /// Articles beyond the newest this many may go.
    public var maxCount: Int?

    /// Creates a rule set.
    public init(sourceIDs: [Int64], maxAge: TimeInterval?, maxCount: Int?) {
        self.sourceIDs = sourceIDs
        self.maxAge = maxAge
        self.maxCount = maxCount
    }
}

extension ArticleStore {
    /// Deletes articles past the policy's age and per-source count, and articles every category they
    /// appear in lets go, leaving tombstones for their keys so the same items are not stored again as
    /// new; forgets expired tombstones.
    ///
    /// - Parameters:
    ///   - categories: the retention rules of categories that have some.
    ///   - protectedSources: sources in a category without rules (or in none): their articles are never
    ///     pruned by category rules.
    ///   - protectedTerms: lower-cased category terms a category without rules pulls in
    ///     (`match_categories`): articles carrying one are never pruned by category rules either.
    /// - Returns: the number of articles deleted.
    @discardableResult
    public func prune(
        now: Date, categories: [CategoryRetention] = [], protectedSources: Set<Int64> = [], protectedTerms: Set<String> = []
    ) throws(StoreError) -> Int {
        let policy = self.policy
        let deleted = try write { db -> Int in
            var doomed = try Self.prunedByCategories(
                db, categories, protectedSources: protectedSources, protectedTerms: protectedTerms, now: now)
            if let maxAge = policy.maxAge {
                let cutoff = now.timeIntervalSince1970 - maxAge
                // By first-seen time: an archive feed's old-dated items still live `maxAge` after they arrived.
                doomed.formUnion(try Int64.fetchAll(db, sql: "SELECT id FROM articles WHERE first_seen < ?", arguments: [cutoff]))
            }
            if let maxPerSource = policy.maxPerSource {
                // Counted on the articles_source_held index; only sources over the limit are ranked
                // (a window over every article costs about 1.3 s at 1,000,000 articles).
                let crowded = try Int64.fetchAll(
                    db, sql: "SELECT source_id FROM articles GROUP BY source_id HAVING COUNT(*) > ?", arguments: [maxPerSource])
                for sourceID in crowded {
                    doomed.formUnion(
                        try Int64.fetchAll(
                            db,
                            sql: "SELECT id FROM articles WHERE source_id = ? ORDER BY sort_date DESC, id DESC LIMIT -1 OFFSET ?",
                            arguments: [sourceID, maxPerSource]))
                }
            }
            let expires = now.timeIntervalSince1970 + policy.tombstoneLifetime
            for id in doomed {
                for row in try Row.fetchAll(db, sql: "SELECT source_id, guid FROM article_keys WHERE article_id = ?", arguments: [id]) {
                    let sourceID: Int64 = row[0]
                    let guid: String = row[1]
                    try Self.tombstone(db, key: "g:" + DedupKeys.sourceGUID(sourceID: sourceID, guid: guid), expires: expires)
                }
                if let url = try String.fetchOne(db, sql: "SELECT canonical_url FROM articles WHERE id = ?", arguments: [id]) {
                    try Self.tombstone(db, key: "u:" + url, expires: expires)
                }
                try db.execute(sql: "DELETE FROM article_keys WHERE article_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM articles WHERE id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM tombstones WHERE expires <= ?", arguments: [now.timeIntervalSince1970])
            if !doomed.isEmpty { try Self.bumpRevision(db) }
            return doomed.count
        }
        if deleted > 0 {
            index = nil  // Reloaded on next use, with the new tombstones.
            windows.removeAll()
        }
        return deleted
    }

    /// Articles some category with rules lets go and none keeps, carried by no protected source.
    ///
    /// Reads every article of each category with rules (their ids and times): a cost per run that only
    /// categories with `retention` pay.
    private static func prunedByCategories(
        _ db: Database, _ categories: [CategoryRetention], protectedSources: Set<Int64>, protectedTerms: Set<String>, now: Date
    ) throws -> Set<Int64> {
        var released: Set<Int64> = []
        var kept: Set<Int64> = []
        for category in categories where !category.sourceIDs.isEmpty && (category.maxAge != nil || category.maxCount != nil) {
            let placeholders = Array(repeating: "?", count: category.sourceIDs.count).joined(separator: ",")
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT id, first_seen FROM articles WHERE held = 0 AND id IN (SELECT article_id FROM article_keys WHERE source_id IN (\(placeholders))) ORDER BY sort_date DESC, id DESC",
                arguments: StatementArguments(category.sourceIDs))
            let cutoff = category.maxAge.map { now.timeIntervalSince1970 - $0 }
            var count = 0
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let firstSeen: Double = row[1]
                count += 1
                if count > (category.maxCount ?? Int.max) || cutoff.map({ firstSeen < $0 }) == true {
                    released.insert(id)
                } else {
                    kept.insert(id)
                }
            }
        }
        released.subtract(kept)
        guard !released.isEmpty, !protectedSources.isEmpty || !protectedTerms.isEmpty else { return released }
        var doomed: Set<Int64> = []
        let candidates = Array(released)
        for start in stride(from: 0, to: candidates.count, by: 500) {
            let batch = Array(candidates[start..<min(start + 500, candidates.count)])
            let list = Array(repeating: "?", count: batch.count).joined(separator: ",")
            var isProtected: Set<Int64> = []
            for row in try Row.fetchAll(
                db, sql: "SELECT article_id, source_id FROM article_keys WHERE article_id IN (\(list))", arguments: StatementArguments(batch))
            where protectedSources.contains(row[1]) {
                isProtected.insert(row[0])
            }
            if !protectedTerms.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, categories FROM articles WHERE id IN (\(list))", arguments: StatementArguments(batch)) {
                    let terms = (row[1] as String?).flatMap(StoredJSON.strings) ?? []
                    if terms.contains(where: { protectedTerms.contains($0.lowercased()) }) { isProtected.insert(row[0]) }
                }
            }
            doomed.formUnion(batch.filter { !isProtected.contains($0) })
        }
        return doomed
    }

    private static func tombstone(_ db: Database, key: String, expires: Double) throws {
        try db.execute(
            sql: "INSERT INTO tombstones (key, expires) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires = excluded.expires",
            arguments: [key, expires])
    }
}
