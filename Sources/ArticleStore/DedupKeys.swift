import Foundation
import TributaryCore

/// The keys an incoming item is matched by, in rule order.
struct DedupKeys {
    /// "<source row id>\u{1F}<guid>".
    var sourceGUID: String
    /// Scheme-less canonical URL (feedburner:origLink preferred), if the item has a usable link.
    var canonicalURL: String?
    /// The item, for the content fingerprint, which is computed only when rules 1 and 2 did not match.
    let item: ParsedItem

    init(sourceID: Int64, item: ParsedItem) {
        sourceGUID = "\(sourceID)\u{1F}\(item.id)"
        canonicalURL = (item.originalLink ?? item.link).flatMap(CanonicalURL.key(for:))
        self.item = item
    }

    /// Hash of the normalized title and opening words of the summary, if the item has a title.
    ///
    /// Costs a pass over the summary's HTML, so callers ask only when the cheaper keys did not match.
    func fingerprint() -> String? {
        Self.fingerprint(title: item.title, summary: item.summary ?? item.content)
    }

    /// Normalized title plus the first 30 words of the summary's text, hashed; nil without a title.
    static func fingerprint(title: String?, summary: String?) -> String? {
        guard let title, let normalizedTitle = normalizedWords(title, limit: 40), normalizedTitle.count >= 12 else {
            return nil
        }
        // Thirty words sit in the first few kilobytes: don't strip the markup of a whole article for them.
        let opening = summary.map { normalizedWords(HTMLSanitizer.plainText(Self.head($0, bytes: 4096)), limit: 30) ?? "" } ?? ""
        return stableHash(normalizedTitle + "\u{1F}" + opening)
    }

    /// The first `bytes` bytes of `text` (a split character at the end becomes U+FFFD, which is not a word).
    static func head(_ text: String, bytes: Int) -> String {
        text.utf8.count <= bytes ? text : String(decoding: text.utf8.prefix(bytes), as: UTF8.self)
    }

    /// Lower-cased alphanumeric words joined by single spaces, at most `limit` of them.
    ///
    /// Lower-cases word by word (the mapping is per scalar, so this equals lower-casing the whole text)
    /// and stops after `limit` words, so a long article costs no more than its opening.
    static func normalizedWords(_ text: String, limit: Int) -> String? {
        var words: [String] = []
        var current = ""
        for character in text {
            let isWordCharacter: Bool
            if let ascii = character.asciiValue {
                // Same answer as below for ASCII, without the Unicode property lookup.
                isWordCharacter = (0x30...0x39).contains(ascii) || (0x61...0x7A).contains(ascii | 0x20)
            } else {
                isWordCharacter = character.isLetter || character.isNumber
            }
            if isWordCharacter {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current.lowercased())
                current = ""
                if words.count == limit { break }
            }
        }
        if !current.isEmpty, words.count < limit { words.append(current.lowercased()) }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// 64-bit FNV-1a as 16 hex digits: stable across runs and platforms.
    static func stableHash(_ text: String, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> String {
        var hash = seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A `urn:uuid:` id derived from the source URL and item id, stable forever.
    static func outputID(sourceURL: String, itemID: String) -> String {
        let text = sourceURL + "\u{1F}" + itemID
        let a = stableHash(text), b = stableHash(text, seed: 0x8422_2325_cbf2_9ce4)
        let hex = Array(a + b)
        func part(_ range: Range<Int>) -> String { String(hex[range]) }
        // Version 8 (custom) UUID layout: xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx.
        return "urn:uuid:\(part(0..<8))-\(part(8..<12))-8\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }
}

/// Dedup keys of every stored article, held in memory so that checking an item costs no SQL.
struct DedupIndex {
    var bySourceGUID: [String: Int64] = [:]
    var byCanonicalURL: [String: Int64] = [:]
    var byFingerprint: [String: (article: Int64, sortDate: Double)] = [:]
    /// Keys of pruned articles ("g:" + source/guid key, "u:" + canonical URL), still remembered.
    var tombstones: Set<String> = []

    /// True when a pruned article had one of these keys.
    func isTombstoned(_ keys: DedupKeys) -> Bool {
        guard !tombstones.isEmpty else { return false }
        if tombstones.contains("g:" + keys.sourceGUID) { return true }
        if let url = keys.canonicalURL, tombstones.contains("u:" + url) { return true }
        return false
    }
}
