import Testing
import TributaryTestSupport

@testable import TributaryServer

/// The fast path's request reader: the forms feed readers send are read; anything else, however
/// slightly off, is `.other` (for NIO's full parser) — never a misread request.
@Suite struct SimpleRequestHeadTests {
    static func parse(_ text: String, maxBytes: Int = 8192, maxFieldBytes: Int = 1024, scanned: Int = 0) -> SimpleRequestHead.Parse {
        Array(text.utf8).withUnsafeBytes {
            SimpleRequestHead.parse($0, limits: .init(maxHeadBytes: maxBytes, maxFieldBytes: maxFieldBytes), scannedBytes: scanned)
        }
    }

    @Test func readsTheFieldsAReaderSends() throws {
        let head = "GET /tech.xml?utm=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: NetNewsWire\r\n"
            + "if-none-match:  \"abc\", \"def\" \t\r\nIf-Modified-Since: Wed, 02 Dec 2026 10:00:00 GMT\r\n"
            + "Accept-Encoding: gzip, br\r\nConnection: keep-alive, Close\r\n\r\n"
        let expected = SimpleRequestHead(
            isHead: false, name: "tech.xml", ifNoneMatch: "\"abc\", \"def\"", ifModifiedSince: "Wed, 02 Dec 2026 10:00:00 GMT",
            acceptEncoding: "gzip, br", closesConnection: true)
        #expect(Self.parse(head) == .request(expected, length: head.utf8.count))
        // What follows the head (a pipelined request) is not part of it.
        #expect(Self.parse(head + "GET / HTTP/1.1\r\n") == .request(expected, length: head.utf8.count))
    }

    @Test func rootIsTheIndexAndHeadIsNoted() throws {
        guard case .request(let request, _) = Self.parse("HEAD / HTTP/1.1\r\n\r\n") else {
            Issue.record("HEAD / was not read")
            return
        }
        #expect(request.isHead)
        #expect(request.name == "")
        #expect(request.documentName == "index.html")
        #expect(!request.closesConnection)
    }

    @Test func anIncompleteHeadWaitsForMoreBytes() {
        let head = "GET /a.xml HTTP/1.1\r\nHost: x\r\n\r\n"
        for end in 0..<(head.utf8.count - 1) {
            let prefix = String(decoding: Array(head.utf8)[..<end], as: UTF8.self)
            #expect(Self.parse(prefix) == .incomplete, "\(prefix.debugDescription)")
        }
        // Past the size limit without an end, it is for the full parser (which answers 431).
        #expect(Self.parse("GET /a.xml HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 200), maxBytes: 100) == .other)
    }

    @Test(arguments: [
        "POST /a.xml HTTP/1.1\r\n\r\n",  // other methods
        "get /a.xml HTTP/1.1\r\n\r\n",
        "GET /a.xml HTTP/1.0\r\n\r\n",  // other versions (keep-alive rules differ)
        "GET /a.xml HTTP/2.0\r\n\r\n",
        "GET http://example.org/a.xml HTTP/1.1\r\n\r\n",  // absolute form
        "GET * HTTP/1.1\r\n\r\n",
        "GET /%61.xml HTTP/1.1\r\n\r\n",  // escapes are the router's to decode
        "GET /dir/a.xml HTTP/1.1\r\n\r\n",  // more than one segment
        "GET /../a.xml HTTP/1.1\r\n\r\n",
        "GET /a.xml  HTTP/1.1\r\n\r\n",  // two spaces
        "GET /a\u{7F}.xml HTTP/1.1\r\n\r\n",  // control byte in the target
        "GET /é.xml HTTP/1.1\r\n\r\n",  // non-ASCII target
        "GET /a.xml HTTP/1.1\nHost: x\r\n\r\n",  // bare LF
        "GET /a.xml HTTP/1.1\r\nHost: x\n\r\n\r\n",
        "GET /a.xml HTTP/1.1\r\nHost: x\rY\r\n\r\n",  // bare CR
        "GET /a.xml HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  // obs-fold
        "GET /a.xml HTTP/1.1\r\nHost : x\r\n\r\n",  // space before the colon
        "GET /a.xml HTTP/1.1\r\n: x\r\n\r\n",  // empty name
        "GET /a.xml HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET /a.xml HTTP/1.1\r\nX-Name: caf\u{E9}\r\n\r\n",  // non-ASCII value
        "GET /a.xml HTTP/1.1\r\nX-Name: a\u{0}b\r\n\r\n",  // NUL in a value
        "GET /a.xml HTTP/1.1\r\nContent-Length: 0\r\n\r\n",  // a body, however empty
        "GET /a.xml HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /a.xml HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /a.xml HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET /a.xml HTTP/1.1\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n",  // repeated field it reads
    ])
    func anythingElseIsForTheFullParser(head: String) {
        #expect(Self.parse(head) == .other, "\(head.debugDescription)")
    }

    /// A field over the server's field limit goes to the full parser, which answers 431.
    @Test func aFieldOverTheLimitIsForTheFullParser() {
        let field = "Cookie: " + String(repeating: "c", count: 100)
        #expect(Self.parse("GET /a.xml HTTP/1.1\r\n\(field)\r\n\r\n", maxFieldBytes: 100) == .other)
        if case .request = Self.parse("GET /a.xml HTTP/1.1\r\n\(field)\r\n\r\n", maxFieldBytes: 108) {
        } else {
            Issue.record("a field at the limit should be read")
        }
    }

    /// Resuming the search where an earlier call stopped (any prefix without the end) finds the same
    /// end, also when the CRLF CRLF straddles the two reads.
    @Test func theSearchResumesWhereItStopped() {
        let head = "GET /a.xml HTTP/1.1\r\nHost: x\r\n\r\n"
        let whole = Self.parse(head)
        for scanned in 0..<head.utf8.count {
            #expect(Self.parse(head, scanned: scanned) == whole, "scanned \(scanned)")
        }
    }

    @Test func aHeadWithTooManyFieldsIsForTheFullParser() {
        let fields = String(repeating: "X-A: b\r\n", count: 101)
        #expect(Self.parse("GET /a.xml HTTP/1.1\r\n" + fields + "\r\n") == .other)
        if case .request = Self.parse("GET /a.xml HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 100) + "\r\n") {
        } else {
            Issue.record("100 fields should still be read")
        }
    }

    /// Random heads assembled from valid and invalid pieces: the reader never crashes or reads past
    /// the head, and whatever it accepts has the name and validators that were put in.
    @Test func randomHeadsAreReadOrPassedOn() {
        var random = SplitMix64(seed: 7)
        let names = ["a.xml", "tech.atom", "", "x.json?y=/%", "b%20c.xml", "d/e.xml"]
        let fields = ["Host: x", "If-None-Match: \"e\"", "Accept-Encoding: gzip", "X-Bad:\u{1}", " fold", "Content-Length: 3", "Connection: close"]
        for _ in 0..<2000 {
            let name = names[Int(random.next() % UInt64(names.count))]
            var head = (random.next() % 2 == 0 ? "GET /" : "HEAD /") + name + " HTTP/1.1\r\n"
            var chosen: [String] = []
            for _ in 0..<(random.next() % 4) {
                let field = fields[Int(random.next() % UInt64(fields.count))]
                chosen.append(field)
                head += field + "\r\n"
            }
            head += "\r\n"
            let bytes = Array(head.utf8)
            let cut = Int(random.next() % UInt64(bytes.count + 1))
            let parse = bytes[..<cut].withUnsafeBytes { SimpleRequestHead.parse($0, limits: .init(maxHeadBytes: 8192, maxFieldBytes: 1024)) }
            let path = name.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let bad = path.contains("%") || path.contains("/") || chosen.contains { $0.hasPrefix(" ") || $0.contains("\u{1}") || $0.hasPrefix("Content-Length") }
                || chosen.filter({ $0.hasPrefix("If-None-Match") }).count > 1 || chosen.filter({ $0.hasPrefix("Accept-Encoding") }).count > 1
            switch parse {
            case .request(let request, let length):
                #expect(cut == bytes.count && length == bytes.count, "\(head.debugDescription) cut at \(cut)")
                #expect(!bad, "\(head.debugDescription) was read")
                #expect(request.name == path)
                #expect((request.ifNoneMatch != nil) == chosen.contains("If-None-Match: \"e\""))
                #expect(request.closesConnection == chosen.contains("Connection: close"))
            case .incomplete:
                #expect(cut < bytes.count, "\(head.debugDescription) whole, yet incomplete")
            case .other:
                #expect(bad && cut == bytes.count, "\(head.debugDescription) cut at \(cut) passed on")
            }
        }
    }
}
