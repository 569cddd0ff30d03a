import ArticleStore
import FeedFetch
import FeedGen
import FeedParse
import Foundation
import Logging
import Synchronization
import TributaryConfig
import TributaryCore

/// One refresh cycle: due sources → fetch → parse → store → generate. Used by `tributary fetch`
/// and by the server's scheduler.
public final class Aggregator: Sendable {
    /// The configuration the cycle runs with.
    public let configuration: Configuration
    /// The store.
    public let store: ArticleStore
    private let fetcher: FeedFetcher
    private let parser = FeedParser()
    let logger: Logger
    private let schedule: FetchSchedule
    /// Metrics of fetches and dedup.
    public let metrics: PipelineMetrics
    private let stopping = Atomic<Bool>(false)
    /// Each category's feed as last written by this process: a category whose feed is equal again
    /// (the same articles, settings and titles give the same bytes) is not rendered again.
    let writtenFeeds = Mutex<[String: CategoryFeed]>([:])

    /// Opens the store and prepares the fetcher.
    ///
    /// - Throws: `StoreError` when the store cannot be opened.
    public convenience init(configuration: Configuration, logger: Logger, metrics: PipelineMetrics = PipelineMetrics()) throws(StoreError) {
        let retention = configuration.settings.retention
        let seconds = { (duration: Duration) in FetchSchedule.seconds(duration) }
        let store = try ArticleStore(
            path: configuration.settings.storePath,
            policy: StorePolicy(
                contentWindow: seconds(retention.contentWindow), floodMaxNew: retention.floodMaxNew,
                floodMaxFraction: retention.floodMaxFraction, maxAge: retention.maxAge.map(seconds),
                maxPerSource: retention.maxPerSource, tombstoneLifetime: seconds(retention.tombstones)))
        self.init(configuration: configuration, store: store, logger: logger, metrics: metrics)
    }

    /// Runs cycles on a store that is already open: a configuration reloaded by `serve` (SIGHUP) keeps
    /// the store, its in-memory index and its writer; tests pass a store opened with special options.
    ///
    /// The store's own policy is used; `configuration.settings.storePath` and `retention` are not read.
    public init(configuration: Configuration, store: ArticleStore, logger: Logger, metrics: PipelineMetrics = PipelineMetrics()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.store = store
        let fetch = configuration.settings.fetch
        self.fetcher = FeedFetcher(
            settings: FetchSettings(
                concurrency: fetch.concurrency, perHostConcurrency: fetch.perHost, connectTimeout: fetch.connectTimeout,
                totalTimeout: fetch.timeout, maxBodyBytes: fetch.maxBodyBytes,
                userAgent: fetch.userAgent ?? "Tributary/\(TributaryVersion.string) (+\(configuration.settings.baseURL))",
                blocksPrivateAddresses: fetch.blocksPrivateAddresses, caFile: fetch.caFile))
        self.schedule = FetchSchedule(interval: fetch.interval, maxInterval: fetch.maxInterval)
    }

    /// Stops the run in progress soon (SIGTERM): transfers in flight are aborted, sources already
    /// parsing finish and commit their transaction, the rest are reported `interrupted` with nothing
    /// recorded (they stay due); pruning and generation are left to the next run, which regenerates
    /// because the store changed since the last generation. Cannot be undone.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        fetcher.stop()
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Progress of a run, for a terminal display.
    public struct Progress: Sendable {
        /// Sources finished (skipped ones included).
        public var done: Int
        /// Sources in the run.
        public var total: Int
        /// Bytes received so far.
        public var bytes: Int
        /// Sources failed so far.
        public var failures: Int
    }

    /// Fetches every due source (every source with `all`), stores new articles and regenerates outputs.
    ///
    /// - Parameter progress: called after each source finishes.
    public func run(
        all: Bool = false, now: Date = Date(), progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws(StoreError) -> RunSummary {
        let sources = configuration.sources
        let sourceIDs = try await store.ensureSources(sources.map(\.url))
        let states = try await store.sourceStates()
        var outcomes = [SourceOutcome?](repeating: nil, count: sources.count)
        var warnings: [String] = []
        let results = await withTaskGroup(of: (Int, SourceOutcome, [String], Date?).self) { group in
            for (index, source) in sources.enumerated() {
                let state = states[source.url]
                if let skip = Self.skipReason(state: state, now: now, all: all) {
                    outcomes[index] = SourceOutcome(url: source.url, status: skip, httpStatus: state?.httpStatus, error: nil, newItems: 0, bytes: 0)
                    continue
                }
                group.addTask { [self] in
                    let (outcome, warnings, notModifiedNext) = await refresh(source, state: state, now: now)
                    return (index, outcome, warnings, notModifiedNext)
                }
            }
            var collected: [(Int, SourceOutcome, [String], Date?)] = []
            var state = Progress(done: outcomes.compactMap { $0 }.count, total: sources.count, bytes: 0, failures: 0)
            for await result in group {
                collected.append(result)
                state.done += 1
                state.bytes += result.1.bytes
                if result.1.status == .failed { state.failures += 1 }
                progress?(state)
            }
            return collected
        }
        var notModified: [(url: String, nextFetch: Date?)] = []
        for (index, outcome, sourceWarnings, notModifiedNext) in results {
            if let next = notModifiedNext { notModified.append((outcome.url, next)) }
            outcomes[index] = outcome
            warnings += sourceWarnings
        }
        try await store.recordNotModified(notModified, now: now)
        if isStopping {
            return RunSummary(sources: outcomes.compactMap { $0 }, warnings: warnings, changedFiles: [], wasInterrupted: true)
        }
        try await store.prune(
            now: now, categories: categoryRetention(sourceIDs: sourceIDs), protectedSources: protectedSources(sourceIDs: sourceIDs),
            protectedTerms: Set(
                configuration.categories.filter { !$0.hasRetention }
                    .flatMap(\.matchCategories).map { $0.lowercased() }))
        let changed = try await generateIfStale(now: now)
        return RunSummary(sources: outcomes.compactMap { $0 }, warnings: warnings, changedFiles: changed)
    }

    /// The retention rules of categories that have some, by source row id.
    func categoryRetention(sourceIDs: [String: Int64]) -> [CategoryRetention] {
        configuration.categories.filter(\.hasRetention).map { category in
            CategoryRetention(
                sourceIDs: memberIDs(of: category, sourceIDs: sourceIDs),
                maxAge: category.retentionMaxAge.map(FetchSchedule.seconds), maxCount: category.retentionMaxCount)
        }
    }

    /// Row ids of a category's sources (every source for `all`).
    func memberIDs(of category: CategoryConfig, sourceIDs: [String: Int64]) -> [Int64] {
        configuration.sources.filter { category.id == "all" || $0.categories.contains(category.id) }.compactMap { sourceIDs[$0.url] }
    }

    /// Sources whose articles category rules never prune: those in a category without rules, or in none.
    func protectedSources(sourceIDs: [String: Int64]) -> Set<Int64> {
        let limited = Set(configuration.categories.filter(\.hasRetention).map(\.id))
        let protected = configuration.sources.filter { source in
            source.categories.isEmpty || source.categories.contains { !limited.contains($0) }
        }
        return Set(protected.compactMap { sourceIDs[$0.url] })
    }

    /// What an HTTP error status means for the operator, and what happens next.
    static func describe(status: Int, retryAfter: Int?) -> String {
        let retry = retryAfter.map { "; the server asked to wait \($0) s, so the next attempt is not before then" }
            ?? "; retried with exponential backoff (at most daily)"
        switch status {
        case 401, 403:
            return "HTTP \(status) \(status == 401 ? "Unauthorized" : "Forbidden"): access refused; check credentials (username, password_env) or whether the site blocks readers" + retry
        case 404: return "HTTP 404 Not Found: no feed at this URL any more; fix it in feeds.yaml (`tributary sources add <site>` finds the new one)" + retry
        case 429: return "HTTP 429 Too Many Requests: the server is rate-limiting us" + retry
        case 500..<600: return "HTTP \(status) server error: the publisher's server failed" + retry
        default: return "HTTP \(status): unexpected status" + retry
        }
    }

    static func skipReason(state: SourceState?, now: Date, all: Bool) -> SourceOutcome.Status? {
        guard let state else { return nil }
        if state.status == "gone" { return .skipped }
        if !all, let next = state.nextFetch, next > now { return .skipped }
        return nil
    }

    /// Fetches, parses and stores one source; never throws: failures become outcomes.
    /// - Returns: the outcome, operator warnings, and for a 304 the next fetch time (recorded in one
    ///   batch by the caller).
    func refresh(_ source: SourceConfig, state: SourceState?, now: Date) async -> (SourceOutcome, [String], Date?) {
        var request = FetchRequest(
            url: source.url, etag: state?.etag, lastModified: state?.lastModified,
            headers: source.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, username: source.username,
            password: source.password, isInsecure: source.isInsecure)
        if let redirected = state?.redirectedURL { request.url = redirected }
        var warnings: [String] = []
        if source.isInsecure {
            // Reported with the run's other warnings: `serve` logs them, `fetch --verbose` prints them.
            warnings.append("\(source.url): TLS certificate verification is off for this source (insecure: true)")
        }
        let sourceSchedule = FetchSchedule(interval: source.interval ?? schedule.interval, maxInterval: schedule.maxInterval)
        var outcome = SourceOutcome(url: source.url, status: .failed, httpStatus: nil, error: nil, newItems: 0, bytes: 0)
        var notModified: Date?
        let failures = (state?.consecutiveFailures ?? 0) + 1
        let started = ContinuousClock.now
        do {
            if isStopping { throw FetchError(.cancelled, url: source.url, "the fetch was cancelled") }
            let response = try await fetcher.fetch(request)
            // The response holds a fetcher slot until it goes: keep it until the items are stored, so
            // downloads wait when parsing and storing fall behind (see `CurlMulti`).
            defer { withExtendedLifetime(response) {} }
            outcome.httpStatus = response.status
            outcome.bytes = response.bytes
            if let redirect = response.permanentRedirect {
                warnings.append("\(source.url): moved permanently to \(redirect); update feeds.yaml (fetching the new URL meanwhile)")
            }
            switch response.status {
            case 304:
                outcome.status = .notModified
                let next = sourceSchedule.afterSuccess(now: now, maxAgeSeconds: response.maxAgeSeconds, hints: nil)
                notModified = next
            case 200..<300:
                var feed = try parser.parse(response.body, url: response.finalURL, httpCharset: response.charset)
                Self.resolveRemainingLinks(in: &feed)
                warnings += feed.warnings.map { "\(source.url): \($0)" }
                let next = sourceSchedule.afterSuccess(now: now, maxAgeSeconds: response.maxAgeSeconds, hints: feed.schedule)
                let refresh = SourceRefresh(
                    url: source.url, title: source.title ?? feed.metadata.title, siteLink: feed.metadata.link,
                    items: feed.items, etag: response.etag, lastModified: response.lastModified,
                    httpStatus: response.status, redirectedURL: response.permanentRedirect, nextFetch: next)
                let result = try await store.ingest(refresh, now: now)
                metrics.recordDuplicates(result.duplicates)
                warnings += result.warnings
                outcome.status = .ok
                outcome.newItems = result.inserted
            case 410:
                outcome.status = .gone
                outcome.error = "HTTP 410 Gone: the publisher removed this feed; it will not be fetched again until `tributary sources reset`"
                try await store.recordFailure(url: source.url, message: outcome.error!, httpStatus: 410, isGone: true, nextFetch: nil, now: now)
            default:
                outcome.error = Self.describe(status: response.status, retryAfter: response.retryAfterSeconds)
                let next = sourceSchedule.afterFailure(now: now, failures: failures, retryAfterSeconds: response.retryAfterSeconds)
                try await store.recordFailure(url: source.url, message: outcome.error!, httpStatus: response.status, isGone: false, nextFetch: next, now: now)
            }
        } catch let error as FetchError where error.code == .cancelled && isStopping {
            outcome.status = .interrupted
            outcome.error = "interrupted: the run was stopped before this source finished; it is fetched next run"
            return (outcome, warnings, nil)
        } catch let error as FetchError {
            outcome.error = error.message
            outcome.httpStatus = error.httpStatus
            await recordFailure(source, message: error.message, httpStatus: error.httpStatus, failures: failures, schedule: sourceSchedule, now: now)
        } catch let error as ParseError {
            outcome.error = "not a usable feed: \(error)"
            await recordFailure(source, message: outcome.error!, httpStatus: outcome.httpStatus, failures: failures, schedule: sourceSchedule, now: now)
        } catch {
            outcome.status = .failed
            outcome.error = "\(error)"
        }
        metrics.recordFetch(result: outcome.status.rawValue, duration: ContinuousClock.now - started, bytes: outcome.bytes, newItems: outcome.newItems)
        if outcome.status == .failed || outcome.status == .gone {
            logger.warning("fetch failed", metadata: ["feed_url": "\(source.url)", "error": "\(outcome.error ?? "")"])
        } else {
            logger.info("fetched", metadata: ["feed_url": "\(source.url)", "status": "\(outcome.status.rawValue)", "bytes": "\(outcome.bytes)", "new_items": "\(outcome.newItems)"])
        }
        return (outcome, warnings, notModified)
    }

    /// A local file has no web address to resolve against: relative item links that the parser left
    /// relative are resolved against the feed's own site link, so published links are absolute.
    static func resolveRemainingLinks(in feed: inout ParsedFeed) {
        guard let site = feed.metadata.link, URLReference.isAbsolute(site) else { return }
        for index in feed.items.indices {
            if let link = feed.items[index].link, !URLReference.isAbsolute(link) {
                feed.items[index].link = URLReference.resolve(link, against: site)
            }
        }
    }

    private func recordFailure(_ source: SourceConfig, message: String, httpStatus: Int?, failures: Int, schedule: FetchSchedule, now: Date) async {
        let next = schedule.afterFailure(now: now, failures: failures, retryAfterSeconds: nil)
        do {
            try await store.recordFailure(url: source.url, message: message, httpStatus: httpStatus, isGone: false, nextFetch: next, now: now)
        } catch {
            logger.error("could not record failure", metadata: ["feed_url": "\(source.url)", "error": "\(error)"])
        }
    }
}
