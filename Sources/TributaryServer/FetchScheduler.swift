import Aggregator
import Foundation
import Logging
import ServiceLifecycle

/// Keeps fetching in `serve`: a cycle at start, then one every `tick` for the sources that are due.
///
/// Each cycle takes the store lock, so a cron `tributary fetch` and the server never write at once;
/// when the lock is busy the cycle is skipped, not queued. Serving never waits for a cycle.
public struct FetchScheduler: Service {
    let aggregator: Aggregator
    let cache: DocumentCache
    let health: HealthState
    let tick: Duration
    let logger: Logger
    let publisher: WebSubPublisher?

    /// Creates the scheduler.
    init(aggregator: Aggregator, cache: DocumentCache, health: HealthState, tick: Duration, logger: Logger, publisher: WebSubPublisher?) {
        self.publisher = publisher
        self.aggregator = aggregator
        self.cache = cache
        self.health = health
        self.tick = tick
        self.logger = logger
    }

    /// Runs cycles until graceful shutdown.
    public func run() async throws {
        cache.reload(from: aggregator.configuration.settings.outputPath)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await cycle()
                try? await Task.sleep(for: tick)
            }
        }
    }

    /// One cycle: fetch due sources, regenerate, reload the served documents.
    public func cycle() async {
        guard let lock = StoreLock(storePath: aggregator.configuration.settings.storePath, timeout: .seconds(1)) else {
            logger.info("another process holds the store; skipping this cycle")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            let summary = try await aggregator.run()
            if !summary.changedFiles.isEmpty || cache.names.isEmpty {
                cache.reload(from: aggregator.configuration.settings.outputPath)
            }
            health.recordCycle(at: Date(), error: nil)
            for warning in summary.warnings { logger.warning("\(warning)") }
            if let publisher, !summary.changedFiles.isEmpty { await publisher.publish(changedFiles: summary.changedFiles) }
            if let stats = try? await aggregator.store.stats() {
                aggregator.metrics.recordState(failingSources: stats.sourcesFailing, storedArticles: stats.articlesStored)
            }
        } catch {
            health.recordCycle(at: Date(), error: "\(error)")
            logger.error("fetch cycle failed", metadata: ["error": "\(error)"])
        }
    }
}
