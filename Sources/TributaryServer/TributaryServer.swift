import Aggregator
import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import TributaryConfig

/// Limits of the HTTP server.
public struct ServerLimits: Sendable {
    /// Idle keep-alive connections are closed after this (nil: never).
    public var idleTimeout: TimeAmount? = .seconds(30)
    /// Largest header field, and all header fields together.
    public var maxHeaderFieldBytes = 8 * 1024
    /// All header fields together.
    public var maxHeaderListBytes = 32 * 1024
    /// Open connections beyond this get a bare 503 and are closed (see `ConnectionGuard`).
    public var maxConnections = 4096
    /// A request must be fully sent (the server must have begun answering) within this of its first
    /// byte or of the connection opening; slow-drip clients are cut off here.
    public var requestTimeout: TimeAmount = .seconds(10)

    /// Defaults.
    public init() {}
}

/// Builds the `serve` application: routes over the document cache, plus the fetch scheduler.
public enum TributaryServer {
    /// The application for a configuration; run it with `runService()` (handles SIGINT and SIGTERM,
    /// draining in-flight requests).
    ///
    /// - Parameter configurationPath: feeds.yaml, reloaded on SIGHUP when given (see `ConfigReloadService`).
    public static func application(
        aggregator: Aggregator, logger: Logger, tick: Duration = .seconds(60), registry: PrometheusCollectorRegistry? = nil,
        limits: ServerLimits = ServerLimits(), configurationPath: String? = nil
    ) -> some ApplicationProtocol {
        let settings = aggregator.configuration.settings
        let interval = Int(settings.fetch.interval.components.seconds)
        let cache = DocumentCache(maxAgeSeconds: max(60, interval / 2))
        let health = HealthState(staleAfter: TimeInterval(max(interval * 3, 600)))
        let routes = FeedRoutes(cache: cache, health: health, registry: registry)
        let publisher = settings.websubHub.map { WebSubPublisher(hub: $0, baseURL: settings.baseURL, logger: logger) }
        let scheduler = FetchScheduler(
            aggregator: aggregator, cache: cache, health: health, tick: tick, logger: logger, publisher: publisher)
        var services: [any Service] = [scheduler]
        if let configurationPath {
            services.append(ConfigReloadService(scheduler: scheduler, configurationPath: configurationPath, logger: logger))
        }
        return Application(
            router: routes.router(),
            server: server(limits: limits, routes: routes),
            configuration: .init(address: .hostname(settings.listenHost, port: settings.listenPort), serverName: "Tributary"),
            services: services,
            logger: logger)
    }

    /// HTTP/1.1 with Tributary's limits: idle timeout, header sizes, connection cap, request deadline.
    /// With `routes`, GET and HEAD of its documents are answered in the pipeline (`DocumentFastPath`).
    public static func server(limits: ServerLimits, routes: FeedRoutes? = nil) -> HTTPServerBuilder {
        var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        decoder.maxHeaderFieldSize = limits.maxHeaderFieldBytes
        decoder.maxHeaderListSize = limits.maxHeaderListBytes
        // No idle timeout of Hummingbird's: `ConnectionGuard` keeps it (it also sees the fast path's requests).
        let configuration = HTTP1Channel.Configuration(idleTimeout: nil, httpDecoderConfiguration: decoder)
        let count = ConnectionCount()
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: configuration), limits: limits, count: count,
                routes: routes)
        }
    }
}
