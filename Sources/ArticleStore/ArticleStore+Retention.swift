import Foundation
import GRDB
import TributaryCore

extension ArticleStore {
    /// Deletes articles past the policy's age and per-source count, leaving tombstones for their
    /// keys so the same items are not stored again as new, and forgets expired tombstones.
    ///
    /// - Returns: the number of articles deleted.
    @discardableResult
    public func prune(now: Date) throws(StoreError) -> Int {
        let policy = self.policy
        let deleted = try write { db -> Int in
            var doomed: Set<Int64> = []
            if let maxAge = policy.maxAge {
                let cutoff = now.timeIntervalSince1970 - maxAge
                // By first-seen time: an archive feed's old-dated items still live `maxAge` after they arrived.
                doomed.formUnion(try Int64.fetchAll(db, sql: "SELECT id FROM articles WHERE first_seen < ?", arguments: [cutoff]))
            }
            if let maxPerSource = policy.maxPerSource {
                // Counted on the articles_source index; only sources over the limit are ranked
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
                    try Self.tombstone(db, key: "g:\(sourceID)\u{1F}\(guid)", expires: expires)
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
        if deleted > 0 { index = nil }  // Reloaded on next use, with the new tombstones.
        return deleted
    }

    private static func tombstone(_ db: Database, key: String, expires: Double) throws {
        try db.execute(
            sql: "INSERT INTO tombstones (key, expires) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires = excluded.expires",
            arguments: [key, expires])
    }
}
