import Foundation
import Hummingbird
import Testing
import TributaryCore
import TributaryTestSupport

@testable import FeedParse

/// Hostile and broken documents (issue 3, point 10; BAD-INPUTS X1–X5, X8, X13, X15, X16): the parser
/// never reads files or the network, stops entity bombs and deep nesting fast with an error, and keeps
/// what it can from damaged input. Fixtures live in Tests/Fixtures/feeds/, one behaviour per file.
@Suite struct ParserHardeningTests {
    /// Raw bytes of Tests/Fixtures/feeds/NAME (some fixtures are not UTF-8 text).
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: Fixtures.directory + "/feeds/" + name)
        return [UInt8](try Data(contentsOf: url))
    }

    /// The outcome of a parse: the feed, or the `ParseError` it threw.
    static func outcome(_ bytes: [UInt8], url: String? = nil) -> Result<ParsedFeed, ParseError> {
        Result { () throws(ParseError) in try FeedParser().parse(bytes, url: url) }
    }

    /// Every string a parsed feed carries, for "this never appears anywhere" checks.
    static func allText(_ feed: ParsedFeed) -> String {
        var parts = [feed.metadata.title, feed.metadata.subtitle].compactMap { $0 } + feed.warnings
        for item in feed.items {
            parts += [item.title, item.summary, item.content, item.link].compactMap { $0 }
        }
        return parts.joined(separator: "\n")
    }

    /// Text that appears in /etc/passwd on every Linux system.
    static let passwdMarker = "root:x:0:0"

    // MARK: External entities (X1, X2)

    /// An external entity to file:///etc/passwd is never expanded; the rest of the item is read.
    @Test func X1_externalFileEntityIsNotRead() throws {
        let feed = try FeedParser().parse(try Self.bytes("xxe-file-entity.xml"))
        #expect(!Self.allText(feed).contains(Self.passwdMarker))
        #expect(!Self.allText(feed).contains("/bin/"))
        #expect(feed.items.count == 1)
        #expect(feed.items.first?.title == "Before after")
    }

    /// External general and parameter entities and an external DTD over http:// are never fetched.
    @Test(arguments: ["xxe-http-entity.xml", "xxe-parameter-entity.xml"])
    func X1_externalEntitiesAreNotFetched(fixture: String) async throws {
        let secret = "XXE-SECRET-CONTENT"
        let reply: @Sendable (Request) -> FixtureServer.Reply = { _ in
            FixtureServer.Reply(body: Array(secret.utf8))
        }
        let paths = ["/xxe-probe.txt", "/external.dtd", "/evil.dtd"]
        let server = try await FixtureServer.start(Dictionary(uniqueKeysWithValues: paths.map { ($0, reply) }))
        let text = String(decoding: try Self.bytes(fixture), as: UTF8.self)
            .replacingOccurrences(of: "127.0.0.1:9/", with: "127.0.0.1:\(server.port)/")
        let result = Self.outcome(Array(text.utf8))
        await server.stop()
        for path in paths { #expect(server.requestCount(path) == 0, "fetched \(path)") }
        if case .success(let feed) = result {
            #expect(!Self.allText(feed).contains(secret))
            #expect(!Self.allText(feed).contains(Self.passwdMarker))
            #expect(feed.items.count == 1)
        }
    }

    // MARK: Entity bombs and nesting (X3, X4, X5)

    /// Billion laughs is refused with an error, fast.
    @Test func X2_billionLaughsFailsFast() throws {
        let start = ContinuousClock.now
        let result = Self.outcome(try Self.bytes("billion-laughs.xml"))
        #expect(ContinuousClock.now - start < .seconds(1))
        guard case .failure(let error) = result else {
            Issue.record("billion laughs parsed")
            return
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains("entity"))
    }

    /// A 10,000-character entity referenced 10,000 times (100 MB expanded from 40 KB) is stopped.
    @Test func X3_quadraticBlowupFailsFast() {
        let xml =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"" + String(repeating: "a", count: 10_000)
            + "\">]>\n<rss version=\"2.0\"><channel><title>Quadratic</title><item><title>t</title><description>"
            + String(repeating: "&a;", count: 10_000) + "</description></item></channel></rss>\n"
        let start = ContinuousClock.now
        let result = Self.outcome(Array(xml.utf8))
        #expect(ContinuousClock.now - start < .seconds(5))
        guard case .failure(let error) = result else {
            Issue.record("quadratic blow-up parsed")
            return
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains("amplification"))
    }

    /// Items completed before a quadratic blow-up are kept, with a warning; the item that blew up is not.
    @Test func X3_quadraticBlowupKeepsEarlierItems() throws {
        let entity = String(repeating: "b", count: 10_000)
        let xml =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"" + entity + "\">]>\n"
            + "<rss version=\"2.0\"><channel><title>Q</title><item><title>first &a;</title></item>"
            + "<item><title>bomb</title><description>" + String(repeating: "&a;", count: 10_000)
            + "</description></item></channel></rss>\n"
        let feed = try FeedParser().parse(Array(xml.utf8))
        #expect(feed.items.map(\.title) == ["first " + entity])
        #expect(feed.warnings.contains { $0.contains("amplification") })
    }

    /// 100,000 nested elements end with a tooLarge error instead of a stack overflow.
    @Test func X4_deepNestingFailsWithError() {
        let xml =
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Deep</title><item><title>x</title>"
            + "<description>" + String(repeating: "<div>", count: 100_000) + "x"
            + String(repeating: "</div>", count: 100_000) + "</description></item></channel></rss>\n"
        guard case .failure(let error) = Self.outcome(Array(xml.utf8)) else {
            Issue.record("100,000-deep document parsed")
            return
        }
        #expect(error.code == .tooLarge)
    }

    // MARK: Damaged documents (X8, X13)

    /// Items completed before the cut are kept; the cut item is never returned; a warning says why.
    @Test func truncatedDocumentKeepsCompletedItems() throws {
        let feed = try FeedParser().parse(try Self.bytes("truncated.xml"))
        #expect(feed.items.map(\.title) == ["First", "Second"])
        #expect(feed.items.map(\.id) == ["cut-1", "cut-2"])
        #expect(feed.warnings.contains { $0.contains("not well-formed") })
    }

    /// Characters illegal in XML 1.0 are removed with a warning, and the item survives.
    @Test func X8_illegalCharactersAreRemoved() throws {
        let feed = try FeedParser().parse(try Self.bytes("illegal-xml-characters.xml"))
        #expect(feed.metadata.title == "Illegal characters")
        #expect(feed.items.first?.title == "Bell and tab")
        #expect(feed.items.first?.summary == "backspace")
        #expect(feed.warnings.contains { $0.contains("illegal in XML") })
    }

    /// A document that says UTF-8 but is windows-1252 is decoded as windows-1252, with a warning.
    @Test func wrongCharsetIsRecovered() throws {
        let feed = try FeedParser().parse(try Self.bytes("wrong-charset-windows-1252.xml"))
        #expect(feed.items.first?.title == "Caf\u{E9} \u{201C}quoted\u{201D} \u{20AC} 5")
        #expect(feed.warnings.contains { $0.contains("windows-1252") })
    }

    // MARK: Not a feed (X15, X16)

    /// An HTML page is notAFeed, and the error names the feeds it advertises, resolved against its URL.
    @Test func htmlPageNamesAdvertisedFeeds() throws {
        let result = Self.outcome(try Self.bytes("html-page-with-feed-links.html"), url: "https://blog.example/posts/")
        guard case .failure(let error) = result else {
            Issue.record("an HTML page parsed as a feed")
            return
        }
        #expect(error.code == .notAFeed)
        #expect(error.discoveredFeeds == ["https://blog.example/feed.xml", "https://blog.example/atom.xml"])
        #expect(error.description.contains("https://blog.example/atom.xml"))
    }

    /// An empty document (or only whitespace) is emptyBody.
    @Test(arguments: [[], Array(" \n\t ".utf8)] as [[UInt8]])
    func emptyDocumentIsAnError(bytes: [UInt8]) throws {
        #expect(try Self.bytes("empty.xml").isEmpty)
        guard case .failure(let error) = Self.outcome(bytes) else {
            Issue.record("an empty document parsed")
            return
        }
        #expect(error.code == .emptyBody)
    }

    /// Binary data is an error that says so.
    @Test func binaryDocumentIsAnError() throws {
        guard case .failure(let error) = Self.outcome(try Self.bytes("binary.png")) else {
            Issue.record("binary data parsed")
            return
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains("binary"))
    }

    // MARK: JSON Feed

    /// Wrong types in a JSON Feed do not crash or lose the well-formed item; a non-object item is skipped.
    @Test func jsonFeedWithWrongTypes() throws {
        let feed = try FeedParser().parse(try Self.bytes("jsonfeed-wrong-types.json"))
        let good = try #require(feed.items.first { $0.id == "good-1" })
        #expect(good.title == "Good")
        #expect(good.link == "https://json.example/good")
        #expect(feed.metadata.title == nil)
        #expect(feed.warnings.contains { $0.contains("not an object") })
    }

    /// Deeply nested JSON is refused with an error, not a stack overflow.
    @Test func jsonFeedDeepNestingIsAnError() throws {
        guard case .failure(let error) = Self.outcome(try Self.bytes("jsonfeed-deep-nesting.json")) else {
            Issue.record("100,000-deep JSON parsed")
            return
        }
        #expect(error.message.contains("nests deeper"))
    }

    // MARK: Atom XHTML

    /// XHTML content in default or prefixed namespaces comes out as plain HTML with resolved links.
    @Test func X16_atomXHTMLWithNamespaces() throws {
        let feed = try FeedParser().parse(try Self.bytes("atom-xhtml-namespaces.xml"))
        #expect(feed.items.count == 3)
        #expect(
            feed.items.first?.content
                == "<p>One <a href=\"https://xhtml.example/blog/one.html\">link</a> <b>bold</b></p>")
        #expect(
            feed.items.dropFirst().first?.content
                == "<p>Two <em>em</em> <img src=\"https://xhtml.example/blog/two.png\" alt=\"two\"/></p>")
        #expect(feed.items.last?.summary == "<span>three</span>")
        for item in feed.items {
            let html = (item.content ?? "") + (item.summary ?? "")
            #expect(!html.contains("xmlns"))
            #expect(!html.contains("xh:"))
        }
    }
}
