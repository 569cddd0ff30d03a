import Testing

@testable import TributaryCore

@Suite struct HTMLEntitiesTests {
    @Test func tableHoldsEveryHTML5Name() {
        #expect(HTMLEntities.table.values.count == 2125)
        #expect(HTMLEntities.table.legacyNames.count == 106)
        #expect(HTMLEntities.table.maxNameLength == 31)  // CounterClockwiseContourIntegral
    }

    @Test(arguments: [
        ("nbsp", "\u{A0}"), ("amp", "&"), ("lt", "<"), ("AMP", "&"), ("eacute", "é"), ("Eacute", "É"),
        ("hellip", "…"), ("mdash", "—"), ("rsquo", "’"), ("euro", "€"), ("Tab", "\t"), ("NewLine", "\n"),
        ("NotEqualTilde", "\u{2242}\u{338}"), ("fjlig", "fj"), ("CounterClockwiseContourIntegral", "\u{2233}"),
        ("copy;", "©"), ("Afr", "\u{1D504}"),
    ])
    func characterNamed(name: String, expected: String) {
        #expect(HTMLEntities.character(named: name) == expected)
    }

    @Test(arguments: ["bogus", "", "Amp", "NBSP", "amp;;", "#38"])
    func unknownNamesAreNil(name: String) {
        #expect(HTMLEntities.character(named: name) == nil)
    }

    @Test(arguments: [
        // named
        ("a &amp; b", "a & b"), ("&lt;p&gt;", "<p>"), ("&quot;q&quot;", "\"q\""), ("caf&eacute;", "café"),
        ("&AMP;&COPY;", "&©"), ("&NotEqualTilde;", "\u{2242}\u{338}"), ("&apos;", "'"),
        // legacy forms without a semicolon, longest match first
        ("&amp", "&"), ("&nbsp;x&nbspy", "\u{A0}x\u{A0}y"), ("&lt&gt", "<>"), ("&copy2024", "©2024"),
        ("&notit;", "¬it;"), ("&notin;", "∉"), ("&ampx", "&x"), ("&frac12;", "½"), ("&frac12x", "½x"),
        // unknown or incomplete references stay as written
        ("&unknown;", "&unknown;"), ("&", "&"), ("a & b", "a & b"), ("&;", "&;"), ("&#;", "&#;"), ("&#x;", "&#x;"),
        ("&#xg;", "&#xg;"), ("AT&T", "AT&T"), ("&Amp;", "&Amp;"),
        // numeric
        ("&#65;&#x42;&#X43;", "ABC"), ("&#65&#66", "AB"), ("&#x41x", "Ax"), ("&#0000065;", "A"),
        ("&#x1F600;", "😀"), ("&#128512;", "😀"), ("&#9;", "\t"),
        // invalid code points become U+FFFD
        ("&#0;", "\u{FFFD}"), ("&#xD800;", "\u{FFFD}"), ("&#xDFFF;", "\u{FFFD}"), ("&#x110000;", "\u{FFFD}"),
        ("&#99999999999999999999999;", "\u{FFFD}"), ("&#xFFFFFFFFFFFFFFFFFF;", "\u{FFFD}"),
        // 0x80-0x9F through windows-1252
        ("&#x80;", "€"), ("&#150;", "–"), ("&#151;", "—"), ("&#x92;", "’"), ("&#x9F;", "Ÿ"), ("&#x81;", "\u{81}"),
        ("&#x8D;", "\u{8D}"), ("&#xA0;", "\u{A0}"),
        // plain text is untouched
        ("", ""), ("no references", "no references"), ("ünïcödé 😀", "ünïcödé 😀"),
    ])
    func decode(input: String, expected: String) {
        #expect(HTMLEntities.decode(input) == expected)
    }

    @Test func decodeInAttributesKeepsLegacyNamesBeforeEqualsOrAlphanumerics() {
        var tokenizer = HTMLTokenizer(#"<a href="?a=1&copy=2&amp;b=3&notx=4&lt;">"#)
        guard case .startTag(let tag) = tokenizer.next() else {
            Issue.record("expected a start tag")
            return
        }
        #expect(tokenizer.value(of: tag.attributes[0]) == "?a=1&copy=2&b=3&notx=4<")
        #expect(HTMLEntities.decode("?a=1&copy=2") == "?a=1©=2")  // text rules differ, as in browsers
    }

    @Test(arguments: [
        ("<a href=\"x\">Tom & Jerry</a>", "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/a&gt;"),
        ("it's", "it's"), ("", ""), ("plain", "plain"), ("&amp;", "&amp;amp;"), ("😀<", "😀&lt;"),
    ])
    func escape(input: String, expected: String) {
        #expect(HTMLEntities.escape(input) == expected)
    }

    @Test func escapeThenDecodeRoundTrips() {
        let text = "a<b>&c\"d'e &amp; &#38; ünï 😀"
        #expect(HTMLEntities.decode(HTMLEntities.escape(text)) == text)
    }

    @Test func decodeHandlesLongAndHostileInput() {
        let long = String(repeating: "&", count: 10_000) + String(repeating: "a", count: 10_000) + "&#"
        #expect(HTMLEntities.decode(long) == long)
        let references = String(repeating: "&amp;&#x41;&nbsp", count: 1_000)
        #expect(HTMLEntities.decode(references) == String(repeating: "&A\u{A0}", count: 1_000))
    }
}
