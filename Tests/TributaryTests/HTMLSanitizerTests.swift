import Testing

@testable import TributaryCore

@Suite struct HTMLSanitizerTests {
    static func resolve(_ url: String) -> String? { HTMLSanitizerXSSTests.resolve(url) }

    @Test(arguments: [
        // kept as written
        ("<p>Hello <b>world</b> &amp; <i>you</i></p>", "<p>Hello <b>world</b> &amp; <i>you</i></p>"),
        ("<h2 lang=\"en\" dir=\"ltr\">T</h2><hr/><br>", "<h2 lang=\"en\" dir=\"ltr\">T</h2><hr/><br/>"),
        (
            "<pre><code>let x = a &lt; b\n  &amp;&amp; c</code></pre>",
            "<pre><code>let x = a &lt; b\n  &amp;&amp; c</code></pre>"
        ),
        ("<blockquote cite=\"/src\">q</blockquote>", "<blockquote cite=\"https://example.com/src\">q</blockquote>"),
        (
            "<abbr title=\"HyperText\">HTML</abbr> <time datetime=\"2024-01-02\">Jan</time>",
            "<abbr title=\"HyperText\">HTML</abbr> <time datetime=\"2024-01-02\">Jan</time>"
        ),
        (
            "<table><thead><tr><th colspan=2>h</th></tr></thead><tbody><tr><td rowspan=\"1\">c</td></tr></tbody></table>",
            "<table><thead><tr><th colspan=\"2\">h</th></tr></thead><tbody><tr><td rowspan=\"1\">c</td></tr></tbody></table>"
        ),
        (
            "<dl><dt>t</dt><dd>d</dd></dl><details open><summary>s</summary>x</details>",
            "<dl><dt>t</dt><dd>d</dd></dl><details open=\"\"><summary>s</summary>x</details>"
        ),
        (
            "<figure><img src=\"a.png\" alt=\"A\" width=\"10\" height=\"20\" loading=\"lazy\"><figcaption>c</figcaption></figure>",
            "<figure><img src=\"https://example.com/base/a.png\" alt=\"A\" width=\"10\" height=\"20\" loading=\"lazy\"/><figcaption>c</figcaption></figure>"
        ),
        (
            "<video controls poster=\"p.jpg\"><source src=\"v.mp4\" type=\"video/mp4\"><track src=\"s.vtt\" kind=\"captions\"></video>",
            "<video controls=\"\" poster=\"https://example.com/base/p.jpg\"><source src=\"https://example.com/base/v.mp4\" type=\"video/mp4\"/><track src=\"https://example.com/base/s.vtt\" kind=\"captions\"/></video>"
        ),
        (
            "<a href=\"/x\" title=\"T\" rel=\"nofollow\" target=\"_blank\" class=\"c\" id=\"i\">x</a>",
            "<a href=\"https://example.com/x\" title=\"T\" rel=\"nofollow\">x</a>"
        ),
        (
            "<a href=\"mailto:me@example.com\">m</a><a href=\"//cdn.example/x\">c</a>",
            "<a href=\"mailto:me@example.com\">m</a><a href=\"https://cdn.example/x\">c</a>"
        ),
        ("<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "<img src=\"data:image/png;base64,iVBORw0KGgo=\"/>"),
        (
            "<img srcset=\"a.png 1x, /b.png 2x,c.png\" sizes=\"50vw\">",
            "<img srcset=\"https://example.com/base/a.png 1x, https://example.com/b.png 2x, https://example.com/base/c.png\" sizes=\"50vw\"/>"
        ),
        (
            "<img srcset=\"https://img.example/w_400,c_fill/a.jpg 2x\">",
            "<img srcset=\"https://img.example/w_400,c_fill/a.jpg 2x\"/>"
        ),
        // text and attribute values are decoded, then re-escaped
        ("a > b & c \"q\" &eacute; &nbsp;&#x27;", "a &gt; b &amp; c &quot;q&quot; é \u{A0}'"),
        ("<a title='say \"hi\" &amp; <bye>'>x</a>", "<a title=\"say &quot;hi&quot; &amp; &lt;bye&gt;\">x</a>"),
        ("<a href=\"/s?a=1&amp;b=2&copy=3\">x</a>", "<a href=\"https://example.com/s?a=1&amp;b=2&amp;copy=3\">x</a>"),
        ("<![CDATA[<b>]]>", "&lt;b&gt;"),
        // removed elements: with content, or keeping their text
        ("a<script>x</script><style>y</style><svg><g>z</g></svg><math>m</math>b", "ab"),
        ("<form action=\"/f\">in<input name=q>side<button>Go</button></form>", "insideGo"),
        ("<iframe src=\"/x\">fallback</iframe><object>o</object>t", "t"),
        ("<svg/><p>after</p>", "<p>after</p>"),
        ("<svg><svg></svg>still hidden</svg>shown", "shown"),
        ("<font color=red>red</font><center>c</center><span class=x>s</span>", "redc<span>s</span>"),
        ("<html><head><title>T</title><meta charset=utf-8></head><body><p>B</p></body></html>", "<p>B</p>"),
        ("<!-- comment --><!DOCTYPE html>x<?php echo ?>", "x"),
        ("<img alt=\"no source\"><img src=\"javascript:x\" alt=\"bad\">", ""),
        ("<video><source src=\"javascript:x\"><track kind=\"captions\"></video>", "<video></video>"),
        // balancing: unclosed tags closed, stray end tags dropped, implied end tags applied
        ("<p><b>bold", "<p><b>bold</b></p>"),
        ("</div>text</b></p>", "text"),
        ("<b><i>x</b>y</i>", "<b><i>x</i></b>y"),
        ("<p>a<p>b", "<p>a</p><p>b</p>"),
        ("<p>a<div>b</div>", "<p>a</p><div>b</div>"),
        ("<p>a<ul><li>b</ul>", "<p>a</p><ul><li>b</li></ul>"),
        ("<ul><li>a<li>b<ul><li>c</ul><li>d</ul>", "<ul><li>a</li><li>b<ul><li>c</li></ul></li><li>d</li></ul>"),
        ("<dl><dt>a<dd>b<dt>c</dl>", "<dl><dt>a</dt><dd>b</dd><dt>c</dt></dl>"),
        (
            "<table><tr><td>a<td>b<tr><td>c</table>",
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
        ),
        ("<table><tr><td><b>x</td></tr></table>", "<table><tr><td><b>x</b></td></tr></table>"),
        ("<b><table><tr><td>x</b>y</td></tr></table></b>", "<b><table><tr><td>xy</td></tr></table></b>"),
        (
            "<a href=\"/1\">one<a href=\"/2\">two</a>",
            "<a href=\"https://example.com/1\">one</a><a href=\"https://example.com/2\">two</a>"
        ),
        ("<h1>a<h2>b</h2>", "<h1>a</h1><h2>b</h2>"),
        ("<br></br><img src=\"/i\"></img>", "<br/><img src=\"https://example.com/i\"/>"),
        ("<div/>x", "<div>x</div>"),
        // duplicate attributes keep the first, as browsers do
        ("<a href=\"/a\" HREF=\"/b\" title=1 title=2>x</a>", "<a href=\"https://example.com/a\" title=\"1\">x</a>"),
        // characters illegal in XML 1.0 are dropped, others kept
        ("a\u{1}b\u{B}c\u{FFFE}d\u{FFFF}e\u{0}f\tg\nh\r\u{7F}\u{85}😀", "abcdef\tg\nh\r\u{7F}\u{85}😀"),
        ("&#1;&#x0B;&#xFFFE;&#xFFFF;&#x1F600;&#0;", "😀\u{FFFD}"),
        ("<a title=\"x&#1;y\u{1}z\">t</a>", "<a title=\"xyz\">t</a>"),
    ])
    func sanitize(html: String, expected: String) {
        let output = HTMLSanitizer.sanitize(html, resolve: Self.resolve)
        #expect(output == expected)
        #expect(SanitizedHTMLChecker.problems(in: output).isEmpty)
    }

    @Test func unchangedInputIsReturnedAsIs() {
        for text in ["", "Plain text, with punctuation: yes!", "ünïcödé 😀 'quotes'"] {
            #expect(HTMLSanitizer.sanitize(text) == text)
        }
    }

    @Test func resolveIsCalledWithEachRawURLAndMayDropIt() {
        var seen: [String] = []
        let html = "<a href=\" /a&amp;b \">x</a><img src=\"/drop\" alt=a><img srcset=\"/k 1x, /drop 2x\">"
        let output = HTMLSanitizer.sanitize(html) { url in
            seen.append(url)
            return url == "/drop" ? nil : "https://h" + url
        }
        #expect(seen == ["/a&b", "/drop", "/k", "/drop"])
        #expect(output == "<a href=\"https://h/a&amp;b\">x</a><img srcset=\"https://h/k 1x\"/>")
    }

    /// Text is scanned eight bytes at a time: each character the escaper acts on is found at every offset
    /// of a word, and at the partial word at the end.
    @Test func escapingFindsEveryCharacterAtEveryOffset() {
        let cases: [(character: String, escaped: String)] = [
            ("& ", "&amp; "), ("< ", "&lt; "), (">", "&gt;"), ("\"", "&quot;"), ("\u{1}", ""), ("\u{1F}", ""),
            ("\u{FFFF}", ""), ("\u{FFFE}", ""), ("\t", "\t"), ("\n", "\n"), ("\u{F000}", "\u{F000}"), ("?", "?"),
        ]
        for (character, escaped) in cases {
            for offset in 0..<20 {
                let before = String(repeating: "a", count: offset)
                let after = String(repeating: "b", count: 19 - offset)
                let output = HTMLSanitizer.sanitize("<p>" + before + character + after + "</p>")
                #expect(output == "<p>" + before + escaped + after + "</p>", "\(character.debugDescription) at \(offset)")
            }
        }
    }

    @Test func sanitizingBytesMatchesSanitizingTheString() {
        let html = "<p>caf&eacute; <a href=\"/x\">link</a> \u{1}text</p><script>x</script>"
        var bytes = Array(html.utf8)
        let fromBytes = bytes.withUnsafeMutableBufferPointer {
            HTMLSanitizer.sanitize(utf8: UnsafeBufferPointer($0), resolve: Self.resolve)
        }
        #expect(fromBytes == HTMLSanitizer.sanitize(html, resolve: Self.resolve))
        #expect(fromBytes == "<p>café <a href=\"https://example.com/x\">link</a> text</p>")
        bytes = Array("plain".utf8)
        #expect(bytes.withUnsafeBufferPointer { HTMLSanitizer.sanitize(utf8: $0) } == "plain")
    }

    /// Absolute web URLs with nothing to decode or strip take a shorter path; resolve still sees each.
    @Test func absoluteURLsStillGoThroughResolve() {
        var seen: [String] = []
        let html = "<a href=\"https://a.example/x?y=1\">1</a><a href=\"http://a.example/drop\">2</a>"
            + "<a href=\"https://a.example/a&amp;b\">3</a><img src=\" https://a.example/i.png\" alt=\"\">"
        let output = HTMLSanitizer.sanitize(html) { url in
            seen.append(url)
            return url.hasSuffix("drop") ? nil : url.replacingOccurrences(of: "a.example", with: "b.example")
        }
        #expect(seen == ["https://a.example/x?y=1", "http://a.example/drop", "https://a.example/a&b", "https://a.example/i.png"])
        #expect(
            output
                == "<a href=\"https://b.example/x?y=1\">1</a><a>2</a><a href=\"https://b.example/a&amp;b\">3</a>"
                + "<img src=\"https://b.example/i.png\" alt=\"\"/>")
        // A resolver that answers with a script URL is checked again.
        #expect(HTMLSanitizer.sanitize("<a href=\"https://a.example/\">x</a>") { _ in "javascript:alert(1)" } == "<a>x</a>")
    }

    /// `sanitize(utf8:base:)` copies printable absolute web URLs as they stand, and gives what resolving
    /// every URL against the base gives, for URLs on both sides of that line.
    @Test func sanitizingAgainstABaseEqualsResolvingEveryURL() {
        let urls = [
            "https://a.example/x?y=1", "http://a.example/p\"q<r>", "HTTPS://a.example/upper", "https://a.example/a&amp;b",
            " https://a.example/space", "https://a.example/nbsp\u{A0}", "https://a.example/\u{7F}", "https://a.example/é",
            "../relative/x", "/root", "//cdn.example/i.png", "javascript:alert(1)", "https://a.example/tab\tx",
            "http:/one-slash", "https://", "data:image/png;base64,AAAA", "mailto:x@example.com",
        ]
        for base in ["https://feed.example/dir/page", nil] {
            for url in urls {
                for html in ["<a href=\"\(url)\">x</a>", "<img src=\"\(url)\" alt=\"a\" srcset=\"\(url) 2x\">"] {
                    var bytes = Array(html.utf8)
                    let withBase = bytes.withUnsafeMutableBufferPointer {
                        HTMLSanitizer.sanitize(utf8: UnsafeBufferPointer($0), base: base)
                    }
                    #expect(withBase == HTMLSanitizer.sanitize(html) { URLReference.resolve($0, against: base) }, "\(html)")
                }
            }
        }
    }

    @Test func defaultResolverKeepsRelativeURLs() {
        #expect(HTMLSanitizer.sanitize("<a href=\"../x?y#z\">x</a>") == "<a href=\"../x?y#z\">x</a>")
    }

    @Test func nestingIsCapped() {
        let depth = 1_000
        let html = String(repeating: "<div>", count: depth) + "x" + String(repeating: "</div>", count: depth)
        let output = HTMLSanitizer.sanitize(html)
        let kept = String(repeating: "<div>", count: HTMLSanitizer.maxDepth)
        #expect(output == kept + "x" + String(repeating: "</div>", count: HTMLSanitizer.maxDepth))
    }

    @Test func hostileInputsSanitizeInLinearTime() {
        let size = 100_000
        let inputs = [
            String(repeating: "<p>", count: size), String(repeating: "</b>", count: size),
            "<p><table><td>" + String(repeating: "<b>", count: 100) + String(repeating: "<div>", count: size),
            String(repeating: "<li><dd><td><tr><a>", count: size / 5), String(repeating: "<svg>", count: size),
            String(repeating: "<a href=\"&#106;&#x61;vascript:\" title=&amp;&amp;>", count: size / 10),
            String(repeating: "&amp;&lt;\u{1}", count: size),
        ]
        let clock = ContinuousClock()
        for input in inputs {
            let elapsed = clock.measure { _ = HTMLSanitizer.sanitize(input) }
            #expect(elapsed < .seconds(5), "\(input.prefix(20))...")
        }
    }

    // MARK: - plainText

    @Test(arguments: [
        ("  Hello   <b>World</b>\n ", "Hello World"),
        ("Tom &amp; Jerry&nbsp;&nbsp;Show", "Tom & Jerry Show"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("x<br>y<br/>z", "x y z"),
        ("a<b>c</b>d", "acd"),
        ("<script>var x;</script>Title<style>p{}</style>", "Title"),
        ("a < b &gt; c", "a < b > c"),
        ("&lt;b&gt;not bold&lt;/b&gt;", "<b>not bold</b>"),
        ("<![CDATA[cdata & more]]>", "cdata & more"),
        ("<!-- hidden -->shown", "shown"),
        ("caf&eacute; &#x1F600;\u{1}\u{FFFE}", "café 😀"),
        ("\u{2028}line\u{2029}sep\u{A0}", "line sep"),
        ("", ""),
        ("<p>   </p>", ""),
        // Without '<' or '&' (the shortcut): white space still collapses, controls still go.
        ("  Plain\t\ttitle \n", "Plain title"),
        ("\u{2028}plain\u{A0}\u{A0}text\u{1}\u{FFFF} ", "plain text"),
    ])
    func plainText(html: String, expected: String) {
        #expect(HTMLSanitizer.plainText(html) == expected)
    }

    // MARK: - resolvingURLs

    @Test(arguments: [
        ("<p class=\"x\">no urls here</p>", "<p class=\"x\">no urls here</p>"),
        ("<a  href=\"/x\"  class='keep'>y</a >", "<a  href=\"https://example.com/x\"  class='keep'>y</a >"),
        ("<A HREF='/x'>", "<A HREF=\"https://example.com/x\">"),
        ("<img src=a.png alt=x>", "<img src=\"https://example.com/base/a.png\" alt=x>"),
        (
            "<table background=\"bg.png\"><img longdesc=\"d.html\">",
            "<table background=\"https://example.com/base/bg.png\"><img longdesc=\"https://example.com/base/d.html\">"
        ),
        (
            "<img srcset=\"a.png 1x, b.png 2x\">",
            "<img srcset=\"https://example.com/base/a.png 1x, https://example.com/base/b.png 2x\">"
        ),
        ("<a href=\"https://abs.example/\">", "<a href=\"https://abs.example/\">"),
        ("<a href=\"/s?a=1&amp;b=2\">", "<a href=\"https://example.com/s?a=1&amp;b=2\">"),
        ("<img src=\"data:image/png;base64,AAAA\">", "<img src=\"data:image/png;base64,AAAA\">"),
        (
            "<!-- <a href=\"/x\"> --><script>a.href=\"/y\"</script>",
            "<!-- <a href=\"/x\"> --><script>a.href=\"/y\"</script>"
        ),
        ("<a data-src=\"/x\" onclick=\"x\">&nbsp;</a>", "<a data-src=\"/x\" onclick=\"x\">&nbsp;</a>"),
    ])
    func resolvingURLs(html: String, expected: String) {
        #expect(HTMLSanitizer.resolvingURLs(in: html, resolve: Self.resolve) == expected)
    }

    @Test func resolvingURLsRemovesAttributesTheResolverDrops() {
        let output = HTMLSanitizer.resolvingURLs(
            in: "<a title=t href=\"/drop\" rel=x>x</a><img srcset=\"/drop 1x, /k 2x\">"
        ) {
            $0 == "/drop" ? nil : "https://h" + $0
        }
        #expect(output == "<a title=t rel=x>x</a><img srcset=\"https://h/k 2x\">")
    }

    @Test func resolvingURLsFastPathSkipsTheResolver() {
        var calls = 0
        let html = "<p>Plain <b>markup</b> with a = sign</p>"
        let output = HTMLSanitizer.resolvingURLs(in: html) {
            calls += 1; return $0
        }
        #expect(output == html)
        #expect(calls == 0)
        #expect(!HTMLSanitizer.mayContainURLAttribute(html))
        #expect(HTMLSanitizer.mayContainURLAttribute("<a HREF \n= x>"))
    }

    /// The word-at-a-time escaper against a byte-by-byte one, for text of every length up to 40 with a
    /// special byte (or a pair) at every position, inside a larger buffer so that the last word reaches
    /// back over bytes before the range (where a flagged byte must not leak in).
    @Test func escapingMatchesAByteByByteEscaper() {
        func naive(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var output: [UInt8] = []
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == 0xEF, index + 2 < bytes.endIndex, bytes[index + 1] == 0xBF, bytes[index + 2] & 0xFE == 0xBE {
                    index += 3
                    continue
                }
                switch byte {
                case UInt8(ascii: "&"): output += Array("&amp;".utf8)
                case UInt8(ascii: "<"): output += Array("&lt;".utf8)
                case UInt8(ascii: ">"): output += Array("&gt;".utf8)
                case UInt8(ascii: "\""): output += Array("&quot;".utf8)
                case 0x09, 0x0A, 0x0D: output.append(byte)
                case ..<0x20: break
                default: output.append(byte)
                }
                index += 1
            }
            return output
        }
        let specials: [[UInt8]] = [[0x26], [0x3C], [0x3E], [0x22], [0x01], [0x0A], [0x20], [0x27], [0x0A, 0x20],
                                   [0x26, 0x27], [0xEF, 0xBF, 0xBE], [0xEF, 0xBC, 0x8C], [0xC3, 0xA9]]
        var mismatches: [String] = []
        for length in 0...40 {
            for special in specials {
                for position in 0...length {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text.insert(contentsOf: special, at: position)
                    for prefix in [0, 3, 9] {
                        let buffer = [UInt8](repeating: UInt8(ascii: "&"), count: prefix) + text
                        var output = GrowableBytes()
                        buffer.withUnsafeBufferPointer {
                            HTMLWriter.appendEscaped($0, prefix..<buffer.count, to: &output)
                        }
                        let escaped = output.withBytes { Array($0) }
                        if escaped != naive(buffer[prefix...]) { mismatches.append("\(text) after \(prefix)") }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }
}
