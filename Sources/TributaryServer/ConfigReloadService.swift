import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads feeds.yaml on SIGHUP while `serve` runs (BAD-INPUTS C6).
///
/// A file that does not load is logged as an error and the previous configuration stays in use;
/// the server keeps serving the documents it has. See `FetchScheduler.reload(configurationPath:)`.
public struct ConfigReloadService: Service {
    let scheduler: FetchScheduler
    let configurationPath: String
    let logger: Logger

    /// Creates the service for `scheduler`, reading `configurationPath` on each SIGHUP.
    public init(scheduler: FetchScheduler, configurationPath: String, logger: Logger) {
        self.scheduler = scheduler
        self.configurationPath = configurationPath
        self.logger = logger
    }

    /// Waits for SIGHUP until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                logger.info(
                    "SIGHUP: reloading the configuration", metadata: ["config": "\(configurationPath)"])
                scheduler.reload(configurationPath: configurationPath)
            }
        }
    }
}
