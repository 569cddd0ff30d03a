import FeedParse
import Foundation
import Glibc
import Testing
@testable import XMLSupport

/// Documents in other encodings than UTF-8 are transcoded before libxml2 reads them, and an encoding
/// chosen over the declaration holds for the whole document, not only for libxml2's first chunk.
@Suite struct XMLInputEncodingTests {
    /// An RSS document of `count` items titled "<word> <n>", encoded by `encode`, larger than the 64 KiB
    /// libxml2 reads at a time when `count` is in the thousands.
    static func rss(declaring declared: String, items count: Int, word: String, encode: (String) -> [UInt8]) -> [UInt8] {
        let items = (0..<count).map { "<item><title>\(word) \($0)</title><guid>g\($0)</guid></item>" }.joined()
        return encode(
            "<?xml version=\"1.0\" encoding=\"\(declared)\"?><rss version=\"2.0\"><channel><title>\(word)</title>\(items)</channel></rss>")
    }

    /// windows-1251 for ASCII and the letters А–я (0xC0–0xFF), which is all these tests write.
    static func windows1251(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { scalar in
            scalar.value < 0x80 ? UInt8(scalar.value) : UInt8(0xC0 + scalar.value - 0x410)
        }
    }

    /// ISO-8859-1 for text below U+0100.
    static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8($0.value) }
    }

    @Test func utf8DeclaredLatin1ReadsAsUTF8ToTheEnd() throws {
        let bytes = Self.rss(declaring: "ISO-8859-1", items: 3000, word: "Café", encode: { Array($0.utf8) })
        #expect(bytes.count > 2 * 65536)
        let feed = try FeedParser().parse(bytes)
        #expect(feed.items.count == 3000)
        #expect(feed.items.last?.title == "Café 2999")
        #expect(feed.warnings == ["document declares ISO-8859-1 but is UTF-8; read as UTF-8"])
    }

    @Test func windows1251DeclaredIsReadToTheEnd() throws {
        let bytes = Self.rss(declaring: "windows-1251", items: 3000, word: "Новости", encode: Self.windows1251)
        let feed = try FeedParser().parse(bytes)
        #expect(feed.metadata.title == "Новости")
        #expect(feed.items.count == 3000)
        #expect(feed.items.last?.title == "Новости 2999")
        #expect(feed.warnings.isEmpty)
    }

    /// The HTTP charset wins over the declaration, for the whole document.
    @Test func httpCharsetWinsOverTheDeclarationToTheEnd() throws {
        let bytes = Self.rss(declaring: "ISO-8859-1", items: 3000, word: "Погода", encode: Self.windows1251)
        let feed = try FeedParser().parse(bytes, httpCharset: "windows-1251")
        #expect(feed.items.last?.title == "Погода 2999")
        let latin1 = Self.rss(declaring: "UTF-8", items: 3000, word: "Zürich", encode: Self.latin1)
        #expect(try FeedParser().parse(latin1, httpCharset: "iso-8859-1").items.last?.title == "Zürich 2999")
    }

    @Test func transcodingFailsCleanlyOnUnknownEncodingsAndInvalidBytes() {
        #expect(XMLInput.transcodedToUTF8(Array("abc".utf8), from: "NO-SUCH-ENCODING") == nil)
        #expect(XMLInput.transcodedToUTF8([0x41, 0xFF, 0xFF, 0x41], from: "SHIFT_JIS") == nil)
        // Cyrillic doubles in UTF-8: the output outgrows its first buffer.
        let text = String(repeating: "Москва ", count: 5000)
        #expect(XMLInput.transcodedToUTF8(Self.windows1251(text), from: "WINDOWS-1251") == Array(text.utf8))
        // Every windows-1252 byte, unused ones (0x81, 0x8D, 0x8F, 0x90, 0x9D) kept as the C1 controls.
        let all = [UInt8](0x20...0xFF)
        let decoded = String(decoding: XMLInput.windows1252ToUTF8(all), as: UTF8.self)
        // ASCII runs of every length between other bytes (copied by words) give what byte-by-byte conversion gives.
        let mixed: [UInt8] = (0..<5_000).map { (index: Int) -> UInt8 in
            index % 13 < index % 9 ? UInt8(0x41 + index % 26) : UInt8(0x80 + index % 128)
        }
        #expect(XMLInput.windows1252ToUTF8(mixed) == mixed.flatMap { XMLInput.windows1252ToUTF8([$0]) })
        #expect(decoded.unicodeScalars.count == all.count)
        #expect(decoded.contains("€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8D}Ž\u{8F}\u{90}‘’“”•–—˜™š›œ\u{9D}žŸ\u{A0}¡"))
        #expect(decoded.hasSuffix("ÿ"))
    }

    /// The validator agrees with the standard library's on every 2-byte sequence, on leads and second
    /// bytes of 3- and 4-byte ones, and wherever the sequence sits relative to its 32- and 8-byte ASCII
    /// steps (a bad byte in the last word of a chunk, or in the tail after the last whole word).
    @Test func utf8ValidationAgreesWithTheStandardLibrary() {
        func agrees(_ bytes: [UInt8]) -> Bool {
            XMLInput.isValidUTF8(bytes) == (String(validating: bytes, as: UTF8.self) != nil)
        }
        var sequences: [[UInt8]] = []
        for lead in UInt8(0x80)...0xFF {
            for second in UInt8.min...UInt8.max { sequences.append([lead, second]) }
        }
        for lead in UInt8(0xE0)...0xFF {
            for second in UInt8(0x70)...0xC5 {
                sequences.append([lead, second, 0x80])
                sequences.append([lead, second, 0x41])
                sequences.append([lead, second, 0x80, 0xBF])
                sequences.append([lead, second, 0xBF, 0xC0])
            }
        }
        var disagreements = sequences.filter { !agrees($0) }
        let samples: [[UInt8]] = [
            Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xFF],
            [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80],
        ]
        for sample in samples {
            for prefix in 0...40 {
                for suffix in [0, 1, 7, 8, 9, 31, 33] {
                    let bytes = [UInt8](repeating: 0x61, count: prefix) + sample + [UInt8](repeating: 0x62, count: suffix)
                    if !agrees(bytes) { disagreements.append(bytes) }
                }
            }
        }
        #expect(disagreements.isEmpty, "first disagreements: \(disagreements.prefix(3))")
        #expect(XMLInput.isValidUTF8(Array(String(repeating: "a😀bé", count: 100).utf8)))
        #expect(XMLInput.isValidUTF8([]))
    }

    /// Large documents in a single-byte encoding are transcoded by a table asked of iconv byte by byte:
    /// it gives iconv's own output, refuses the bytes iconv refuses, and is never built for encodings
    /// with multi-byte characters or shift states.
    @Test func singleByteTablesGiveWhatIconvGives() throws {
        for encoding in ["WINDOWS-1251", "ISO-8859-5", "KOI8-R", "ISO-8859-15", "WINDOWS-1253", "CP437"] {
            let converter = iconv_open("UTF-8", encoding)
            defer { iconv_close(converter) }
            let table = try #require(XMLInput.singleByteTable(converter), "\(encoding)")
            for byte in UInt8.min...UInt8.max {
                // Below 4 KiB the document goes through iconv itself.
                let byIconv = XMLInput.transcodedToUTF8([0x41, byte, 0x42], from: encoding)
                #expect(XMLInput.transcoded([0x41, byte, 0x42], by: table) == byIconv, "\(encoding) byte \(byte)")
            }
            // A large document (the table's path) against iconv over pieces small enough for iconv's path.
            // (ASCII runs of every length up to ten between other bytes: the table's path copies ASCII by words.)
            let large: [UInt8] = (0..<20_000).map { (index: Int) -> UInt8 in
                index % 17 < index % 11 ? UInt8(0x61 + index % 26) : UInt8(0xC0 + index % 64)
            }
            let pieces = stride(from: 0, to: large.count, by: 2_000).map {
                XMLInput.transcodedToUTF8(Array(large[$0..<$0 + 2_000]), from: encoding)
            }
            let expected = pieces.contains(nil) ? nil : pieces.compactMap { $0 }.flatMap { $0 }
            #expect(XMLInput.transcodedToUTF8(large, from: encoding) == expected)
        }
        for encoding in ["SHIFT_JIS", "EUC-KR", "GB18030", "UTF-7", "ISO-2022-JP", "UTF-16LE"] {
            let converter = iconv_open("UTF-8", encoding)
            defer { iconv_close(converter) }
            #expect(XMLInput.singleByteTable(converter) == nil, "\(encoding)")
        }
        // ISO-8859-3 leaves 0xA5 undefined: a large document holding it is refused, as iconv refuses it.
        let undefined = [UInt8](repeating: 0x41, count: 5000) + [0xA5]
        #expect(XMLInput.transcodedToUTF8(undefined, from: "ISO-8859-3") == nil)
    }
}
