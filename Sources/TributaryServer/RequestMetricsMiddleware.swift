import CoreMetrics
import Hummingbird

/// Counts HTTP requests by route kind and status (`tributary_http_requests_total`).
///
/// The route label is a small fixed set derived from the path, never the path itself, so a client
/// cannot create unbounded metric series.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory
    /// Counters for every route and the usual statuses, made once: the hot path takes no lock.
    private let counters: [String: Counter]

    init(factory: any MetricsFactory) {
        self.factory = factory
        var counters: [String: Counter] = [:]
        for route in ["index", "healthz", "metrics", "rss", "atom", "json", "html", "opml", "other"] {
            for status in [200, 304, 404, 500, 503] {
                counters["\(route) \(status)"] = Self.counter(route, status, factory)
            }
        }
        self.counters = counters
    }

    private static func counter(_ route: String, _ status: Int, _ factory: any MetricsFactory) -> Counter {
        Counter(label: "tributary_http_requests_total", dimensions: [("route", route), ("status", "\(status)")], factory: factory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = Self.route(request.uri.path)
        do {
            let response = try await next(request, context)
            count(route, response.status.code)
            return response
        } catch let error as HTTPResponseError {
            count(route, error.status.code)
            throw error
        } catch {
            count(route, 500)
            throw error
        }
    }

    private func count(_ route: String, _ status: Int) {
        (counters["\(route) \(status)"] ?? Self.counter(route, status, factory)).increment()
    }

    static func route(_ path: String) -> String {
        switch path {
        case "/": return "index"
        case "/healthz": return "healthz"
        case "/metrics": return "metrics"
        default:
            if path.hasSuffix(".xml") { return "rss" }
            if path.hasSuffix(".atom") { return "atom" }
            if path.hasSuffix(".json") { return "json" }
            if path.hasSuffix(".html") { return "html" }
            if path.hasSuffix(".opml") { return "opml" }
            return "other"
        }
    }
}
