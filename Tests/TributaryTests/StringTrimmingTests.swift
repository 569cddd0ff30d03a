import Testing

@testable import TributaryCore

/// The trimming helpers and their ASCII fast paths, and `String(validUTF8:)`.
@Suite struct StringTrimmingTests {
    @Test(arguments: [
        ("abc", "abc"), (" abc", "abc"), ("abc ", "abc"), ("\tabc\t", "abc"), ("a b", "a b"), ("\u{A0}abc\u{A0}", "abc"),
        ("abc\u{3000}", "abc"), ("\u{2003}é", "é"), ("é", "é"), ("   ", ""), ("", ""), ("a\n", "a\n"), ("\na", "\na"),
    ])
    func trimmingSpacesKeepsLineBreaks(input: String, expected: String) {
        #expect(input.trimmingSpaces == expected)
    }

    @Test(arguments: [
        ("abc", "abc"), (" abc\n", "abc"), ("\u{A0}abc\u{3000}", "abc"), ("\n\t", ""), ("é", "é"), ("a b", "a b"),
    ])
    func trimmingWhitespaceTrimsLineBreaksToo(input: String, expected: String) {
        #expect(input.trimmingWhitespace == expected)
    }

    /// `lowercasedIfNeeded` is `lowercased()`, whether it takes the shortcut (nothing to lower) or not.
    @Test func lowercasedIfNeededIsLowercased() {
        let samples = ["", "html", "HTML", "text/Html", "false", "FALSE", "@[`{", "Ärger", "été", "ÉTÉ", "İ", "ß",
            "a much longer lowercase string than fifteen bytes", "A Much Longer Mixed-Case String Than Fifteen Bytes"]
        for text in samples {
            #expect(text.lowercasedIfNeeded == text.lowercased(), "\(text)")
        }
    }

    /// Strings made without validation compare and hash like validated ones, ASCII or not.
    @Test func validUTF8StringsEqualDecodedOnes() {
        for text in ["", "item", "a much longer ASCII string than fifteen bytes", "Café", "日本語のテキスト", "😀 emoji"] {
            let bytes = Array(text.utf8)
            let made = bytes.withUnsafeBufferPointer { String(validUTF8: $0) }
            #expect(made == text)
            #expect(made.hashValue == text.hashValue)
            #expect(Set([made, text]).count == 1)
            #expect(made.utf8.count == bytes.count)
        }
    }
}
