import Aggregator
import ArticleStore
import FeedFetch
import Foundation
import Logging
import Synchronization
import Testing
import TributaryConfig
import TributaryCore
@testable import TributaryServer
import TributaryTestSupport

/// N15–N20 through the `Aggregator`: what a status does to the source's state in the store, and that
/// the other sources of the run keep going.
extension CatalogNetworkTests {
    /// Mutable reply choice for a route across runs.
    final class Switch: Sendable {
        let isOn = Atomic<Bool>(false)
    }

    /// A workspace whose feeds.yaml lists `paths` on `server`, and an aggregator over it.
    static func aggregator(_ server: RawHTTPServer, _ paths: [String], directory: TemporaryDirectory) throws -> Aggregator {
        let sources = paths.map { "  - {url: \"\(server.baseURL)\($0)\", categories: [news]}" }.joined(separator: "\n")
        let yaml = """
            settings: {store: data/store.sqlite, output: public, fetch: {interval: 30m, timeout: 60s}}
            categories:
              - {id: news, title: News}
            sources:
            \(sources)
            """
        let configuration = try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml))
        return try Aggregator(configuration: configuration, logger: Logger(label: "catalog"))
    }

    static func outcome(_ summary: RunSummary, _ server: RawHTTPServer, _ path: String) -> SourceOutcome? {
        summary.sources.first { $0.url == server.baseURL + path }
    }

    @Test func N15_goneMarksTheSourceKeepsItsArticlesAndStopsPolling() async throws {
        let gone = Switch()
        let feed = RawHTTPServer.head(200, [Self.rssType, ("Content-Length", "\(Self.feedText.utf8.count)")]) + Array(Self.feedText.utf8)
        let server = try Self.rawServer([
            "/gone-later.xml": [.dynamic { gone.isOn.load(ordering: .relaxed) ? RawHTTPServer.head(410, [("Content-Length", "0")]) : feed }]
        ])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let aggregator = try Self.aggregator(server, ["/gone-later.xml"], directory: directory)
        #expect(Self.outcome(try await aggregator.run(now: Self.now), server, "/gone-later.xml")?.newItems == 1)
        gone.isOn.store(true, ordering: .relaxed)
        let second = try await aggregator.run(all: true, now: Self.now.addingTimeInterval(3600))
        #expect(Self.outcome(second, server, "/gone-later.xml")?.status == .gone)
        #expect(Self.outcome(second, server, "/gone-later.xml")?.error?.contains("410") == true)
        let state = try #require(try await aggregator.store.sourceStates()[server.baseURL + "/gone-later.xml"])
        #expect(state.status == "gone" && state.httpStatus == 410)
        // Even `--all` skips a gone source; its article stays stored and published.
        let requests = server.requestCount("/gone-later.xml")
        let third = try await aggregator.run(all: true, now: Self.now.addingTimeInterval(7200))
        #expect(Self.outcome(third, server, "/gone-later.xml")?.status == .skipped)
        #expect(server.requestCount("/gone-later.xml") == requests)
        #expect(try await aggregator.store.stats().articlesStored == 1)
        #expect(String(decoding: directory.read("public/news.xml") ?? [], as: UTF8.self).contains("Kept story"))
    }

    @Test func N16_retryAfterDelaysTheNextAttemptAndIsNotAParseError() async throws {
        let server = try Self.rawServer(["/busy": Self.status(429, [("Retry-After", "120")], body: "slow down")])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let aggregator = try Self.aggregator(server, ["/busy", "/feed.xml"], directory: directory)
        let first = try await aggregator.run(now: Self.now)
        let busy = try #require(Self.outcome(first, server, "/busy"))
        #expect(busy.status == .failed && busy.httpStatus == 429 && busy.error?.hasPrefix("HTTP 429 Too Many Requests") == true)
        #expect(Self.outcome(first, server, "/feed.xml")?.status == .ok)
        let state = try #require(try await aggregator.store.sourceStates()[server.baseURL + "/busy"])
        #expect(try #require(state.nextFetch) >= Self.now.addingTimeInterval(120))
        let early = try await aggregator.run(now: Self.now.addingTimeInterval(119))
        #expect(Self.outcome(early, server, "/busy")?.status == .skipped)
        #expect(server.requestCount("/busy") == 1)
    }

    /// The HTTP-date form of Retry-After gives the seconds until that date.
    @Test func N16_retryAfterAsHTTPDate() async throws {
        let date = FeedDate.rfc822(Date().addingTimeInterval(600))
        let server = try Self.rawServer(["/busy": Self.status(503, [("Retry-After", date)])])
        defer { server.stop() }
        let response = try await Self.fetcher(blocksPrivate: false).fetch(FetchRequest(url: server.baseURL + "/busy"))
        #expect(response.status == 503)
        #expect((300...601).contains(response.retryAfterSeconds ?? -1), "got \(String(describing: response.retryAfterSeconds))")
    }

    /// Retry-After and Expires dates are read on the server's clock: from a server whose clock is an
    /// hour behind ours, "retry at Date + 600 s" still means 600 s, not "now" (and Expires likewise);
    /// freshness already used up in a cache (Age) is taken off.
    @Test func N16_datesAreCountedFromTheServersClock() async throws {
        let serverNow = Date().addingTimeInterval(-3600)
        let headers = [("Date", FeedDate.rfc822(serverNow)), ("Retry-After", FeedDate.rfc822(serverNow.addingTimeInterval(600)))]
        let fresh = [("Date", FeedDate.rfc822(serverNow)), ("Expires", FeedDate.rfc822(serverNow.addingTimeInterval(900)))]
        let server = try Self.rawServer([
            "/busy": Self.status(503, headers),
            "/fresh.xml": Self.status(200, fresh + [("Content-Type", "application/rss+xml")], body: "<rss version=\"2.0\"><channel/></rss>"),
            "/cached.xml": Self.status(200, [("Cache-Control", "max-age=600"), ("Age", "100")], body: "<rss version=\"2.0\"><channel/></rss>"),
        ])
        defer { server.stop() }
        let fetcher = Self.fetcher(blocksPrivate: false)
        let busy = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/busy"))
        #expect((599...601).contains(busy.retryAfterSeconds ?? -1), "got \(String(describing: busy.retryAfterSeconds))")
        let response = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/fresh.xml"))
        #expect((898...900).contains(response.maxAgeSeconds ?? -1), "got \(String(describing: response.maxAgeSeconds))")
        // A cache in between says the copy is 100 s old: 500 s of freshness are left.
        let cached = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/cached.xml"))
        #expect(cached.maxAgeSeconds == 500)
    }

    @Test func N17_serverErrorsBackOffAndCountFailures() async throws {
        let server = try Self.rawServer(["/500": Self.status(500), "/502": Self.status(502), "/503": Self.status(503)])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let aggregator = try Self.aggregator(server, ["/500", "/502", "/503", "/feed.xml"], directory: directory)
        let first = try await aggregator.run(now: Self.now)
        #expect(Self.outcome(first, server, "/feed.xml")?.newItems == 1)
        var waits: [TimeInterval] = []
        for run in 1...2 {
            let at = Self.now.addingTimeInterval(Double(run - 1) * 86_400 * 2)
            let summary = run == 1 ? first : try await aggregator.run(now: at)
            let states = try await aggregator.store.sourceStates()
            for (path, status) in [("/500", 500), ("/502", 502), ("/503", 503)] {
                #expect(Self.outcome(summary, server, path)?.status == .failed)
                #expect(Self.outcome(summary, server, path)?.error?.hasPrefix("HTTP \(status) server error") == true)
                let state = try #require(states[server.baseURL + path])
                #expect(state.consecutiveFailures == run)
                waits.append(try #require(state.nextFetch).timeIntervalSince(at))
            }
        }
        // 30 min ± 10 % after the first failure, doubled after the second.
        #expect(waits.prefix(3).allSatisfy { (1620...1980).contains($0) }, "\(waits)")
        #expect(waits.suffix(3).allSatisfy { (3240...3960).contains($0) }, "\(waits)")
    }

    @Test func N18_emptyBodyIsAnErrorAndOthersContinue() async throws {
        let server = try Self.rawServer(["/empty": Self.status(200, [Self.rssType])])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = await Self.fetchError(server.baseURL + "/empty", on: Self.fetcher(blocksPrivate: false))
        #expect(error?.code == .emptyBody && error?.url == server.baseURL + "/empty")
        #expect(error?.message == "the server answered 200 with an empty body")
        let summary = try await Self.aggregator(server, ["/empty", "/feed.xml"], directory: directory).run(now: Self.now)
        #expect(Self.outcome(summary, server, "/empty")?.status == .failed)
        #expect(Self.outcome(summary, server, "/empty")?.error == "the server answered 200 with an empty body")
        #expect(Self.outcome(summary, server, "/feed.xml")?.newItems == 1)
    }

    @Test func N19_htmlPageIsNotAFeedListsAlternatesAndStoresNothing() async throws {
        let page = "<!DOCTYPE html><html><head><title>Blog</title><link rel=\"alternate\" type=\"application/atom+xml\" href=\"/atom.xml\"></head><body><h1>Hi</h1></body></html>"
        let server = try Self.rawServer(["/not-xml": Self.status(200, [("Content-Type", "text/html")], body: page)])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let aggregator = try Self.aggregator(server, ["/not-xml"], directory: directory)
        let outcome = try #require(Self.outcome(try await aggregator.run(now: Self.now), server, "/not-xml"))
        #expect(outcome.status == .failed)
        #expect(outcome.error?.hasPrefix("not a usable feed: ") == true)
        #expect(outcome.error?.contains(server.baseURL + "/atom.xml") == true, "\(outcome.error ?? "")")
        #expect(try await aggregator.store.stats().articlesStored == 0)
    }

    @Test func N20_binaryBodyWithAFeedTypeIsAParseError() async throws {
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.directory + "/feeds/binary.png")))
        let server = try Self.rawServer(["/binary": RawHTTPServer.response(headers: [Self.rssType], body: png)])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let aggregator = try Self.aggregator(server, ["/binary", "/feed.xml"], directory: directory)
        let summary = try await aggregator.run(now: Self.now)
        let outcome = try #require(Self.outcome(summary, server, "/binary"))
        #expect(outcome.status == .failed && outcome.httpStatus == 200)
        #expect(outcome.error?.hasPrefix("not a usable feed: ") == true && outcome.error?.contains("binary") == true)
        #expect(Self.outcome(summary, server, "/feed.xml")?.newItems == 1)
        #expect(try await aggregator.store.stats().articlesStored == 1)
    }
}

extension CatalogNetworkTests {
    /// Issue 4 point 8: a source marked `insecure: true` is fetched, and every run logs a warning and
    /// reports it; the other source of the run gets none.
    @Test func N21_insecureSourceLogsAWarningEveryRun() async throws {
        let feed = RawHTTPServer.response(headers: [Self.rssType], body: Array(Self.feedText.utf8))
        let server = try RawHTTPServer(routes: ["/a.xml": feed, "/b.xml": feed])
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let yaml = """
            settings: {store: data/store.sqlite, output: public}
            categories:
              - {id: news, title: News}
            sources:
              - {url: "\(server.baseURL)/a.xml", categories: [news], insecure: true}
              - {url: "\(server.baseURL)/b.xml", categories: [news]}
            """
        let configuration = try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml))
        let lines = LogLines()
        let logger = Logger(label: "n21") { _ in lines }
        let aggregator = try Aggregator(configuration: configuration, logger: logger)
        let expected = "\(server.baseURL)/a.xml: TLS certificate verification is off for this source (insecure: true)"
        // `serve`'s scheduler logs it, once per cycle that fetches the source.
        let scheduler = FetchScheduler(
            aggregator: aggregator, cache: DocumentCache(), health: HealthState(staleAfter: 60), tick: .seconds(60), logger: logger,
            publisher: nil)
        await scheduler.cycle()
        // A run reports it among its warnings (`fetch --verbose` prints them).
        let summary = try await aggregator.run(all: true, now: Self.now)
        #expect(summary.sources.map(\.status) == [.ok, .ok])
        #expect(summary.warnings.filter { $0.contains("verification is off") } == [expected])
        #expect(lines.all.filter { $0.hasPrefix("warning") && $0.contains(expected) }.count == 1)
    }
}
