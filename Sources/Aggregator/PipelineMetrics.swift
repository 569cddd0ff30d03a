import CoreMetrics
import Foundation

/// The pipeline's metrics, reported through swift-metrics to whatever factory the caller passes
/// (Prometheus in `serve`; nothing for a one-shot `fetch`).
public struct PipelineMetrics: Sendable {
    private let factory: any MetricsFactory

    /// Uses `factory`; the default discards everything.
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// One fetch finished.
    func recordFetch(result: String, duration: Duration, bytes: Int, newItems: Int) {
        Counter(label: "tributary_fetches_total", dimensions: [("result", result)], factory: factory).increment()
        Timer(label: "tributary_fetch_duration_seconds", factory: factory).recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000))
        Counter(label: "tributary_fetch_bytes_total", factory: factory).increment(by: bytes)
        Counter(label: "tributary_articles_new_total", factory: factory).increment(by: newItems)
    }

    /// Items merged into existing articles, by dedup rule.
    func recordDuplicates(_ duplicates: [String: Int]) {
        for (rule, count) in duplicates {
            Counter(label: "tributary_dedup_hits_total", dimensions: [("rule", rule)], factory: factory).increment(by: count)
        }
    }

    /// State after a run: failing sources and stored articles.
    public func recordState(failingSources: Int, storedArticles: Int) {
        Gauge(label: "tributary_sources_failing", factory: factory).record(failingSources)
        Gauge(label: "tributary_articles_stored", factory: factory).record(storedArticles)
    }
}
