import Foundation
import Testing
import TributaryCore

@testable import FeedParse
@testable import XMLSupport

/// Parser behaviour, one small inline document per behaviour.
@Suite struct FeedParserTests {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"

    static func parse(_ xml: String, url: String? = nil) throws -> ParsedFeed {
        try FeedParser().parse(Array(xml.utf8), url: url)
    }

    // MARK: Input and encodings

    /// Whitespace before the XML declaration is not binary data and does not hide the document.
    @Test func whitespaceBeforeDeclaration() throws {
        let feed = try Self.parse(
            "\n  <?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                + "<feed xmlns=\"\(Self.atom)\"><title>Leading</title></feed>")
        #expect(feed.format == .atom10)
        #expect(feed.metadata.title == "Leading")
        #expect(feed.warnings.isEmpty)
    }

    /// UTF-32 without a byte order mark is recognised from the shape of its first "<".
    @Test(arguments: [true, false]) func utf32WithoutByteOrderMark(bigEndian: Bool) throws {
        let xml = """
            <?xml version="1.0" encoding="utf-32"?>
            <rss version="2.0"><channel><title>Wide é</title></channel></rss>
            """
        var bytes: [UInt8] = []
        for scalar in xml.unicodeScalars {
            let value = scalar.value
            let big = [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
            bytes.append(contentsOf: bigEndian ? big : Array(big.reversed()))
        }
        let feed = try FeedParser().parse(bytes)
        #expect(feed.metadata.title == "Wide é")
        #expect(feed.warnings.isEmpty)
    }

    /// C1 controls, raw or as references, stand for the windows-1252 characters of the same byte.
    @Test func c1ControlsReadAsWindows1252() throws {
        let feed = try Self.parse(
            """
            <rss version="2.0"><channel><item>
            <description>don\u{92}t</description><title>it&#146;s</title>
            </item></channel></rss>
            """)
        #expect(feed.items.first?.summary == "don\u{2019}t")
        #expect(feed.items.first?.title == "it\u{2019}s")
        #expect(feed.warnings.isEmpty)
    }

    /// A document is first given to libxml2 unrepaired; one that is not well-formed because of HTML
    /// entities, bare `&`, control characters or `&#X` is repaired and read again, losing nothing.
    @Test func repairsApplyWhenTheUnrepairedDocumentIsNotWellFormed() throws {
        let feed = try Self.parse(
            "<rss version=\"2.0\"><channel><title>T</title>"
                + "<item><title>caf&eacute;&nbsp;A &amp; B & C\u{1}&#X44;</title></item>"
                + "<item><title>second</title></item></channel></rss>")
        #expect(feed.items.map(\.title) == ["café A & B & CD", "second"])  // titles turn a no-break space into a space
        #expect(feed.warnings.count == 4, "\(feed.warnings)")
        #expect(!feed.warnings.contains { $0.contains("not well-formed") }, "\(feed.warnings)")
    }

    /// With a DOCTYPE (which may name an external subset), libxml2 only warns about an undeclared
    /// entity and drops it: such a document is repaired before it is parsed.
    @Test func documentsWithADoctypeAreRepairedFirst() throws {
        let feed = try Self.parse(
            "<?xml version=\"1.0\"?>\n<!-- a comment -->\n"
                + "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" "
                + "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n"
                + "<rss version=\"0.91\"><channel><title>T</title><item><title>caf&eacute;</title></item></channel></rss>")
        #expect(feed.items.first?.title == "café")
    }

    /// The prolog check behind the unrepaired first parse: a DOCTYPE anywhere before the root element,
    /// or a prolog it cannot read, sends the document to the repairs first.
    @Test(arguments: [
        ("<rss/>", true), ("\u{FEFF}<?xml version=\"1.0\"?>\n<rss/>", true), ("<!-- <!DOCTYPE x> -->\n<?pi x?><feed/>", true),
        ("<!DOCTYPE rss><rss/>", false), ("<?xml version=\"1.0\"?><!-- c --><!DOCTYPE rss [<!ENTITY e \"x\">]><rss/>", false),
        ("<!-- unterminated", false), ("junk<rss/>", false), ("", false), ("<?xml", false),
    ])
    func prologCheck(document: String, canParseFirst: Bool) {
        let bytes = Array(document.utf8)
        #expect(bytes.withUnsafeBufferPointer(XMLInput.prologEndsWithoutDoctype) == canParseFirst)
    }

    /// `&#X41;` (HTML, not XML) is read as `&#x41;` instead of ending the document.
    @Test func uppercaseHexReference() throws {
        let feed = try Self.parse(
            "<rss version=\"2.0\"><channel><item><title>&#X41;&#x42;</title></item></channel></rss>")
        #expect(feed.items.first?.title == "AB")
    }

    // MARK: Format detection

    /// Atom written against a pre-standard namespace (Echo, Pie, Necho) still reads.
    @Test(arguments: [
        "http://purl.org/echo/", "http://purl.org/pie/", "http://example.com/necho", "http://example.com/newformat#",
    ])
    func atomWithPreStandardNamespace(namespace: String) throws {
        let feed = try Self.parse(
            "<feed version=\"0.3\" xmlns=\"\(namespace)\"><title>Echo</title><entry><title>One</title></entry></feed>")
        #expect(feed.format == .atom03)
        #expect(feed.metadata.title == "Echo")
        #expect(feed.items.map(\.title) == ["One"])
    }

    /// RSS whose root declares a Userland default namespace reads its channel and items.
    @Test(arguments: ["http://backend.userland.com/rss", "http://backend.userland.com/rss2.1"])
    func rssWithDefaultNamespace(namespace: String) throws {
        let feed = try Self.parse(
            """
            <rss xmlns="\(namespace)"><channel><description>Userland</description>
            <item><title>One</title></item></channel></rss>
            """)
        #expect(feed.metadata.subtitle == "Userland")
        #expect(feed.items.map(\.title) == ["One"])
    }

    /// An RSS 0.90 document is recognised by its default namespace even without children.
    @Test func rss090FromNamespaceDeclaration() throws {
        let feed = try Self.parse(
            """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
              xmlns="http://my.netscape.com/rdf/simple/0.9/"></rdf:RDF>
            """)
        #expect(feed.format == .rss090)
    }

    /// RSS core element names match whatever their case.
    @Test func rssElementNamesIgnoreCase() throws {
        let feed = try Self.parse(
            """
            <rss version="2.0"><channel><TiTlE>Mixed</TiTlE>
            <item><PubDate>Sat, 01 Jan 2010 19:48:21 GMT</PubDate></item></channel></rss>
            """)
        #expect(feed.metadata.title == "Mixed")
        #expect(feed.items.first?.published.map(FeedDate.rfc3339) == "2010-01-01T19:48:21Z")
    }

    // MARK: Atom text constructs and dates

    /// When a date element repeats, the last value wins; `published` overrides an earlier `issued`.
    @Test func repeatedDatesKeepTheLast() throws {
        let feed = try Self.parse(
            """
            <feed xmlns="\(Self.atom03)" version="0.3"><entry>
            <issued>Thu, 01 Jan 2004 19:48:21 GMT</issued><published>Sat, 01 Jan 2010 19:48:21 GMT</published>
            <updated>2010-12-01T10:14:55Z</updated><updated>2003-12-31T10:14:55Z</updated>
            </entry></feed>
            """)
        #expect(feed.items.first?.published.map(FeedDate.rfc3339) == "2010-01-01T19:48:21Z")
        #expect(feed.items.first?.updated.map(FeedDate.rfc3339) == "2003-12-31T10:14:55Z")
    }

    /// Base64 content is text unless its type says HTML: decoded markup is escaped, not rendered.
    @Test func base64ContentFollowsItsType() throws {
        let encoded = "RXhhbXBsZSA8Yj5BdG9tPC9iPg=="  // "Example <b>Atom</b>"
        let feed = try Self.parse(
            """
            <feed version="0.3" xmlns="\(Self.atom03)"><tagline mode="base64">\(encoded)</tagline>
            <entry><summary mode="base64" type="text/html">\(encoded)</summary></entry></feed>
            """)
        #expect(feed.metadata.subtitle == "Example &lt;b&gt;Atom&lt;/b&gt;")
        #expect(feed.items.first?.summary == "Example <b>Atom</b>")
    }

    /// Only Atom 1.0 `type="xhtml"` has a wrapper div to strip; an Atom 0.3 div is content, and child
    /// elements in a text construct are markup.
    @Test func xhtmlWrapperOnlyInAtom10() throws {
        let div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Example <b>Atom</b></div>"
        let old = try Self.parse(
            """
            <feed version="0.3" xmlns="\(Self.atom03)"><entry>
            <summary type="application/xhtml+xml" mode="xml">\(div)</summary><content>Naked <b>markup</b></content>
            </entry></feed>
            """)
        #expect(old.items.first?.summary == "<div>Example <b>Atom</b></div>")
        #expect(old.items.first?.content == "Naked <b>markup</b>")
        let new = try Self.parse(
            "<feed xmlns=\"\(Self.atom)\"><entry><summary type=\"xhtml\">\(div)</summary></entry></feed>")
        #expect(new.items.first?.summary == "Example <b>Atom</b>")
    }

    /// An Atom 0.3 author's `homepage` is the person's URI.
    @Test func atom03AuthorHomepage() throws {
        let feed = try Self.parse(
            """
            <feed version="0.3" xmlns="\(Self.atom03)">
            <author><name>Ann</name><homepage>http://example.com/</homepage></author></feed>
            """)
        #expect(feed.metadata.authors == [Person(name: "Ann", uri: "http://example.com/")])
    }

    /// `xml:lang="en_US"` (a POSIX locale) becomes the language tag en-US.
    @Test func languageUnderscore() throws {
        let feed = try Self.parse("<feed version=\"0.3\" xmlns=\"\(Self.atom03)\" xml:lang=\"en_US\"></feed>")
        #expect(feed.metadata.language == "en-US")
    }

    // MARK: RSS fields

    /// RSS-style person strings give a name and an address whichever way round they are written.
    @Test(arguments: [
        ("Example editor (me@example.com)", Person(name: "Example editor", email: "me@example.com")),
        ("me@example.com (Example editor)", Person(name: "Example editor", email: "me@example.com")),
        ("Example editor <me@example.com>", Person(name: "Example editor", email: "me@example.com")),
        ("mailto:me@example.com", Person(email: "me@example.com")),
        ("Example editor", Person(name: "Example editor")),
        ("Editor (in chief)", Person(name: "Editor (in chief)")),
        ("@handle", Person(name: "@handle")),
    ])
    func personFromText(text: String, expected: Person) {
        #expect(ConversionContext.person(fromText: text) == expected)
    }

    /// dc:author names the channel's author; an item's author string is split into name and email.
    @Test func channelAndItemAuthors() throws {
        let feed = try Self.parse(
            """
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <dc:author>Example editor</dc:author>
            <item><author>Example editor (me@example.com)</author></item></channel></rss>
            """)
        #expect(feed.metadata.authors == [Person(name: "Example editor")])
        #expect(feed.items.first?.authors == [Person(name: "Example editor", email: "me@example.com")])
    }

    /// A feed title or description that is present but empty is "", a missing one nil; items keep nil.
    @Test func emptyFeedTextIsNotMissing() throws {
        let feed = try Self.parse(
            "<rss version=\"2.0\"><channel><description/><title></title><item><description/></item></channel></rss>")
        #expect(feed.metadata.subtitle == "")
        #expect(feed.metadata.title == "")
        #expect(feed.metadata.rights == nil)
        #expect(feed.items.first?.summary == nil)
    }

    /// Full content can come as inline `xhtml:body` or as an escaped `fullitem`.
    @Test func itemBodyAndFullitem() throws {
        let feed = try Self.parse(
            """
            <rss version="2.0"><channel>
            <item><body xmlns="http://www.w3.org/1999/xhtml"><p>Example content</p></body></item>
            <item><fullitem>&lt;p&gt;Full&lt;/p&gt;</fullitem></item>
            </channel></rss>
            """)
        #expect(feed.items.map(\.content) == ["<p>Example content</p>", "<p>Full</p>"])
    }

    /// A comma-separated `tags` element adds categories in document order.
    @Test func tagsElement() throws {
        let feed = try Self.parse(
            "<rss><channel><item><tags>tag one, tag two</tags><category>category one</category></item></channel></rss>")
        #expect(feed.items.first?.categories == ["tag one", "tag two", "category one"])
    }

    // MARK: Links

    /// A local file is no base: relative links stay relative, but xml:base still applies.
    @Test func fileURLIsNotABase() throws {
        let xml = """
            <feed xmlns="\(Self.atom)"><link href="/blog/"/><entry><link href="/blog/1"/></entry>
            <entry xml:base="http://example.com/a/"><link href="2"/></entry></feed>
            """
        let local = try Self.parse(xml, url: "file:///home/me/feed.xml")
        #expect(local.metadata.link == "/blog/")
        #expect(local.items.map(\.link) == ["/blog/1", "http://example.com/a/2"])
        let remote = try Self.parse(xml, url: "https://example.org/feed.xml")
        #expect(remote.metadata.link == "https://example.org/blog/")
        #expect(remote.items.map(\.link) == ["https://example.org/blog/1", "http://example.com/a/2"])
    }

    @Test func guidPermaLinkNeedsAWebScheme() {
        for (value, expected) in [
            ("http://a.example/1", true), ("HTTPS://a.example/1", true), ("https:x", true), ("httpx://a", false),
            ("ftp://a.example/1", false), ("http", false), ("https", false), ("tag:a.example,2026:1", false),
            ("\u{1}http://a.example/1", true), ("/relative", false),
        ] {
            #expect(ConversionContext.hasWebScheme(value) == expected, "\(value.debugDescription)")
        }
    }

    /// Records share one reusable tree; a record kept past its callback must keep its own.
    @Test func recordKeptPastItsCallbackKeepsItsContent() {
        let xml = "<rss><channel><item><title>one</title></item><item><title>two</title><x a='b'/></item></channel></rss>"
        let parser = XMLStreamParser(documentURL: "https://example.org/", recordNames: ["item"])
        var kept: [XMLNode] = []
        var seen: [String] = []
        let result = Array(xml.utf8).withUnsafeBytes { bytes in
            parser.parse(bytes, encoding: nil) { record, _ in
                kept.append(record)
                seen.append(record.children.map { "\($0.name)=\($0.innerText)" }.joined(separator: ","))
            }
        }
        #expect(seen == ["title=one", "title=two,x="])
        #expect(kept.map { $0.children.first?.innerText } == ["one", "two"])
        #expect(kept.last?.children.map { $0.attribute("a") } == [nil, "b"])
        #expect(result.root?.name == "rss")
        #expect(result.root?.children.first?.name == "channel")
        #expect(result.root?.children.first?.children.isEmpty == true)  // items are not in the document tree
    }

    /// A document with more distinct names than the parser's pointer table holds (so that its probes run
    /// long and the dictionary behind it answers): every element and attribute keeps its own name.
    @Test func manyDistinctNamesKeepTheirNames() {
        let names = (0..<1500).map { "element\($0)" }
        // Each name twice: the second time it is found, in the table or in the dictionary.
        let xml = "<root>" + (names + names).map { "<\($0) \($0)a='\($0)'/>" }.joined() + "</root>"
        let parser = XMLStreamParser(documentURL: nil, recordNames: [])
        let result = Array(xml.utf8).withUnsafeBytes { parser.parse($0, encoding: nil) { _, _ in } }
        let children = result.root.map { Array($0.children) } ?? []
        #expect(children.map(\.name) == names + names)
        #expect(children.map { $0.attribute($0.name + "a") } == names + names)
        #expect(Set(children.map(\.nameNumber)).count == names.count)
        #expect(children.prefix(names.count).map(\.nameNumber) == children.suffix(names.count).map(\.nameNumber))
    }

    /// Text before, between and after child elements, and after a record, lands in the right text and tails.
    @Test func textAndTailsAroundChildrenAndRecords() {
        let xml = "<feed><a>1<b>2</b>3<c/>4</a>5<entry>e<f>g</f>h</entry>6<d>7</d></feed>"
        let parser = XMLStreamParser(documentURL: nil, recordNames: ["entry"], maxRecordDepth: 1)
        var record = ""
        let result = Array(xml.utf8).withUnsafeBytes { bytes in
            parser.parse(bytes, encoding: nil) { entry, _ in record = entry.text + "|" + entry.innerText }
        }
        #expect(record == "e|egh")
        let root = result.root
        let a = root?.children.first
        #expect(a?.text == "1")
        #expect(a?.children.map(\.tail) == ["3", "4"])
        #expect(a?.innerText == "1234")
        #expect(a?.innerMarkup == "1<b>2</b>3<c></c>4")
        #expect(root?.children.map(\.name) == ["a", "d"])
        #expect(root?.children.map(\.tail) == ["56", ""])
    }

    /// Collapsing white space: runs of ASCII spaces, tabs and line breaks become one space, the ends are
    /// trimmed, other characters (NBSP, controls) are kept; the bytes path equals the string path.
    @Test(arguments: [
        ("Title", "Title"), ("  Title", "Title"), ("Title ", "Title"), ("a  b", "a b"), ("a\tb", "a b"),
        ("\n  Café\r\n  au lait \n", "Café au lait"), (" ", nil), ("", nil), ("\n\t ", nil),
        ("a\u{A0}b", "a\u{A0}b"), ("a\u{1}b", "a\u{1}b"), ("日本 語", "日本 語"), ("x y z ", "x y z"),
    ] as [(String, String?)])
    func collapsingWhiteSpace(input: String, expected: String?) {
        #expect(ConversionContext.collapsed(input) == expected)
        let bytes = Array(input.utf8)
        #expect(bytes.withUnsafeBufferPointer { ConversionContext.collapsed(utf8: $0, isValidUTF8: true) } == expected)
        #expect(bytes.withUnsafeBufferPointer { ConversionContext.collapsed(utf8: $0) } == expected)
    }

    /// Collapsing agrees with splitting at white space and joining with one space, for strings long enough
    /// for the 32-byte steps, with a space pair, a line break or a tab at every offset.
    @Test func collapsingAgreesWithSplittingAndJoining() {
        var inputs: [String] = []
        let base = Array(repeating: "word é ", count: 12).joined()  // 96 bytes, single spaces
        let characters = Array(base)
        for offset in 0..<characters.count {
            for insert in ["  ", "\n", "\t", " \r\n "] {
                var text = characters
                text.insert(contentsOf: insert, at: offset)
                inputs.append(String(text))
            }
            inputs.append(String(characters[offset...]))
            inputs.append(String(characters[..<offset]))
        }
        for input in inputs {
            let words = input.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" })
            let expected = words.isEmpty ? nil : words.joined(separator: " ")
            let bytes = Array(input.utf8)
            #expect(bytes.withUnsafeBufferPointer { ConversionContext.collapsed(utf8: $0, isValidUTF8: true) } == expected, "\(input)")
        }
    }
}
