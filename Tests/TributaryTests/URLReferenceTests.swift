import Testing

@testable import TributaryCore

@Suite struct URLReferenceTests {
    static let rfcBase = "http://a/b/c/d;p?q"

    /// RFC 3986 §5.4.1 normal examples.
    static let normalExamples: [(String, String)] = [
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
    ]

    /// RFC 3986 §5.4.2 abnormal examples (strict parser: "http:g" stays as is).
    static let abnormalExamples: [(String, String)] = [
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("http:g", "http:g"),
    ]

    @Test(arguments: normalExamples)
    func rfcNormalExamples(reference: String, expected: String) {
        #expect(URLReference.resolve(reference, against: Self.rfcBase) == expected)
    }

    @Test(arguments: abnormalExamples)
    func rfcAbnormalExamples(reference: String, expected: String) {
        #expect(URLReference.resolve(reference, against: Self.rfcBase) == expected)
    }

    /// (reference, base, expected) for feed-shaped cases beyond the RFC tables.
    static let feedExamples: [(String, String?, String)] = [
        // Whitespace around links in feeds is trimmed.
        ("  g \n", "http://a/b/c/d;p?q", "http://a/b/c/g"),
        ("\u{FEFF}\u{00A0}/x\t", "https://example.org/feed", "https://example.org/x"),
        // No usable base: the reference comes back (trimmed) unresolved.
        ("g", nil, "g"),
        (" ../g ", "/relative/base", "../g"),
        ("g", "", "g"),
        // Absolute references are returned unchanged, dot segments included.
        ("https://x.example/./a/../b", "http://a/b", "https://x.example/./a/../b"),
        ("mailto:someone@example.org", "http://a/b", "mailto:someone@example.org"),
        // The base fragment never survives.
        ("", "http://a/b?q#frag", "http://a/b?q"),
        ("g", "http://a/b#frag", "http://a/g"),
        // Base without a path.
        ("g", "http://example.org", "http://example.org/g"),
        ("?x=1", "http://example.org", "http://example.org?x=1"),
        ("", "http://example.org", "http://example.org"),
        // Protocol-relative references take the base scheme only.
        ("//cdn.example.org/img.png", "https://example.org/post/1", "https://cdn.example.org/img.png"),
        ("//cdn.example.org", "https://example.org/post/1", "https://cdn.example.org"),
        ("//cdn.example.org/a/../b?q#f", "http://example.org/", "http://cdn.example.org/b?q#f"),
        // IPv6 hosts.
        ("c", "http://[2001:db8::1]:8080/a/b", "http://[2001:db8::1]:8080/a/c"),
        ("/x?y", "http://[2001:db8::1]:8080/a/b", "http://[2001:db8::1]:8080/x?y"),
        ("//[::1]/y", "https://example.org/", "https://[::1]/y"),
        // Userinfo is kept from the base, or taken from the reference.
        ("other", "ftp://user:pass@a.example/dir/file", "ftp://user:pass@a.example/dir/other"),
        ("//u@h.example/p", "https://a.example/", "https://u@h.example/p"),
        // A colon in a later segment, or after an invalid scheme, is still a relative path.
        ("./a:b", "http://a/b/c", "http://a/b/a:b"),
        ("1a:b", "http://a/b/c", "http://a/b/1a:b"),
        // Non-ASCII and odd characters pass through untouched.
        ("café/ü?q=ä b", "https://example.org/dir/", "https://example.org/dir/café/ü?q=ä b"),
        // Base without authority (RFC merge without a slash).
        ("g", "urn:example:x", "urn:g"),
    ]

    @Test(arguments: feedExamples)
    func feedShapedReferences(reference: String, base: String?, expected: String) {
        #expect(URLReference.resolve(reference, against: base) == expected)
    }

    /// xml:base chains: [document URL, xml:base..., link] resolved left to right.
    static let xmlBaseChains: [([String], String)] = [
        (
            ["https://example.org/blog/feed.xml", "../posts/", "2024/hello.html"],
            "https://example.org/posts/2024/hello.html"
        ),
        (["https://example.org/blog/feed.xml", "/news/", "2024/", "a.html"], "https://example.org/news/2024/a.html"),
        (["https://example.org/blog/feed.xml", "http://other.example/base/", "../x"], "http://other.example/x"),
        (["https://example.org/blog/feed.xml#top", "", "entry-1"], "https://example.org/blog/entry-1"),
        (["https://example.org/blog/feed.xml", "?page=2", "#c"], "https://example.org/blog/feed.xml?page=2#c"),
        (["https://example.org/a/b/feed", "//mirror.example/m/", "./p/../q"], "https://mirror.example/m/q"),
        (["http://[2001:db8::7]/feeds/main", "sub/", "../item?id=3"], "http://[2001:db8::7]/feeds/item?id=3"),
        (["https://example.org/", " sub/dir/ ", "..", "x"], "https://example.org/sub/x"),
    ]

    @Test(arguments: xmlBaseChains)
    func xmlBaseChain(chain: [String], expected: String) {
        var base: String? = nil
        for reference in chain {
            base = URLReference.resolve(reference, against: base)
        }
        #expect(base == expected)
    }

    static let absoluteChecks: [(String, Bool)] = [
        ("http://a", true), ("mailto:x@y", true), ("HTTP:x", true), ("a+b-c.d:x", true), ("g:h", true),
        ("  https://example.org ", true), ("urn:isbn:0451450523", true),
        ("g", false), ("/a:b", false), ("1http://x", false), ("//host", false), ("", false), (":x", false),
        ("./a:b", false), ("?a:b", false), ("#a:b", false), ("+a:b", false), ("ht tp://x", false),
    ]

    @Test(arguments: absoluteChecks)
    func isAbsolute(string: String, expected: Bool) {
        #expect(URLReference.isAbsolute(string) == expected)
    }

    static let schemeChecks: [(String, String?)] = [
        ("HTTPS://example.org", "https"), ("http://a", "http"), ("urn:isbn:1", "urn"), ("Git+SSH://h/r", "git+ssh"),
        ("g", nil), ("//host/x", nil), ("", nil), ("1a:b", nil),
    ]

    @Test(arguments: schemeChecks)
    func scheme(string: String, expected: String?) {
        #expect(URLReference.scheme(of: string) == expected)
    }

    static let hostChecks: [(String, String?)] = [
        ("http://Example.ORG:8080/x", "example.org"),
        ("http://user:pw@Host.example/", "host.example"),
        ("http://a@b@c.example/", "c.example"),
        ("http://[2001:DB8::1]:443/", "2001:db8::1"),
        ("http://[::1]", "::1"),
        ("//cdn.example.org/x", "cdn.example.org"),
        ("http://a?b", "a"),
        ("http://a#b", "a"),
        ("https://example.org:", "example.org"),
        ("mailto:a@b", nil),
        ("file:///etc/passwd", nil),
        ("http://[::1", nil),
        ("http://user@:80/", nil),
        ("g", nil),
        ("", nil),
    ]

    @Test(arguments: hostChecks)
    func host(string: String, expected: String?) {
        #expect(URLReference.host(of: string) == expected)
    }

    @Test func removeDotSegmentsMatchesRFCWalkthrough() {
        // RFC 3986 §5.2.4 worked examples.
        #expect(URLReference.removeDotSegments("/a/b/c/./../../g") == "/a/g")
        #expect(URLReference.removeDotSegments("mid/content=5/../6") == "mid/6")
    }

    @Test func explicitPorts() {
        #expect(URLReference.port(of: "http://a.example:8080/x") == 8080)
        #expect(URLReference.port(of: "https://user:pass@[::1]:81/") == 81)
        #expect(URLReference.port(of: "http://[::1]/") == nil)
        #expect(URLReference.port(of: "http://a.example/") == nil)
        #expect(URLReference.port(of: "http://a.example:/") == nil)
        #expect(URLReference.host(of: "https://user:pass@[::1]:81/") == "::1")
    }
}
