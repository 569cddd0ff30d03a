import Foundation
import TributaryCore

/// An incoming item with everything the store derives from it: its dedup keys, output id and JSON
/// columns. Made when the `SourceRefresh` is, outside the store, so that the string work runs
/// concurrently for many sources instead of inside the store's single writer.
///
/// A class: the writer passes it around per item (keys, flood guard, insert), and each copy of it
/// as a struct retained and released every one of its two dozen strings.
final class PreparedItem: Sendable {
    let item: ParsedItem
    /// Scheme-less canonical URL (feedburner:origLink preferred), if the item has a usable link.
    let canonicalURL: String?
    /// Hash of the normalized title and opening words of the summary, if the item has a title.
    let fingerprint: String?
    /// The id the item gets in generated feeds if it becomes an article.
    let outputID: String
    /// JSON columns.
    let authors: String, categories: String, enclosures: String
    /// FNV-1a of title, summary, content and updated time: an item seen again is compared with its
    /// article in memory, without reading the row.
    let contentHash: Int64

    init(sourceURL: String, item: ParsedItem) {
        self.item = item
        canonicalURL = (item.originalLink ?? item.link).flatMap(CanonicalURL.key(for:))
        fingerprint = DedupKeys.fingerprint(title: item.title, summary: item.summary ?? item.content)
        outputID = DedupKeys.outputID(sourceURL: sourceURL, itemID: item.id)
        authors = ArticleStore.json(item.authors)
        categories = ArticleStore.json(item.categories)
        enclosures = ArticleStore.json(item.enclosures)
        // The hash of title, summary, content and updated time joined by U+001F (a missing one as U+0000),
        // taken piece by piece instead of joining a copy of the whole article first.
        var hash = FNV1a(seed: 0xcbf2_9ce4_8422_2325)
        hash.add(item.title ?? "\u{0}")
        hash.add(byte: 0x1F)
        hash.add(item.summary ?? "\u{0}")
        hash.add(byte: 0x1F)
        hash.add(item.content ?? "\u{0}")
        hash.add(byte: 0x1F)
        hash.add(item.updated.map { String($0.timeIntervalSince1970) } ?? "")
        contentHash = Int64(bitPattern: hash.value)
    }
}

/// The keys an incoming item is matched by, in rule order.
struct DedupKeys {
    /// "<source row id>\u{1F}<guid>".
    var sourceGUID: String
    /// The item and what was derived from it.
    let prepared: PreparedItem

    init(sourceID: Int64, prepared: PreparedItem) {
        sourceGUID = Self.sourceGUID(sourceID: sourceID, guid: prepared.item.id)
        self.prepared = prepared
    }

    /// The key of rule 1 (and, behind "g:", of a tombstone): "<source row id>\u{1F}<guid>".
    static func sourceGUID(sourceID: Int64, guid: String) -> String { "\(sourceID)\u{1F}\(guid)" }

    var item: ParsedItem { prepared.item }
    var canonicalURL: String? { prepared.canonicalURL }

    /// Normalized title plus the first 30 words of the summary's text, hashed; nil without a title.
    static func fingerprint(title: String?, summary: String?) -> String? {
        // At least 12 Characters (`count` would walk the whole title to count them).
        guard let title, let normalizedTitle = normalizedWords(title, limit: 40), !normalizedTitle.dropFirst(11).isEmpty
        else {
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

    /// Lower-cased alphanumeric words joined by single spaces, at most `limit` of them; nil for none.
    ///
    /// A word is a run of Characters (grapheme clusters) that are ASCII letters or digits, or whose
    /// first scalar is alphabetic or numeric (`Character.isLetter || .isNumber`). Stops after `limit`
    /// words, so a long article costs no more than its opening.
    ///
    /// Works on UTF-8 bytes: between two ASCII bytes (other than CR LF) there is always a grapheme
    /// boundary, so plain ASCII stretches are read a byte at a time and only the stretches around
    /// other characters are split into Characters. The result is exactly that of walking the whole
    /// text by Character (a property test compares them): fingerprints stored by earlier versions
    /// must keep matching.
    static func normalizedWords(_ text: String, limit: Int) -> String? {
        var text = text
        let words = text.withUTF8 { bytes -> [UInt8] in
            var state = WordCollector(limit: limit)
            let count = bytes.count
            var index = 0
            while index < count, !state.isFull {
                let byte = bytes[index]
                let next: UInt8 = index + 1 < count ? bytes[index + 1] : 0
                if byte < 0x80 && next < 0x80 && !(byte == 0x0D && next == 0x0A) {
                    state.add(asciiByte: byte)
                    index += 1
                    continue
                }
                if byte == 0x0D && next == 0x0A {  // CR LF is one Character, not a word character.
                    state.endWord()
                    index += 2
                    continue
                }
                // A stretch holding non-ASCII characters, up to and including an ASCII byte that is
                // followed by another ASCII byte (a sure boundary), walked by Character.
                var end = index + 1
                while end < count {
                    if bytes[end] < 0x80 && (end + 1 == count || bytes[end + 1] < 0x80) && bytes[end] != 0x0D {
                        end += 1
                        break
                    }
                    end += 1
                }
                let stretch = UnsafeBufferPointer(rebasing: bytes[index..<end])
                if !state.addScalarsIfEachIsACharacter(stretch) {
                    for character in String(decoding: stretch, as: UTF8.self) where !state.isFull {
                        state.add(character)
                    }
                }
                index = end
            }
            return state.output
        }
        return words.isEmpty ? nil : String(decoding: words, as: UTF8.self)
    }

    /// The word state of `normalizedWords`.
    private struct WordCollector {
        let limit: Int
        var output: [UInt8] = []
        var words = 0
        var inWord = false
        /// `limit` words are complete and a further one would start.
        var isFull = false

        init(limit: Int) {
            self.limit = limit
            output.reserveCapacity(limit * 8)
        }

        mutating func add(asciiByte byte: UInt8) {
            let lower = byte | 0x20
            if (0x30...0x39).contains(byte) || (0x61...0x7A).contains(lower) {
                if startWord() { output.append(byte >= 0x41 ? lower : byte) }
            } else {
                endWord()
            }
        }

        mutating func add(_ character: Character) {
            // Most characters are one scalar of the Basic Multilingual Plane: look them up.
            var scalars = character.unicodeScalars.makeIterator()
            if let scalar = scalars.next(), scalars.next() == nil, scalar.value < 0x1_0000 {
                if scalar.isASCII { return add(asciiByte: UInt8(truncatingIfNeeded: scalar.value)) }
                switch BMPWords.table[Int(scalar.value)] {
                case BMPWords.notInWord:
                    return endWord()
                case BMPWords.lowercasesToSeveral:
                    break  // the general case below
                case let lowercase:
                    if startWord() { UTF8.encode(Unicode.Scalar(lowercase)!) { output.append($0) } }
                    return
                }
            }
            if let ascii = character.asciiValue {
                add(asciiByte: ascii)
            } else if character.isLetter || character.isNumber {
                if startWord() { output.append(contentsOf: String(character).lowercased().utf8) }
            } else {
                endWord()
            }
        }

        /// Adds the scalars of `utf8` (valid UTF-8) one by one, when each is a Character of its own
        /// (`BMPWords.standsAlone`); returns false, having added nothing, when one may join a neighbour.
        ///
        /// Splitting most non-ASCII text into Characters was most of this function's time.
        mutating func addScalarsIfEachIsACharacter(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
            var index = 0
            while index < utf8.count {
                let (value, length) = Self.scalar(in: utf8, at: index)
                guard value < 0x1_0000, BMPWords.standsAlone[Int(value)] else { return false }
                index += length
            }
            index = 0
            while index < utf8.count, !isFull {
                let (value, length) = Self.scalar(in: utf8, at: index)
                if value < 0x80 {
                    add(asciiByte: UInt8(truncatingIfNeeded: value))
                } else {
                    switch BMPWords.table[Int(value)] {
                    case BMPWords.notInWord: endWord()
                    case BMPWords.lowercasesToSeveral: add(Character(Unicode.Scalar(value)!))
                    case let lowercase: if startWord() { UTF8.encode(Unicode.Scalar(lowercase)!) { output.append($0) } }
                    }
                }
                index += length
            }
            return true
        }

        /// The scalar value starting at `index` of valid UTF-8, and its length in bytes.
        private static func scalar(in utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
            let lead = UInt32(utf8[index])
            if lead < 0x80 { return (lead, 1) }
            if lead < 0xE0 { return ((lead & 0x1F) << 6 | UInt32(utf8[index + 1] & 0x3F), 2) }
            if lead < 0xF0 {
                return ((lead & 0x0F) << 12 | UInt32(utf8[index + 1] & 0x3F) << 6 | UInt32(utf8[index + 2] & 0x3F), 3)
            }
            return (0x1_0000, 4)  // beyond the BMP: never alone here
        }

        mutating func endWord() { inWord = false }

        /// True when the character belongs to a word that is kept.
        private mutating func startWord() -> Bool {
            if inWord { return true }
            if words == limit {
                isFull = true
                return false
            }
            if words > 0 { output.append(UInt8(ascii: " ")) }
            words += 1
            inWord = true
            return true
        }
    }

    /// How `normalizedWords` treats each one-scalar character of the Basic Multilingual Plane, computed
    /// once with the same Character properties and `lowercased()` as the general case.
    enum BMPWords {
        /// Not a letter or number: ends a word.
        static let notInWord: UInt32 = 0xFFFF_FFFF
        /// A word character whose lowercase form is not one scalar (İ becomes i + U+0307).
        static let lowercasesToSeveral: UInt32 = 0xFFFF_FFFE

        /// By scalar value: whether the scalar is always a Character of its own when its neighbours
        /// are such scalars too: no grapheme cluster rule joins it to what comes before or after.
        ///
        /// Conservative: combining and spacing marks, format and control characters, Hangul jamo and
        /// syllables, and the prepended marks are not alone, nor are ASCII controls (CR LF is one
        /// Character). A test checks every scalar marked alone against `Character` itself.
        static let standsAlone: [Bool] = (0..<0x1_0000).map { value in
            guard value >= 0x20, value != 0x7F, let scalar = Unicode.Scalar(UInt32(value)) else { return false }
            let properties = scalar.properties
            if properties.isGraphemeExtend { return false }
            switch properties.generalCategory {
            case .spacingMark, .enclosingMark, .nonspacingMark, .control, .format, .lineSeparator, .paragraphSeparator,
                .surrogate, .privateUse, .unassigned:
                return false
            default: break
            }
            switch value {
            case 0x1100...0x11FF, 0xA960...0xA97F, 0xAC00...0xD7FF: return false  // Hangul
            case 0x0600...0x0605, 0x06DD, 0x070F, 0x0890...0x0891, 0x08E2, 0x0D4E: return false  // prepended
            case 0x0E33, 0x0EB3: return false  // letters that are spacing marks to grapheme clusters
            default: return true
            }
        }

        /// By scalar value: `notInWord`, `lowercasesToSeveral`, or the scalar it lowercases to.
        static let table: [UInt32] = (0..<0x1_0000).map { value in
            guard let scalar = Unicode.Scalar(UInt32(value)) else { return notInWord }  // surrogates
            let character = Character(scalar)
            guard character.isLetter || character.isNumber else { return notInWord }
            let lowercase = String(character).lowercased().unicodeScalars
            return lowercase.count == 1 ? lowercase.first!.value : lowercasesToSeveral
        }
    }

    /// 64-bit FNV-1a as 16 hex digits: stable across runs and platforms.
    static func stableHash(_ text: String, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        appendHex(fnv1a(text, seed: seed), to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }

    static func fnv1a(_ text: String, seed: UInt64) -> UInt64 {
        var hash = FNV1a(seed: seed)
        hash.add(text)
        return hash.value
    }

    /// Sixteen lower-case hex digits, most significant first.
    static func appendHex(_ value: UInt64, to output: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8((value >> UInt64(shift)) & 0xF)
            output.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
        }
    }

    /// A `urn:uuid:` id derived from the source URL and item id, stable forever.
    static func outputID(sourceURL: String, itemID: String) -> String {
        // FNV-1a of "<source URL>\u{1F}<item id>" with two seeds.
        var first = FNV1a(seed: 0xcbf2_9ce4_8422_2325)
        var second = FNV1a(seed: 0x8422_2325_cbf2_9ce4)
        for piece in [sourceURL, "\u{1F}", itemID] {
            first.add(piece)
            second.add(piece)
        }
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        appendHex(first.value, to: &hex)
        appendHex(second.value, to: &hex)
        // Version 8 (custom) UUID layout: xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx (digits 12 and 16 replaced).
        var id = Array("urn:uuid:".utf8)
        id.reserveCapacity(45)
        id += hex[0..<8]
        id.append(UInt8(ascii: "-"))
        id += hex[8..<12]
        id += Array("-8".utf8)
        id += hex[13..<16]
        id += Array("-a".utf8)
        id += hex[17..<20]
        id.append(UInt8(ascii: "-"))
        id += hex[20..<32]
        return String(decoding: id, as: UTF8.self)
    }
}

/// 64-bit FNV-1a over the UTF-8 of one or more strings, fed in order.
struct FNV1a {
    private(set) var value: UInt64

    init(seed: UInt64) { value = seed }

    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes { add(byte: byte) }
        }
    }
}

/// Dedup keys of every stored article, held in memory so that checking an item costs no SQL.
struct DedupIndex {
    /// An item key's article, and whether the key is the article's own (it created the article, or
    /// is its preferred original publisher's) rather than a merged copy's.
    struct GUIDEntry {
        var article: Int64
        var isOwn: Bool
    }

    var bySourceGUID: [String: GUIDEntry] = [:]
    /// Hash of each article's title, summary, content and updated time (`PreparedItem.contentHash`);
    /// missing for articles stored before version 5 until they are next compared.
    var contentHash: [Int64: Int64] = [:]
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
