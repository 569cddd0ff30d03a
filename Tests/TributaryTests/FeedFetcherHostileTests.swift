import FeedFetch
import Foundation
import Testing
import TributaryTestSupport

/// Real libcurl over loopback against `RawHTTPServer` scripts that need byte-level control:
/// compressed, endless, dripped, truncated and mislabelled bodies (BAD-INPUTS N1–N5, N13, N22, X6).
///
/// The limits are small so the suite stays fast: 1 MB body, 2 s below 1,000 B/s, 8 s in total.
/// Where a case hits a limit, a normal feed fetched on the same `FeedFetcher` at the same time
/// must succeed, and must not wait for the hostile transfer (K).
@Suite struct FeedFetcherHostileTests {
    static let feedText = "<rss version=\"2.0\"><channel><title>Normal</title></channel></rss>"
    static let rssType = ("Content-Type", "application/rss+xml; charset=utf-8")
    static let settings = FetchSettings(
        connectTimeout: .seconds(2), totalTimeout: .seconds(8), lowSpeedBytesPerSecond: 1000,
        lowSpeedTime: .seconds(2), maxBodyBytes: 1_000_000)
    /// About 12 MB of zeros in about 78 KB of gzip: twelve times the body limit.
    static let gzipBomb = EncodedBodies.gzipBomb(decodedBytes: 12_000_000)
    /// "Café “quoted” €" in windows-1252.
    static let windows1252Bytes: [UInt8] =
        Array("<rss version=\"2.0\"><channel><title>Caf".utf8) + [0xE9, 0x20, 0x93]
        + Array("quoted".utf8) + [0x94, 0x20, 0x80] + Array("</title></channel></rss>".utf8)

    static func server() throws -> RawHTTPServer {
        let feed = Array(feedText.utf8)
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
        return try RawHTTPServer(routes: [
            "/feed.xml": RawHTTPServer.response(headers: [rssType], body: feed),
            "/gzip.xml": RawHTTPServer.response(
                headers: [rssType, ("Content-Encoding", "gzip")], body: EncodedBodies.gzip(feed)),
            "/brotli.xml": RawHTTPServer.response(
                headers: [rssType, ("Content-Encoding", "br")], body: EncodedBodies.brotli(feed)),
            "/huge.xml": [
                .write(RawHTTPServer.head(200, [rssType, ("Transfer-Encoding", "chunked")])),
                .repeatUntilClosed(RawHTTPServer.chunk(filler), maxBytes: 200_000_000),
            ],
            "/huge-declared.xml": [
                .write(RawHTTPServer.head(200, [rssType, ("Content-Length", "50000000")])), .sleep(.seconds(5)),
            ],
            "/gzip-bomb.xml": RawHTTPServer.response(
                headers: [rssType, ("Content-Encoding", "gzip")], body: gzipBomb.bytes),
            "/slowloris.xml": [
                .write(RawHTTPServer.head(200, [rssType, ("Content-Length", String(feed.count))])),
                .drip(feed, every: .seconds(1)),
            ],
            "/slowloris-headers.xml": [
                .drip(RawHTTPServer.response(headers: [rssType], body: feed).bytes, every: .seconds(1))
            ],
            "/truncated-body.xml": [.write(RawHTTPServer.head(200, [rssType, ("Content-Length", "1000")]) + feed)],
            "/compress.xml": RawHTTPServer.response(
                headers: [rssType, ("Content-Encoding", "compress")], body: [0x1F, 0x9D, 0x90] + Array(feed.prefix(40))),
            "/wrong-charset.xml": RawHTTPServer.response(headers: [rssType], body: windows1252Bytes),
            "/bad-gzip.xml": RawHTTPServer.response(
                headers: [rssType, ("Content-Encoding", "gzip")],
                body: [0x1F, 0x8B, 8, 0] + Array(repeating: 0xFF, count: 64)),
            "/endless-headers.xml": [
                .write(Array("HTTP/1.1 200 OK\r\n".utf8)),
                .repeatUntilClosed(
                    Array(("X-Filler: " + String(repeating: "a", count: 1000) + "\r\n").utf8), maxBytes: 100_000_000),
            ],
            // 3,000 B/s, above the low-speed limit, for 10 s: only the total timeout ends it.
            "/steady-trickle.xml": [.write(RawHTTPServer.head(200, [rssType, ("Content-Length", "900000")]))]
                + Array(
                    repeating: [.write(Array(repeating: UInt8(ascii: "x"), count: 300)), .sleep(.milliseconds(100))],
                    count: 100
                )
                .flatMap { $0 },
            "/slow-redirect-1": slowRedirect(to: "/slow-redirect-2"),
            "/slow-redirect-2": slowRedirect(to: "/slow-redirect-3"),
            "/slow-redirect-3": slowRedirect(to: "/feed.xml"),
        ])
    }

    /// A 302 that takes 1.2 s to start.
    static func slowRedirect(to location: String) -> [RawHTTPServer.Step] {
        [
            .sleep(.milliseconds(1200)),
            .write(RawHTTPServer.head(302, [("Location", location), ("Content-Length", "0")])),
        ]
    }

    /// What happened to a hostile fetch and to a normal one started once the server saw the hostile request.
    struct Race {
        var hostile: Result<FetchResponse, FetchError>
        var hostileTime: Duration
        var normal: Result<FetchResponse, FetchError>
        var normalTime: Duration
        var normalFinishedFirst: Bool
        var error: FetchError? { if case .failure(let error) = hostile { error } else { nil } }
    }

    static func fetch(_ url: String, on fetcher: FeedFetcher) async -> (
        Result<FetchResponse, FetchError>, ContinuousClock.Instant
    ) {
        do {
            let response = try await fetcher.fetch(FetchRequest(url: url))
            return (.success(response), .now)
        } catch {
            return (.failure(error), .now)
        }
    }

    static func race(_ path: String, on server: RawHTTPServer, settings: FetchSettings = settings) async -> Race {
        let fetcher = FeedFetcher(settings: settings)
        let start = ContinuousClock.now
        async let hostile = fetch(server.baseURL + path, on: fetcher)
        _ = await server.waitForRequest(path)
        let normalStart = ContinuousClock.now
        let (normal, normalEnd) = await fetch(server.baseURL + "/feed.xml", on: fetcher)
        let (result, hostileEnd) = await hostile
        return Race(
            hostile: result, hostileTime: hostileEnd - start, normal: normal, normalTime: normalEnd - normalStart,
            normalFinishedFirst: normalEnd <= hostileEnd)
    }

    static func expectNormalFeedUnaffected(_ race: Race, mustFinishFirst: Bool) {
        let body = try? race.normal.get().body
        #expect(body == Array(feedText.utf8), "the normal feed fetched alongside failed: \(race.normal)")
        if mustFinishFirst { #expect(race.normalFinishedFirst, "the normal feed waited for the hostile one") }
    }

    @Test func gzipBodyIsDecoded() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let (result, _) = await Self.fetch(server.baseURL + "/gzip.xml", on: FeedFetcher(settings: Self.settings))
        let response = try result.get()
        #expect(String(decoding: response.body, as: UTF8.self) == Self.feedText)
        let head = try #require(server.lastRequestHead("/gzip.xml")).lowercased()
        #expect(head.contains("accept-encoding:") && head.contains("gzip") && head.contains("br"))
    }

    /// A real brotli stream, though one made of an uncompressed meta-block (no brotli encoder here).
    @Test func brotliBodyIsDecoded() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let (result, _) = await Self.fetch(server.baseURL + "/brotli.xml", on: FeedFetcher(settings: Self.settings))
        #expect(String(decoding: try result.get().body, as: UTF8.self) == Self.feedText)
    }

    @Test func N1_hugeBodyWithoutContentLengthStopsAtCap() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/huge.xml", on: server)
        #expect(race.error?.code == .tooLarge)
        #expect(race.error?.message.contains("1000000 bytes") == true)
        #expect(race.hostileTime < .seconds(120))
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    @Test func N2_declaredContentLengthOverCapIsRefusedBeforeTheBody() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/huge-declared.xml", on: server)
        #expect(race.error?.code == .tooLarge)
        // The server sends no body and waits 5 s: refusing on the header alone is fast.
        #expect(race.hostileTime < .seconds(120))
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    @Test func N3_gzipBombStopsAtDecodedCap() async throws {
        let server = try Self.server()
        defer { server.stop() }
        #expect(Self.gzipBomb.bytes.count < 100_000 && Self.gzipBomb.decodedCount > 10 * Self.settings.maxBodyBytes)
        let race = await Self.race("/gzip-bomb.xml", on: server)
        #expect(race.error?.code == .tooLarge)
        #expect(race.hostileTime < .seconds(120))
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    /// The bomb is a complete, valid gzip stream (CRC and length checked by zlib) under a larger limit.
    @Test func gzipBombInflatesFullyUnderALargerLimit() async throws {
        let server = try Self.server()
        defer { server.stop() }
        var settings = Self.settings
        settings.maxBodyBytes = 20_000_000
        let (result, _) = await Self.fetch(server.baseURL + "/gzip-bomb.xml", on: FeedFetcher(settings: settings))
        let body = try result.get().body
        #expect(body.count == Self.gzipBomb.decodedCount)
        #expect(!body.contains { $0 != 0 })
    }

    @Test func N4_slowDripTimesOut() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/slowloris.xml", on: server)
        #expect(race.error?.code == .timeout)
        #expect(race.hostileTime >= .seconds(1.5) && race.hostileTime < .seconds(120), "took \(race.hostileTime)")
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: true)
    }

    @Test func N5_slowHeadersTimeOut() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/slowloris-headers.xml", on: server)
        #expect(race.error?.code == .timeout)
        #expect(race.hostileTime >= .seconds(1.5) && race.hostileTime < .seconds(120), "took \(race.hostileTime)")
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: true)
    }

    @Test func N13_truncatedBodyIsPartial() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/truncated-body.xml", on: server)
        #expect(race.error?.code == .partial)
        #expect(race.error?.httpStatus == 200)
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    @Test func N22_unsupportedContentEncoding() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/compress.xml", on: server)
        #expect(race.error?.code == .badEncoding, "got \(String(describing: race.hostile))")
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    @Test func corruptGzipIsABadEncoding() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/bad-gzip.xml", on: server)
        #expect(race.error?.code == .badEncoding, "got \(String(describing: race.hostile))")
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    /// Headers without end, too fast for the low-speed rule: the fetcher's header limit ends them.
    @Test func endlessHeadersAreCut() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let race = await Self.race("/endless-headers.xml", on: server)
        #expect(race.error?.code == .tooLarge, "got \(String(describing: race.hostile))")
        #expect(race.hostileTime < .seconds(120))
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: false)
    }

    /// The fetcher does not judge charsets: it hands the bytes and the declared charset to the parser (X6).
    @Test func X6_wrongCharsetIsHandedOverAsDeclared() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let (result, _) = await Self.fetch(
            server.baseURL + "/wrong-charset.xml", on: FeedFetcher(settings: Self.settings))
        let response = try result.get()
        #expect(response.charset == "utf-8")
        #expect(response.body == Self.windows1252Bytes)
    }

    /// The per-host limit counts host and port: with one connection per host, a transfer hanging on
    /// one port of 127.0.0.1 does not hold back a feed on another port (queued behind it, the feed
    /// would wait for the 120 s timeout).
    @Test func perHostLimitCountsHostAndPort() async throws {
        let hanging = try RawHTTPServer(routes: [
            "/hang.xml": [.write(RawHTTPServer.head(200, [Self.rssType, ("Content-Length", "5000")])), .sleep(.seconds(300))]
        ])
        let normal = try Self.server()
        defer {
            hanging.stop()
            normal.stop()
        }
        let fetcher = FeedFetcher(
            settings: FetchSettings(perHostConcurrency: 1, totalTimeout: .seconds(120), lowSpeedBytesPerSecond: 0))
        async let stuck = try? fetcher.fetch(FetchRequest(url: hanging.baseURL + "/hang.xml"))
        #expect(await hanging.waitForRequest("/hang.xml", timeout: .seconds(60)))
        let started = ContinuousClock.now
        let response = try await fetcher.fetch(FetchRequest(url: normal.baseURL + "/feed.xml"))
        let waited = ContinuousClock.now - started
        hanging.stop()
        _ = await stuck
        #expect(response.status == 200)
        #expect(waited < .seconds(60), "the feed on another port waited \(waited)")
    }
}

extension [RawHTTPServer.Step] {
    /// The bytes of a script made only of writes (to drip a whole response).
    var bytes: [UInt8] {
        flatMap { step -> [UInt8] in
            if case .write(let bytes) = step { bytes } else { [] }
        }
    }
}
