import Testing
import TributaryTestSupport

@testable import TributaryCore

@Suite struct CanonicalURLTests {
    static let canonicalExamples: [(String, String)] = [
        // Already canonical.
        ("https://example.org/a", "https://example.org/a"),
        // Case: scheme and host lower-cased, path case kept.
        ("HTTPS://Example.ORG/Path/To", "https://example.org/Path/To"),
        ("http://BÜCHER.example/x", "http://bücher.example/x"),
        // Empty path.
        ("http://example.org", "http://example.org/"),
        ("https://example.org?b=1&a=2", "https://example.org/?a=2&b=1"),
        // Ports.
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:443/a", "http://example.org:443/a"),
        ("https://example.org:80/a", "https://example.org:80/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org:/a", "https://example.org/a"),
        ("http://example.org:0080/", "http://example.org/"),
        ("http://example.org:08080/", "http://example.org:8080/"),
        // Fragments.
        ("https://example.org/a#section-2", "https://example.org/a"),
        ("https://example.org/a?x=1#utm_source=rss", "https://example.org/a?x=1"),
        ("https://example.org/a#", "https://example.org/a"),
        // Feedburner-style tracking.
        ("https://example.org/post?utm_source=feedburner&utm_medium=feed", "https://example.org/post"),
        (
            "https://example.org/2024/01/post.html?utm_source=feedburner&utm_medium=feed"
                + "&utm_campaign=Feed%3A+example+%28Example%29",
            "https://example.org/2024/01/post.html"
        ),
        // Tracking mixed with real parameters.
        ("https://example.org/p?id=42&utm_source=x&fbclid=abc", "https://example.org/p?id=42"),
        (
            "https://example.org/p?utm_medium=email&page=2&mc_cid=1&mc_eid=2&lang=en",
            "https://example.org/p?lang=en&page=2"
        ),
        ("https://example.org/p?UTM_Source=x&FBCLID=y&GcLiD=z&q=1", "https://example.org/p?q=1"),
        ("https://example.org/p?utm_anything_at_all=1&utm_=2&a=b", "https://example.org/p?a=b"),
        (
            "https://example.org/p?gclid=1&dclid=2&gbraid=3&wbraid=4&yclid=5&msclkid=6&mc_cid=7&mc_eid=8&_hsenc=9"
                + "&_hsmi=10&igshid=11&ref_src=12&ref_url=13&spm=14&__s=15&vero_id=16&oly_enc_id=17&oly_anon_id=18"
                + "&mkt_tok=19&s_cid=20&cmpid=21&ncid=22&keep=yes",
            "https://example.org/p?keep=yes"
        ),
        ("https://example.org/p?utm%5Fsource=x&a=1", "https://example.org/p?a=1"),
        // Lookalikes and tracking words in values are kept.
        ("https://example.org/p?utm=1&ref=home&source=rss", "https://example.org/p?ref=home&source=rss&utm=1"),
        ("https://example.org/search?q=utm_source&fbclidx=1", "https://example.org/search?fbclidx=1&q=utm_source"),
        // Ordering: by name, stable for repeated names.
        ("https://example.org/s?b=2&a=1", "https://example.org/s?a=1&b=2"),
        ("https://example.org/s?tag=z&a=1&tag=b", "https://example.org/s?a=1&tag=z&tag=b"),
        ("https://example.org/s?b&a=", "https://example.org/s?a=&b"),
        ("https://example.org/s?B=1&a=2", "https://example.org/s?B=1&a=2"),
        // Empty query and empty pieces.
        ("https://example.org/a?", "https://example.org/a"),
        ("https://example.org/a?&a=1&&b=2&", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?utm_source=x", "https://example.org/a"),
        // Percent-encoding.
        ("https://example.org/a%2fb%c3%a9", "https://example.org/a%2Fb%C3%A9"),
        ("https://example.org/%7Euser/%41%62c%2D%5f", "https://example.org/~user/Abc-_"),
        ("https://example.org/café", "https://example.org/caf%C3%A9"),
        ("https://example.org/a b?q=a b", "https://example.org/a%20b?q=a%20b"),
        ("https://example.org/100%", "https://example.org/100%25"),
        ("https://example.org/list?a[]=1", "https://example.org/list?a%5B%5D=1"),
        ("https://example.org/q?x=a+b&y=%2B", "https://example.org/q?x=a+b&y=%2B"),
        ("http://ex%41mple.org/", "http://example.org/"),
        // Paths: dot segments removed, trailing slashes kept.
        ("https://example.org/a/./b/../c", "https://example.org/a/c"),
        ("https://example.org/%2E%2E/x", "https://example.org/x"),
        ("https://example.org/a/", "https://example.org/a/"),
        ("https://example.org/a//", "https://example.org/a//"),
        // Userinfo dropped.
        ("https://user:pw@example.org/a", "https://example.org/a"),
        // IPv6.
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://[::1]:8080", "http://[::1]:8080/"),
        // Surrounding whitespace.
        ("  https://example.org/a \n", "https://example.org/a"),
    ]

    @Test(arguments: canonicalExamples)
    func canonicalize(input: String, expected: String) {
        #expect(CanonicalURL.canonicalize(input) == expected)
    }

    @Test(arguments: canonicalExamples)
    func canonicalizeIsIdempotent(input: String, expected: String) {
        #expect(CanonicalURL.canonicalize(expected) == expected)
    }

    static let garbage: [String] = [
        "", "   ", "not a url", "example.org/a", "//example.org/a", "/a", "?utm_source=x",
        "ftp://example.org/a", "mailto:a@example.org", "javascript:alert(1)", "data:text/html,x", "urn:isbn:1",
        "http://", "http:///a", "http:example.org", "http:/example.org", "https://exa mple.org/",
        "https://example.org:99999/", "https://example.org:80a/", "https://example.org:80:81/", "http://[::1/",
        "http://[zz::1]/", "http://[::1]x/", "http://[]/", "https://example.org/a\nb", "https://example.org/\u{0}x",
        "http://ex<ample.org/", "http://ex%zzample.org/", "http://user@:80/", "http://:80/",
    ]

    @Test(arguments: garbage)
    func garbageGivesNil(input: String) {
        #expect(CanonicalURL.canonicalize(input) == nil)
        #expect(CanonicalURL.key(for: input) == nil)
    }

    static let keyExamples: [(String, String)] = [
        ("http://example.org/a?b=1", "//example.org/a?b=1"),
        ("https://example.org/a?b=1", "//example.org/a?b=1"),
        ("HTTPS://Example.org:443/a?utm_source=x&b=1#f", "//example.org/a?b=1"),
        ("http://example.org", "//example.org/"),
    ]

    @Test(arguments: keyExamples)
    func key(input: String, expected: String) {
        #expect(CanonicalURL.key(for: input) == expected)
    }

    @Test func httpAndHTTPSVariantsShareAKey() {
        let variants = [
            "http://example.org/post?id=7",
            "https://example.org/post?id=7&utm_source=feedburner&utm_medium=feed",
            "HTTPS://EXAMPLE.ORG:443/post?id=7#comments",
            "http://example.org:80/./post?fbclid=x&id=7",
        ]
        let keys = Set(variants.map { CanonicalURL.key(for: $0) })
        #expect(keys == ["//example.org/post?id=7"])
        #expect(CanonicalURL.canonicalize(variants[0]) != CanonicalURL.canonicalize(variants[1]))
    }

    @Test func differentArticlesKeepDifferentKeys() {
        #expect(
            CanonicalURL.key(for: "https://example.org/a?id=1") != CanonicalURL.key(for: "https://example.org/a?id=2"))
        #expect(CanonicalURL.key(for: "https://example.org/A") != CanonicalURL.key(for: "https://example.org/a"))
        #expect(CanonicalURL.key(for: "https://example.org/a/") != CanonicalURL.key(for: "https://example.org/a"))
    }

    @Test(arguments: ["utm_source", "UTM_MEDIUM", "utm_", "fbclid", "_hsenc", "__s", "NCID"])
    func trackingParameterNames(name: String) {
        #expect(CanonicalURL.isTrackingParameter(name))
    }

    @Test(arguments: ["utm", "ref", "source", "id", "s", "_s", "fbclidx", "page"])
    func ordinaryParameterNames(name: String) {
        #expect(!CanonicalURL.isTrackingParameter(name))
    }

    /// The fast path for plain URLs answers exactly as the general parse, and takes most real links:
    /// random URLs built from pieces that are and are not plain (case, ports, dots, escapes, queries).
    @Test func simplePathAgreesWithTheGeneralParse() {
        var generator = SplitMix64(seed: 7)
        let schemes = ["http://", "https://", "HTTPS://", "ftp://", "https:/"]
        let hosts = ["example.org", "a-b.example.com", "Example.org", "x.example:443", "x.example:8080", "u@x.example", "", "1.2.3.4", "ex_ample.org"]
        let segments = ["a", "b-c", "d.e", ".", "..", "...", "~u", "%41", "%2f", "x y", "é", "", "f_g", "Caps", ".x", "x."]
        let tails = ["", "?a=1", "#top", "?utm_source=x", "/"]
        var taken = 0
        for _ in 0..<5000 {
            func pick(_ list: [String]) -> String { list[Int(generator.next() % UInt64(list.count))] }
            let path = (0..<Int(generator.next() % 5)).map { _ in "/" + pick(segments) }.joined()
            let url = pick(schemes) + pick(hosts) + path + pick(tails)
            if let simple = CanonicalURL.simpleParts(url) {
                taken += 1
                let general = CanonicalURL.generalParts(url)
                #expect(general?.scheme == simple.scheme && general?.body == simple.body, "\(url)")
            }
        }
        #expect(taken > 100)  // The comparison above ran on enough plain URLs.
        #expect(CanonicalURL.simpleParts("https://site.example.com/2025/12/31/a-story-0") != nil)
    }

    /// The original publisher's site: a host without `www.`/`feeds.`-style prefixes; hosted blogs on
    /// one platform stay distinct sites.
    @Test func siteKeys() {
        #expect(CanonicalURL.siteKey(of: "https://www.news.example/a") == CanonicalURL.siteKey(of: "https://feeds.news.example/rss"))
        #expect(CanonicalURL.siteKey(of: "https://news.example/") == "news.example")
        #expect(CanonicalURL.siteKey(of: "https://alice.github.io/post") != CanonicalURL.siteKey(of: "https://bob.github.io/"))
        #expect(CanonicalURL.siteKey(of: "file:///tmp/feed.xml") == nil)
    }
}
