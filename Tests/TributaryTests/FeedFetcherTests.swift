import FeedFetch
import Foundation
import Hummingbird
import Testing
import TributaryTestSupport

/// Real libcurl against a real server on 127.0.0.1, one route per behaviour.
@Suite struct FeedFetcherTests {
    static let feedText = "<rss version=\"2.0\"><channel><title>T</title></channel></rss>"

    static func server() async throws -> FixtureServer {
        try await FixtureServer.start([
            "/feed.xml": FixtureServer.Reply.feed(feedText),
            "/loop": { _ in FixtureServer.Reply(status: .found, headers: [.location: "/loop2"]) },
            "/loop2": { _ in FixtureServer.Reply(status: .found, headers: [.location: "/loop"]) },
            "/moved": { _ in FixtureServer.Reply(status: .movedPermanently, headers: [.location: "/feed.xml"]) },
            "/to-file": { _ in FixtureServer.Reply(status: .found, headers: [.location: "file:///etc/passwd"]) },
            "/to-metadata": { _ in FixtureServer.Reply(status: .found, headers: [.location: "http://169.254.169.254/latest/meta-data/"]) },
            "/gone": { _ in FixtureServer.Reply(status: .gone) },
            "/busy": { _ in FixtureServer.Reply(status: .tooManyRequests, headers: [.retryAfter: "120"]) },
            "/huge": { _ in FixtureServer.Reply(body: Array(repeating: UInt8(ascii: "x"), count: 300_000)) },
            "/empty": { _ in FixtureServer.Reply(status: .ok, body: []) },
        ])
    }

    static func fetcher(maxBodyBytes: Int = 100_000, blocksPrivate: Bool = false) -> FeedFetcher {
        FeedFetcher(settings: FetchSettings(totalTimeout: .seconds(10), maxBodyBytes: maxBodyBytes, blocksPrivateAddresses: blocksPrivate))
    }

    static func error(_ url: String, fetcher: FeedFetcher = fetcher()) async -> FetchError? {
        do {
            _ = try await fetcher.fetch(FetchRequest(url: url))
            return nil
        } catch {
            return error
        }
    }

    /// Back-pressure: with concurrency 1, two responses kept by their callers hold both slots, so a
    /// third fetch does not start until one of them is let go (bodies wait for parsing instead of
    /// piling up); letting go of one starts it.
    @Test func responsesKeptByCallersHoldBackFurtherFetches() async throws {
        let server = try await Self.server()
        let fetcher = FeedFetcher(settings: FetchSettings(concurrency: 1, totalTimeout: .seconds(10), maxHeldResponses: 2))
        var first: FetchResponse? = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml"))
        let second = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml"))
        let third = Task { try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml")).status }
        try await Task.sleep(for: .milliseconds(500))
        #expect(server.requestCount("/feed.xml") == 2, "a third transfer started while two responses were held")
        #expect(first?.status == 200)
        first = nil
        #expect(try await third.value == 200)
        #expect(server.requestCount("/feed.xml") == 3)
        #expect(second.status == 200)
        await server.stop()
    }

    /// Back-pressure on memory: once the bodies held reach `maxHeldBytes` (at least two of the largest
    /// bodies), no transfer starts, however many slots are free; letting go of one starts the next.
    @Test func heldBodiesPastTheByteBudgetHoldBackFurtherFetches() async throws {
        let server = try await Self.server()
        let size = Self.feedText.utf8.count
        let fetcher = FeedFetcher(
            settings: FetchSettings(concurrency: 8, totalTimeout: .seconds(10), maxBodyBytes: size, maxHeldBytes: size))
        var first: FetchResponse? = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml"))
        #expect(first?.body.count == size)
        let second = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml"))  // one held: room left
        let third = Task { try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml")).status }
        try await Task.sleep(for: .milliseconds(500))
        #expect(server.requestCount("/feed.xml") == 2, "a transfer started while the held bodies filled the budget")
        first = nil
        #expect(try await third.value == 200)
        #expect(server.requestCount("/feed.xml") == 3)
        #expect(second.status == 200)
        await server.stop()
    }

    @Test func N14_conditionalGetReturns304WithTheStoredETag() async throws {
        let server = try await Self.server()
        let fetcher = Self.fetcher()
        let first = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml"))
        #expect(first.status == 200)
        #expect(String(decoding: first.body, as: UTF8.self) == Self.feedText)
        #expect(first.charset == "utf-8")
        let etag = try #require(first.etag)
        let second = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml", etag: etag))
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        await server.stop()
    }

    @Test func N9_redirectsAreCheckedHopByHop() async throws {
        let server = try await Self.server()
        #expect(await Self.error(server.baseURL + "/loop")?.code == .tooManyRedirects)
        #expect(await Self.error(server.baseURL + "/to-file")?.code == .blockedScheme)
        #expect(await Self.error(server.baseURL + "/to-metadata")?.code == .blockedAddress)
        let moved = try await Self.fetcher().fetch(FetchRequest(url: server.baseURL + "/moved"))
        #expect(moved.status == 200)
        #expect(moved.permanentRedirect == server.baseURL + "/feed.xml")
        await server.stop()
    }

    @Test func statusesAndLimits() async throws {
        let server = try await Self.server()
        let fetcher = Self.fetcher()
        #expect(try await fetcher.fetch(FetchRequest(url: server.baseURL + "/gone")).status == 410)
        let busy = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/busy"))
        #expect(busy.status == 429)
        #expect(busy.retryAfterSeconds == 120)
        #expect(await Self.error(server.baseURL + "/huge")?.code == .tooLarge)
        #expect(await Self.error(server.baseURL + "/empty")?.code == .emptyBody)
        // The limits of one fetch do not affect the others on the same fetcher.
        #expect(try await fetcher.fetch(FetchRequest(url: server.baseURL + "/feed.xml")).status == 200)
        await server.stop()
    }

    @Test func privateAddressesAreRefusedAtConnectTimeWhenConfigured() async throws {
        let server = try await Self.server()
        let error = await Self.error(server.baseURL + "/feed.xml", fetcher: Self.fetcher(blocksPrivate: true))
        #expect(error?.code == .blockedAddress)
        #expect(server.requestCount("/feed.xml") == 0)
        await server.stop()
    }

    @Test func addressPolicy() {
        #expect(AddressPolicy.isRefused(.init(0xA9FE_A9FE), blocksPrivate: false))  // 169.254.169.254
        #expect(!AddressPolicy.isRefused(.init(0x7F00_0001), blocksPrivate: false))
        #expect(AddressPolicy.isRefused(.init(0x7F00_0001), blocksPrivate: true))
        #expect(AddressPolicy.isRefused(.init(0xC0A8_0101), blocksPrivate: true))
        #expect(!AddressPolicy.isRefused(.init(0x0808_0808), blocksPrivate: true))
        let mappedLoopback: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1]
        #expect(AddressPolicy.isRefused(.init(mappedLoopback), blocksPrivate: true))
        let linkLocal: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]
        #expect(AddressPolicy.isRefused(.init(linkLocal), blocksPrivate: false))
    }
}
