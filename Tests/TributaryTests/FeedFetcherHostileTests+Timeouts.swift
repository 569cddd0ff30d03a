import FeedFetch
import Foundation
import Testing
import TributaryTestSupport

/// Timeouts that need a clock: the total budget across redirects and against a steady trickle,
/// connect timeouts (N6), and one slow host that must not hold up the others (N4, K).
extension FeedFetcherHostileTests {
    @Test func totalTimeoutCoversTheWholeRedirectChain() async throws {
        let server = try Self.server()
        defer { server.stop() }
        // Each hop takes 1.2 s, under the 2 s budget alone; the chain of three does not fit.
        var settings = Self.settings
        settings.totalTimeout = .seconds(2)
        settings.lowSpeedBytesPerSecond = 0
        let start = ContinuousClock.now
        let (result, end) = await Self.fetch(server.baseURL + "/slow-redirect-1", on: FeedFetcher(settings: settings))
        guard case .failure(let error) = result else {
            Issue.record("the chain finished after \(end - start) despite a 2 s total timeout")
            return
        }
        #expect(error.code == .timeout)
        #expect(server.requestCount("/feed.xml") == 0)
    }

    @Test func steadyTrickleAboveTheLowSpeedLimitHitsTheTotalTimeout() async throws {
        let server = try Self.server()
        defer { server.stop() }
        var settings = Self.settings
        settings.totalTimeout = .seconds(3)
        let race = await Self.race("/steady-trickle.xml", on: server, settings: settings)
        #expect(race.error?.code == .timeout)
        #expect(race.hostileTime >= .seconds(2.5) && race.hostileTime < .seconds(120), "took \(race.hostileTime)")
        Self.expectNormalFeedUnaffected(race, mustFinishFirst: true)
    }

    @Test func N6_connectToBlackholeTimesOut() async throws {
        let blackhole = try BlackholePort()
        let server = try Self.server()
        defer { server.stop() }
        var settings = Self.settings
        settings.connectTimeout = .seconds(1)
        let fetcher = FeedFetcher(settings: settings)
        let start = ContinuousClock.now
        async let hostile = Self.fetch(blackhole.baseURL + "/feed.xml", on: fetcher)
        let (normal, normalEnd) = await Self.fetch(server.baseURL + "/feed.xml", on: fetcher)
        let (result, end) = await hostile
        #expect(throws: FetchError.self) { try result.get() }
        #expect((try? result.get()) == nil)
        if case .failure(let error) = result { #expect(error.code == .timeout, "got \(error.code): \(error)") }
        #expect(end - start >= .seconds(0.9) && end - start < .seconds(120), "took \(end - start)")
        #expect((try? normal.get().status) == 200)
        #expect(normalEnd < end)
    }

    /// Five slow feeds on one host fill its four slots; a feed on another host is not held up.
    @Test func N4_slowHostDoesNotDelayOtherHosts() async throws {
        let slowHost = try Self.server()
        let otherHost = try RawHTTPServer(
            host: "127.0.0.2",
            routes: ["/feed.xml": RawHTTPServer.response(headers: [Self.rssType], body: Array(Self.feedText.utf8))])
        defer {
            slowHost.stop()
            otherHost.stop()
        }
        var settings = Self.settings
        settings.lowSpeedTime = .seconds(3)  // Slow transfers end only after 3 s without progress.
        let fetcher = FeedFetcher(settings: settings)
        try await withThrowingTaskGroup(of: ContinuousClock.Instant.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    let (result, end) = await Self.fetch(slowHost.baseURL + "/slowloris.xml", on: fetcher)
                    #expect((try? result.get()) == nil)
                    return end
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)  // Generous: CI runs suites in parallel on 2 cores.
            while slowHost.requestCount("/slowloris.xml") < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(slowHost.requestCount("/slowloris.xml") == 4)  // The fifth waits for a slot of its host.
            let (normal, end) = await Self.fetch(otherHost.baseURL + "/feed.xml", on: fetcher)
            #expect((try? normal.get().body) == Array(Self.feedText.utf8))
            // Ordering, not speed: the other host's feed is done while every slow transfer is still stalled.
            var slowEnds: [ContinuousClock.Instant] = []
            for try await slowEnd in group { slowEnds.append(slowEnd) }
            #expect(slowEnds.allSatisfy { end < $0 }, "the other host's feed finished after a slow transfer ended")
        }
    }

    /// The test server itself: `stop()` cuts a 70-second drip short, joins its threads and returns promptly.
    @Test func rawServerStopsPromptlyMidScript() async throws {
        let server = try Self.server()
        async let dripped = Self.fetch(server.baseURL + "/slowloris.xml", on: FeedFetcher(settings: Self.settings))
        #expect(await server.waitForRequest("/slowloris.xml"))
        let start = ContinuousClock.now
        server.stop()
        #expect(ContinuousClock.now - start < .seconds(5))
        let (result, _) = await dripped
        #expect((try? result.get()) == nil)  // The client saw the connection end early.
        server.stop()  // Idempotent.
    }
}
