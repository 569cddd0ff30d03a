import Aggregator
import Foundation
import Hummingbird
import Logging
import TributaryConfig

/// Builds the `serve` application: routes over the document cache, plus the fetch scheduler.
public enum TributaryServer {
    /// The application for a configuration; run it with `runService()` (handles SIGINT and SIGTERM).
    public static func application(aggregator: Aggregator, logger: Logger, tick: Duration = .seconds(60)) -> some ApplicationProtocol {
        let settings = aggregator.configuration.settings
        let interval = Int(settings.fetch.interval.components.seconds)
        let cache = DocumentCache()
        let health = HealthState(staleAfter: TimeInterval(max(interval * 3, 600)))
        let routes = FeedRoutes(cache: cache, health: health, maxAgeSeconds: max(60, interval / 2))
        let scheduler = FetchScheduler(aggregator: aggregator, cache: cache, health: health, tick: tick, logger: logger)
        return Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(settings.listenHost, port: settings.listenPort), serverName: "Tributary"),
            services: [scheduler],
            logger: logger)
    }
}
