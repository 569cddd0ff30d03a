import Testing
import TributaryTestSupport

@testable import XMLSupport

/// `XMLWriter.legal` drops exactly the characters XML 1.0 forbids; its eight-bytes-at-a-time
/// pre-check must never let one through.
@Suite struct XMLWriterTests {
    static func reference(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { scalar in
            let value = scalar.value
            return !((value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0xFFFE || value == 0xFFFF)
        }))
    }

    @Test func legalDropsExactlyTheForbiddenCharacters() {
        var generator = SplitMix64(seed: 11)
        let pieces = ["a", "Zz", " ", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "日本", "\u{FFFD}", "\u{FEFF}",
                      "\u{FFFE}", "\u{FFFF}", "\u{F000}", "😀", "<&>", "01234567"]
        for _ in 0..<3000 {
            let text = (0..<Int(generator.next() % 30)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            #expect(XMLWriter.legal(text) == Self.reference(text), "\(text.debugDescription)")
        }
        // A forbidden character in every position of a word-sized stretch is found.
        for position in 0..<20 {
            var characters = Array(repeating: Character("x"), count: 20)
            characters[position] = "\u{2}"
            #expect(XMLWriter.legal(String(characters)) == String(repeating: "x", count: 19))
        }
    }
}
