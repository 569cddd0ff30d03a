import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Synchronization
import Testing
import TributaryServer
import TributaryTestSupport

/// The server's header limits over real sockets, and its metrics.
@Suite struct ServerHardeningTests {
    static func application(limits: ServerLimits, registry: PrometheusCollectorRegistry? = nil) throws -> (some ApplicationProtocol, TemporaryDirectory) {
        let (app, _, directory) = try ServedDocuments.application(
            ["news.xml": "<rss version=\"2.0\"><channel><title>x</title></channel></rss>"], limits: limits, registry: registry)
        return (app, directory)
    }

    @Test func oversizedHeadersAreRefusedAndTheServerCarriesOn() async throws {
        let (app2, directory2) = try Self.application(limits: ServerLimits())
        defer { directory2.remove() }
        try await app2.test(.live) { client in
            let port = try #require(client.port)
            let big = try RawClient(port: port)
            big.send("GET /news.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n")
            let answer = big.read(timeout: .seconds(60))  // Generous: suites run in parallel on 2 cores.
            #expect(answer.closed || answer.data.contains(" 431 ") || answer.data.contains(" 400 "))
            #expect(!answer.data.contains("200 OK"))
            // The server is still fine.
            try await client.execute(uri: "/news.xml", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    /// Drips `pieces` one every 200 ms until the server closes; the seconds that took, or nil when
    /// it was still open after 30 s.
    static func secondsUntilClosed(port: Int, first: String, pieces: String) async throws -> Double? {
        try await offPool { () throws -> Double? in
            let raw = try RawClient(port: port)
            let start = ContinuousClock.now
            raw.send(first)
            for piece in pieces.map(String.init) where ContinuousClock.now - start < .seconds(30) {
                if !raw.send(piece) || raw.read(timeout: .milliseconds(200)).closed {
                    let elapsed = ContinuousClock.now - start
                    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                }
            }
            return nil
        }
    }

    /// H4: a client dripping its request head, or its body, is cut off by the request deadline (1 s
    /// here) long before the idle timeout (120 s here); a normal client is served meanwhile.
    @Test func H4_slowDripClientsAreCutOffByTheRequestDeadline() async throws {
        var limits = ServerLimits()
        limits.requestTimeout = .seconds(1)
        limits.idleTimeout = .seconds(120)
        let (app, directory) = try Self.application(limits: limits)
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let headers = String(repeating: "X-Drip: a\r\n", count: 200)
            async let head = Self.secondsUntilClosed(port: port, first: "GET /news.xml HTTP/1.1\r\n", pieces: headers)
            async let body = Self.secondsUntilClosed(
                port: port, first: "POST /news.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
                pieces: String(repeating: "b", count: 5000))
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
            let (headSeconds, bodySeconds) = try await (head, body)
            #expect(headSeconds != nil, "a client dripping its request head kept its connection for 30 s")
            #expect(bodySeconds != nil, "a client dripping its request body kept its connection for 30 s")
        }
    }

    /// H4: the start of a request sent in the same packet as a request the fast path answers is held
    /// to the request deadline too (the answer's write must not stop its clock).
    @Test func H4_aHeadDrippedAfterAnAnsweredRequestIsCutOff() async throws {
        var limits = ServerLimits()
        limits.requestTimeout = .seconds(1)
        limits.idleTimeout = .seconds(120)
        let (app, directory) = try Self.application(limits: limits)
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answer = try await offPool { () throws -> (data: String, closed: Bool) in
                let raw = try RawClient(port: port)
                raw.send("GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\nGET /news.xml HTTP/1.1\r\nX-Slow: ")
                return raw.read(timeout: .seconds(30))
            }
            #expect(answer.data.hasPrefix("HTTP/1.1 200"), "the complete request was not answered")
            #expect(answer.closed, "the unfinished request kept its connection for 30 s")
        }
    }

    /// A slow reader of an answer larger than the socket buffers keeps its connection while it keeps
    /// taking bytes, though that takes longer than the idle timeout and the request deadline.
    @Test func aSlowReaderOfALargeAnswerIsNotCutOff() async throws {
        var limits = ServerLimits()
        limits.idleTimeout = .seconds(1)
        limits.requestTimeout = .seconds(1)
        let body = ServedDocuments.largeFeed
        let (app, _, directory) = try ServedDocuments.application(["big.xml": body], limits: limits)
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (received, seconds) = try await offPool { () throws -> (Int, Double) in
                let raw = try RawClient(port: port, receiveBufferBytes: 16 * 1024)
                raw.send("GET /big.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let start = ContinuousClock.now
                var total = 0
                while ContinuousClock.now - start < .seconds(60) {
                    let piece = raw.readSome(64 * 1024, timeout: .seconds(5))
                    if piece.isEmpty { break }
                    total += piece.count
                    Thread.sleep(forTimeInterval: 0.01)  // About 3 MB/s at most.
                }
                let elapsed = ContinuousClock.now - start
                return (total, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            #expect(seconds > 2, "the answer took \(seconds) s, not longer than the timeouts; the test proves nothing")
            #expect(received > body.utf8.count, "the connection was cut after \(received) of \(body.utf8.count) body bytes")
        }
    }

    /// Graceful shutdown lets a fast-path answer under way finish: a client still reading a large
    /// answer when the server is told to stop gets all of it, then the connection closes.
    @Test func shutdownFinishesAnswersUnderWay() async throws {
        let body = ServedDocuments.largeFeed
        let (app, _, directory) = try ServedDocuments.application(["big.xml": body])
        defer { directory.remove() }
        let reader = Mutex<Task<(received: Int, closed: Bool), any Error>?>(nil)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let raw = try RawClient(port: port, receiveBufferBytes: 16 * 1024)
            raw.send("GET /big.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            // Reads slowly, from before the shutdown until after it began.
            reader.withLock {
                $0 = Task.detached {
                    try await offPool { () -> (received: Int, closed: Bool) in
                        Thread.sleep(forTimeInterval: 0.5)
                        var total = 0
                        let start = ContinuousClock.now
                        while ContinuousClock.now - start < .seconds(30) {
                            let piece = raw.readSome(64 * 1024, timeout: .seconds(10))
                            if piece.isEmpty { return (total, true) }
                            total += piece.count
                            Thread.sleep(forTimeInterval: 0.005)
                        }
                        return (total, false)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }  // Leaving the closure shuts the server down gracefully.
        let result = try await #require(reader.withLock { $0 }).value
        #expect(result.received > body.utf8.count, "the answer was cut after \(result.received) of \(body.utf8.count) body bytes")
        #expect(result.closed, "the connection stayed open after the shutdown")
    }

    /// Idle keep-alive connections close after the idle timeout; a connection that keeps asking
    /// (answered by the fast path, which Hummingbird's own idle handler never sees) stays open.
    @Test func idleConnectionsCloseAndBusyOnesStayOpen() async throws {
        var limits = ServerLimits()
        limits.idleTimeout = .seconds(1)
        let (app, directory) = try Self.application(limits: limits)
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (idleSeconds, busyAnswers) = try await offPool { () throws -> (Double?, Int) in
                let idle = try RawClient(port: port)
                let busy = try RawClient(port: port)
                idle.send("GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = idle.read(until: "</rss>", timeout: .seconds(30))
                let start = ContinuousClock.now
                var answers = 0
                while ContinuousClock.now - start < .seconds(3) {  // Three idle timeouts of asking.
                    busy.send("GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n")
                    let answer = busy.read(until: "</rss>", timeout: .seconds(30))
                    if answer.closed || !answer.data.hasPrefix("HTTP/1.1 200") { break }
                    answers += 1
                    Thread.sleep(forTimeInterval: 0.3)
                }
                let closed = idle.read(timeout: .seconds(30)).closed
                let elapsed = ContinuousClock.now - start
                return (closed ? Double(elapsed.components.seconds) : nil, answers)
            }
            #expect(idleSeconds != nil, "an idle connection was still open 30 s after its idle timeout")
            #expect(busyAnswers >= 8, "a busy connection was closed after \(busyAnswers) answers")
        }
    }

    /// H4: connections beyond the cap get a 503 and are closed; once others close, new ones are served.
    @Test func H4_connectionsBeyondTheCapAreRefusedUntilOthersClose() async throws {
        var limits = ServerLimits()
        limits.maxConnections = 4
        let (app, directory) = try Self.application(limits: limits)
        defer { directory.remove() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (refused, served) = try await offPool { () throws -> ((data: String, closed: Bool), Bool) in
                // Each of the four is served once (so it is surely counted; accepted connections are
                // activated on several event loops, in no fixed order), then kept open, idle.
                var idle: [RawClient] = []
                for _ in 0..<4 {
                    let client = try RawClient(port: port)
                    client.send("GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = client.read(until: "</rss>", timeout: .seconds(30))
                    idle.append(client)
                }
                let extra = try RawClient(port: port)
                extra.send("GET /news.xml HTTP/1.1\r\nHost: x\r\n\r\n")
                let refused = extra.read(timeout: .seconds(30))
                idle.removeAll()  // Closes the four idle connections.
                for _ in 0..<300 {  // The server notices the closes asynchronously; at most 30 s.
                    let next = try RawClient(port: port)
                    next.send("GET /news.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if next.read(timeout: .seconds(10)).data.hasPrefix("HTTP/1.1 200") { return (refused, true) }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return (refused, false)
            }
            #expect(refused.data.hasPrefix("HTTP/1.1 503"), "\(refused.data.prefix(80))")
            #expect(!refused.data.contains("200 OK"), "the refused connection's request was answered too")
            #expect(refused.closed)
            #expect(served, "no request was served after the idle connections closed")
        }
    }

    /// Counted alike by the router (404, /metrics) and by the pipeline's fast path (the live 200).
    @Test(arguments: [false, true]) func metricsCountRequestsByRouteAndStatus(live: Bool) async throws {
        let registry = PrometheusCollectorRegistry()
        let (app, directory) = try Self.application(limits: ServerLimits(), registry: registry)
        defer { directory.remove() }
        try await app.test(live ? .live : .router) { client in
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/nope.xml", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("tributary_http_requests_total{route=\"rss\",status=\"200\"} 1"))
                #expect(text.contains("tributary_http_requests_total{route=\"rss\",status=\"404\"} 1"))
            }
        }
    }
}
