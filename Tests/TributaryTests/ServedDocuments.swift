import Hummingbird
import Prometheus
import TributaryServer
import TributaryTestSupport

/// A `serve` application over a set of documents written to a temporary directory: the cache, the
/// routes and the server with its fast path, as `TributaryServer.application` wires them.
enum ServedDocuments {
    static func application(
        _ documents: [String: String], limits: ServerLimits = ServerLimits(), registry: PrometheusCollectorRegistry? = nil
    ) throws -> (some ApplicationProtocol, DocumentCache, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        for (name, text) in documents { try directory.write(name, text) }
        let cache = DocumentCache()
        cache.reload(from: directory.path)
        let routes = FeedRoutes(cache: cache, health: HealthState(staleAfter: 60), registry: registry)
        let app = Application(
            router: routes.router(), server: TributaryServer.server(limits: limits, routes: routes),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return (app, cache, directory)
    }

    /// A 6.6 MB RSS feed: more than the socket buffers on both sides hold.
    static let largeFeed: String = {
        let item = "<item><title>A story long enough to make a large feed</title><description>" + String(repeating: "text ", count: 200) + "</description></item>"
        return "<rss version=\"2.0\"><channel><title>big</title>" + String(repeating: item, count: 6_000) + "</channel></rss>"
    }()
}
