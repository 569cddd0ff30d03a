import Aggregator
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TributaryConfig

/// Keeps fetching in `serve`: a cycle at start, then one every `tick` for the sources that are due.
///
/// Each cycle takes the store lock, so a cron `tributary fetch` and the server never write at once;
/// when the lock is busy the cycle is skipped, not queued. Serving never waits for a cycle.
public struct FetchScheduler: Service {
    private let current: AggregatorSlot
    let cache: DocumentCache
    let health: HealthState
    let tick: Duration
    let logger: Logger
    let publisher: WebSubPublisher?

    /// Creates the scheduler; `tick` is the pause between cycles.
    init(aggregator: Aggregator, cache: DocumentCache, health: HealthState, tick: Duration, logger: Logger, publisher: WebSubPublisher?) {
        self.publisher = publisher
        self.current = AggregatorSlot(aggregator)
        self.cache = cache
        self.health = health
        self.tick = tick
        self.logger = logger
    }

    /// The aggregator the next cycle runs with (replaced by `reload(configurationPath:)`).
    public var aggregator: Aggregator { current.value.withLock { $0 } }

    /// Reloads feeds.yaml for the next cycles; a file that does not load changes nothing.
    ///
    /// Sources, categories, fetch and output settings take effect from the next cycle; the store stays
    /// open as it is, so changes of `store`, `retention` and `listen` need a restart (logged as a warning).
    /// A cycle already running finishes with the old configuration.
    ///
    /// - Returns: true when the new configuration is in use; false when it was refused (logged as an error).
    @discardableResult
    public func reload(configurationPath: String) -> Bool {
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: configurationPath)
        } catch {
            logger.error(
                "configuration reload failed; keeping the previous configuration",
                metadata: ["config": "\(configurationPath)", "error": "\(error)"])
            return false
        }
        current.value.withLock { old in
            let previous = old.configuration.settings
            let settings = configuration.settings
            if settings.storePath != previous.storePath || settings.listenHost != previous.listenHost
                || settings.listenPort != previous.listenPort || settings.retention != previous.retention
            {
                logger.warning("store, retention and listen changes take effect after a restart", metadata: ["config": "\(configurationPath)"])
            }
            old = Aggregator(configuration: configuration, store: old.store, logger: logger, metrics: old.metrics)
        }
        logger.info("configuration reloaded", metadata: ["config": "\(configurationPath)", "sources": "\(configuration.sources.count)"])
        return true
    }

    /// Where the documents are written.
    var outputPath: String { aggregator.configuration.settings.outputPath }

    /// Runs cycles until graceful shutdown.
    public func run() async throws {
        cache.reload(from: outputPath)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await watchOutputs() }
                while !Task.isCancelled {
                    await cycle()
                    try? await Task.sleep(for: tick)
                }
                group.cancelAll()
            }
        }
    }

    /// Reloads the served documents when another process (a cron `tributary fetch`) regenerated
    /// them: it watches the generation marker, which is written after every document.
    func watchOutputs() async {
        let marker = outputPath + "/.tributary-generated"
        var seen = try? FileManager.default.attributesOfItem(atPath: marker)[.modificationDate] as? Date
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            let current = try? FileManager.default.attributesOfItem(atPath: marker)[.modificationDate] as? Date
            if current != seen {
                seen = current
                cache.reload(from: outputPath)
            }
        }
    }

    /// One cycle: fetch due sources, regenerate, reload the served documents.
    public func cycle() async {
        let aggregator = self.aggregator
        guard let lock = StoreLock(storePath: aggregator.configuration.settings.storePath, timeout: .seconds(1)) else {
            logger.info("another process holds the store; skipping this cycle")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            // Graceful shutdown cancels this task: abort transfers instead of finishing the cycle.
            let summary = try await withTaskCancellationHandler {
                try await aggregator.run()
            } onCancel: {
                aggregator.stop()
            }
            if !summary.changedFiles.isEmpty || cache.names.isEmpty {
                cache.reload(from: aggregator.configuration.settings.outputPath)
            }
            if summary.wasInterrupted { return }
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

/// The scheduler's current aggregator, swapped whole on reload.
final class AggregatorSlot: Sendable {
    let value: Mutex<Aggregator>

    init(_ aggregator: Aggregator) { value = Mutex(aggregator) }
}
