import CoreMetrics
import Hummingbird

/// `tributary_http_requests_total` by route kind and status, counted by the router's middleware and
/// by the pipeline's `DocumentFastPath` alike.
///
/// The route label is a small fixed set derived from the path, never the path itself, so a client
/// cannot create unbounded metric series.
final class RequestCounters: Sendable {
    static let routes = ["index", "healthz", "metrics", "rss", "atom", "json", "html", "opml", "other"]
    static let statuses = [200, 304, 404, 500, 503]

    let factory: any MetricsFactory
    /// Counters for every route and the usual statuses, made once, indexed by route then status:
    /// the hot path takes no lock and builds no string.
    private let counters: [[Counter]]

    init(factory: any MetricsFactory) {
        self.factory = factory
        counters = Self.routes.map { route in Self.statuses.map { status in Self.counter(route, status, factory) } }
    }

    private static func counter(_ route: String, _ status: Int, _ factory: any MetricsFactory) -> Counter {
        Counter(label: "tributary_http_requests_total", dimensions: [("route", route), ("status", "\(status)")], factory: factory)
    }

    /// Counts one request to `path` (query included or not) answered with `status`.
    func count(path: String, status: Int) {
        var name = path.utf8.firstIndex(of: UInt8(ascii: "?")).map { path[..<$0] } ?? Substring(path)
        if name.first == "/" { name.removeFirst() }
        count(name: name, status: status)
    }

    /// Counts one request to `/name` answered with `status`.
    func count(name: some StringProtocol, status: Int) {
        let route = Self.route(name: name)
        if let column = Self.statuses.firstIndex(of: status) {
            counters[route][column].increment()
        } else {
            Self.counter(Self.routes[route], status, factory).increment()
        }
    }

    /// Index into `routes` of the path `/name`.
    static func route(name: some StringProtocol) -> Int {
        switch name {
        case "": return 0
        case "healthz": return 1
        case "metrics": return 2
        default:
            if name.hasSuffix(".xml") { return 3 }
            if name.hasSuffix(".atom") { return 4 }
            if name.hasSuffix(".json") { return 5 }
            if name.hasSuffix(".html") { return 6 }
            if name.hasSuffix(".opml") { return 7 }
            return 8
        }
    }
}

/// Counts the requests the router answers into `RequestCounters`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let counters: RequestCounters

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            counters.count(path: request.uri.path, status: response.status.code)
            return response
        } catch let error as HTTPResponseError {
            counters.count(path: request.uri.path, status: error.status.code)
            throw error
        } catch {
            counters.count(path: request.uri.path, status: 500)
            throw error
        }
    }
}
