import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TributaryTestSupport

@testable import TributaryServer

/// The pipeline's fast path over real sockets: order with the router, hand-over, partial heads,
/// sendfile bodies and back-pressure.
@Suite struct DocumentFastPathTests {

    /// Status codes of the responses in `text`, in order.
    static func statuses(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
    }

    /// Pipelined requests are answered in the order sent: those before the first request the router
    /// must see by the fast path, that one and all after it by the router; `Connection: close`
    /// closes after its answer.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let (app, cache, directory) = try ServedDocuments.application(["news.xml": "<rss version=\"2.0\"><channel><title>pipelined</title></channel></rss>"])
        defer { directory.remove() }
        let etag = try #require(cache.document(named: "news.xml")?.etag)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let requests = [
                "GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n",
                "HEAD /news.xml HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /news.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n",
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",  // the router's: hand-over
                "GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n",  // the router's now
                "GET /nope.xml HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /news.xml?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ]
            let answer = try await offPool { () throws -> (data: String, closed: Bool) in
                let raw = try RawClient(port: port)
                raw.send(requests.joined())
                return raw.read(timeout: .seconds(30))
            }
            #expect(Self.statuses(answer.data) == ["200", "200", "304", "503", "200", "404", "200"], "\(answer.data)")
            let health = try #require(answer.data.range(of: "\"status\":\"stale\""))
            let feeds = answer.data.ranges(of: "<title>pipelined</title>")
            #expect(feeds.count == 3, "one body per GET, none for the HEAD and the 304")
            #expect(feeds.filter { $0.lowerBound < health.lowerBound }.count == 1, "answers out of order")
            #expect(answer.closed, "Connection: close did not close")
        }
    }

    /// Heads arriving a few bytes at a time, split anywhere, are answered once complete.
    @Test func headsSplitAcrossReadsAreAnswered() async throws {
        let (app, _, directory) = try ServedDocuments.application(["a.xml": "<rss version=\"2.0\"><channel><title>split</title></channel></rss>"])
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answer = try await offPool { () throws -> (data: String, closed: Bool) in
                let raw = try RawClient(port: port)
                let text = "GET /a.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /a.xml HTTP/1.1\r\nConnection: close\r\n\r\n"
                var rest = Substring(text)
                while !rest.isEmpty {
                    raw.send(String(rest.prefix(3)))
                    rest = rest.dropFirst(3)
                    Thread.sleep(forTimeInterval: 0.002)  // Separate segments, so the server reads pieces.
                }
                return raw.read(timeout: .seconds(30))
            }
            #expect(Self.statuses(answer.data) == ["200", "200"], "\(answer.data)")
            #expect(answer.data.ranges(of: "<title>split</title>").count == 2)
        }
    }

    /// A client that sends many requests before reading any answer is answered in full, in order,
    /// once it reads: the fast path pauses at the socket's high-water mark and resumes when it
    /// drains (bodies here are large enough to go by sendfile).
    @Test func aClientThatDoesNotReadIsAnsweredOnceItDoes() async throws {
        let body = "<rss version=\"2.0\"><channel><title>big</title>" + String(repeating: "<item><title>x</title></item>", count: 3000) + "</channel></rss>"
        let (app, cache, directory) = try ServedDocuments.application(["big.xml": body])
        defer { directory.remove() }
        #expect(cache.document(named: "big.xml")?.plainFile != nil, "the body is not sent by sendfile")
        let count = 100
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let received = try await offPool { () throws -> (data: String, closed: Bool) in
                let raw = try RawClient(port: port)
                let request = "GET /big.xml HTTP/1.1\r\nHost: x\r\n\r\n"
                raw.send(String(repeating: request, count: count - 1) + "GET /big.xml HTTP/1.1\r\nConnection: close\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.5)  // Let the server fill the socket and pause.
                return raw.read(timeout: .seconds(60))
            }
            #expect(received.closed)
            #expect(Self.statuses(received.data).count == count)
            #expect(Self.statuses(received.data).allSatisfy { $0 == "200" })
            #expect(received.data.ranges(of: "</channel></rss>").count == count, "a body was cut or lost")
            #expect(received.data.utf8.count > count * body.utf8.count)
        }
    }

    /// A client that sends its requests and closes its side (half-close, `nc -N`) gets every answer.
    @Test func aHalfClosedClientGetsEveryAnswer() async throws {
        let body = "<rss version=\"2.0\"><channel><title>half</title>" + String(repeating: "<item><title>x</title></item>", count: 3000) + "</channel></rss>"
        let (app, _, directory) = try ServedDocuments.application(["big.xml": body])
        defer { directory.remove() }
        let count = 50
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let received = try await offPool { () throws -> (data: String, closed: Bool) in
                let raw = try RawClient(port: port)
                raw.send(String(repeating: "GET /big.xml HTTP/1.1\r\nHost: x\r\n\r\n", count: count))
                raw.shutdownWrite()
                return raw.read(timeout: .seconds(60))
            }
            #expect(received.closed)
            #expect(Self.statuses(received.data).count == count)
            #expect(received.data.ranges(of: "</channel></rss>").count == count, "a body was cut or lost")
        }
    }

    /// Large plain and gzip bodies go by sendfile from the generation's file; both arrive whole, the
    /// gzip one when asked for, and a reload with other bytes serves the new ones.
    @Test func largeBodiesAreSentFromTheGenerationFile() async throws {
        var random = SplitMix64(seed: 3)
        // Hard to compress, so the gzip body is over the threshold too.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let text = (0..<150_000).map { _ in alphabet[Int(random.next() % 36)] }
        let body = "<rss version=\"2.0\"><channel><title>" + String(text) + "</title></channel></rss>"
        let (app, cache, directory) = try ServedDocuments.application(["large.xml": body])
        defer { directory.remove() }
        let document = try #require(cache.document(named: "large.xml"))
        #expect(document.plainFile != nil && document.gzipFile != nil, "not both bodies are in the file")
        let gzip = try #require(document.gzipBody)
        try await app.test(.live) { client in
            try await client.execute(uri: "/large.xml", method: .get) { response in
                #expect(String(buffer: response.body) == body)
            }
            try await client.execute(uri: "/large.xml", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.body == gzip)
            }
            let changed = body.replacingOccurrences(of: "<channel>", with: "<channel><link>https://example.org/</link>")
            try directory.write("large.xml", changed)
            cache.reload(from: directory.path)
            try await client.execute(uri: "/large.xml", method: .get) { response in
                #expect(String(buffer: response.body) == changed)
            }
        }
    }
}
