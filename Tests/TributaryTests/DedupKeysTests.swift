@testable import ArticleStore
import Foundation
import TributaryCore
import Testing
import TributaryTestSupport

/// The store's keys must never change for the same input: output ids are what readers remember,
/// fingerprints are compared with those of articles stored by earlier versions.
@Suite struct DedupKeysTests {
    /// Expected value computed independently (Python: FNV-1a 64 with the two seeds, UUIDv8 layout).
    @Test func outputIDIsTheDocumentedHash() {
        #expect(DedupKeys.outputID(sourceURL: "https://a.example/feed", itemID: "guid-1") == "urn:uuid:c12287ea-1e8c-8c40-a9f4-823c0e0a6a63")
    }

    /// The content hash is FNV-1a of title, summary, content and updated time joined by U+001F, a missing
    /// one as U+0000, as stored by earlier versions (hashed piece by piece now).
    @Test func contentHashIsTheHashOfTheJoinedFields() {
        let updated = Date(timeIntervalSince1970: 1_767_225_600.5)
        let items = [
            ParsedItem(id: "a", title: "Café", summary: "<p>x</p>", content: "日本", updated: updated),
            ParsedItem(id: "b", title: nil, summary: "s", content: nil, updated: nil),
            ParsedItem(id: "c"),
        ]
        for item in items {
            let joined = [item.title ?? "\u{0}", item.summary ?? "\u{0}", item.content ?? "\u{0}",
                item.updated.map { String($0.timeIntervalSince1970) } ?? ""].joined(separator: "\u{1F}")
            var expected: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in joined.utf8 { expected = (expected ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            #expect(PreparedItem(sourceURL: "https://a.example/feed", item: item).contentHash == Int64(bitPattern: expected))
        }
        #expect(
            PreparedItem(sourceURL: "s", item: items[0]).contentHash != PreparedItem(sourceURL: "s", item: items[1]).contentHash)
    }

    /// Every one-scalar character of the Basic Multilingual Plane (looked up in a table) gives the
    /// reference's words, alone, inside a word and between words.
    @Test func everyBMPCharacterGivesTheReferenceWords() {
        for value in UInt32(0x80)..<0x1_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for text in ["\(scalar)", "ab\(scalar)cd ef", "ab \(scalar) cd"] {
                let words = DedupKeys.normalizedWords(text, limit: 3)
                if words != Self.referenceWords(text, limit: 3) {
                    Issue.record("U+\(String(value, radix: 16)) in \(text.debugDescription): \(words ?? "nil")")
                }
            }
        }
    }

    /// Scalars that `normalizedWords` takes as Characters of their own are: next to a letter, next to
    /// themselves, in a word of others.
    @Test func scalarsMarkedAloneAreCharactersOfTheirOwn() {
        var alone = 0
        for value in 0..<0x1_0000 where DedupKeys.BMPWords.standsAlone[value] {
            alone += 1
            let scalar = Unicode.Scalar(UInt32(value))!
            for text in ["a\(scalar)", "\(scalar)a", "\(scalar)\(scalar)", "日\(scalar)é"] {
                if text.count != text.unicodeScalars.count {
                    Issue.record("U+\(String(value, radix: 16)) joins a neighbour in \(text.debugDescription)")
                }
            }
        }
        #expect(alone > 40_000)  // most of the assigned BMP takes the fast path
    }

    /// The reference definition: walk the whole text by Character (what earlier versions did).
    static func referenceWords(_ text: String, limit: Int) -> String? {
        var words: [String] = []
        var current = ""
        for character in text {
            let isWordCharacter = character.asciiValue.map { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) }
                ?? (character.isLetter || character.isNumber)
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

    /// The byte-level walk gives exactly the reference's words, on random text mixing ASCII,
    /// accented letters (precomposed and combining), CJK, digits in other scripts, emoji with ZWJ
    /// and skin tones, regional indicators, Hangul jamo, a prepended mark, CR LF and controls.
    @Test func wordsEqualTheCharacterByCharacterDefinition() {
        var generator = SplitMix64(seed: 42)
        let pieces = [
            "a", "Z", "0", "9", " ", ".", ",", "'", "-", "\t", "\n", "\r", "\r\n", "\u{1F}", "é", "e\u{301}", ".\u{301}",
            "\u{301}", "Ö", "ß", "İ", "Σ", "日本", "٣", "\u{0600}", "\u{0600}a", "👩\u{200D}💻", "👍🏽", "🇫🇷", "\u{1100}\u{1161}",
            "\u{A0}", "—", "€", "ﬁ",
        ]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 40)
            let text = (0..<length).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            for limit in [1, 3, 30] {
                #expect(DedupKeys.normalizedWords(text, limit: limit) == Self.referenceWords(text, limit: limit), "\(text.debugDescription) limit \(limit)")
            }
        }
        #expect(DedupKeys.normalizedWords("Café AU lait, 2 Euro", limit: 3) == "café au lait")
        #expect(DedupKeys.normalizedWords(" ... ", limit: 3) == nil)
    }
}

/// The store's JSON columns are read without JSONDecoder: the fast reader must agree with it on what
/// this version writes and on what JSONEncoder (earlier versions) wrote.
@Suite struct StoredJSONTests {
    @Test func fastReaderAgreesWithJSONDecoder() throws {
        var generator = SplitMix64(seed: 9)
        let pieces = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "日本", "😀", "</script>", "&amp;"]
        func text() -> String { (0..<Int(generator.next() % 6)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for _ in 0..<300 {
            let people = (0..<Int(generator.next() % 3)).map { _ in
                Person(name: generator.next() % 2 == 0 ? text() : nil, email: generator.next() % 3 == 0 ? text() : nil, uri: generator.next() % 4 == 0 ? text() : nil)
            }
            let terms = (0..<Int(generator.next() % 4)).map { _ in text() }
            let enclosures = (0..<Int(generator.next() % 3)).map { _ in
                Enclosure(url: text(), type: generator.next() % 2 == 0 ? text() : nil, length: generator.next() % 2 == 0 ? Int(generator.next() % 1_000_000) : nil)
            }
            for written in [ArticleStore.json(people), String(decoding: try encoder.encode(people), as: UTF8.self)] {
                #expect(StoredJSON.people(written) == people, "\(written)")
            }
            for written in [ArticleStore.json(terms), String(decoding: try encoder.encode(terms), as: UTF8.self)] {
                #expect(StoredJSON.strings(written) == terms, "\(written)")
            }
            for written in [ArticleStore.json(enclosures), String(decoding: try encoder.encode(enclosures), as: UTF8.self)] {
                #expect(StoredJSON.enclosures(written) == enclosures, "\(written)")
            }
        }
        #expect(StoredJSON.strings("[\"a\",") == nil)
        #expect(StoredJSON.strings("{\"a\":1}") == nil)
    }
}
