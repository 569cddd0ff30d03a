import Foundation
import TributaryCore

/// Stable ids for items: the document's guid/id, else the link, else a hash of title, date and summary.
enum ItemIdentity {
    /// Fills `id` for items without one and makes repeated ids within one document distinct
    /// (a feed that gives every item the same guid), using the link or a content hash.
    static func assignIDs(to items: inout [ParsedItem]) {
        var distinct = Set<String>(minimumCapacity: items.count)
        var hasRepeats = false
        for index in items.indices {
            if items[index].id.isEmpty {
                items[index].id = items[index].link ?? contentHash(of: items[index])
                items[index].hasDocumentID = false
            }
            if !distinct.insert(items[index].id).inserted { hasRepeats = true }
        }
        guard hasRepeats else { return }  // the usual case: one hash per id
        var seen: [String: Int] = [:]
        for item in items { seen[item.id, default: 0] += 1 }
        var used: Set<String> = []
        for index in items.indices {
            let id = items[index].id
            if seen[id, default: 0] > 1 {
                var candidate = id
                if let link = items[index].link, link != id { candidate = id + "#" + link }
                if used.contains(candidate) { candidate = id + "#" + contentHash(of: items[index]) }
                var counter = 2
                let stem = candidate
                while used.contains(candidate) {
                    candidate = stem + "#\(counter)"
                    counter += 1
                }
                items[index].id = candidate
            }
            used.insert(items[index].id)
        }
    }

    /// "urn:tributary:hash:<16 hex digits>" from title, publication date and summary (FNV-1a, stable across runs).
    static func contentHash(of item: ParsedItem) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ string: String?) {
            for byte in (string ?? "").utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
        }
        mix(item.title)
        mix((item.published ?? item.updated).map(FeedDate.rfc3339))
        mix(item.summary ?? item.content)
        let hex = String(hash, radix: 16)
        return "urn:tributary:hash:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
