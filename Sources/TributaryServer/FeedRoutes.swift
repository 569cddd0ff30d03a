import CoreMetrics
import Foundation
import Hummingbird
import Prometheus
import TributaryCore

/// The HTTP routes: generated documents by name, `/healthz`, and nothing else.
public struct FeedRoutes: Sendable {
    let cache: DocumentCache
    let health: HealthState
    let registry: PrometheusCollectorRegistry?
    /// Request counters, shared with the pipeline's `DocumentFastPath`.
    let counters: RequestCounters?

    /// Creates the routes; with a registry, `/metrics` serves it and requests are counted into it.
    public init(cache: DocumentCache, health: HealthState, registry: PrometheusCollectorRegistry? = nil) {
        self.registry = registry
        self.counters = registry.map { RequestCounters(factory: PrometheusMetricsFactory(registry: $0)) }
        self.cache = cache
        self.health = health
    }

    /// Builds the router.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        if let registry, let counters {
            router.add(middleware: RequestMetricsMiddleware(counters: counters))
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: registry.emitToString())))
            }
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/", method: method) { request, _ in respond(to: request, name: "index.html") }
            router.on("/healthz", method: method) { _, _ in healthResponse() }
            router.on("/:name", method: method) { request, context in
                respond(to: request, name: context.parameters.get("name") ?? "")
            }
        }
        return router
    }

    func healthResponse() -> Response {
        let report = health.report()
        let status: HTTPResponse.Status = report.isHealthy ? .ok : .serviceUnavailable
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: report.json + "\n")))
    }

    func respond(to request: Request, name: String) -> Response {
        guard let document = cache.document(named: name) else {
            let known = name.contains(".") ? "" : " (feeds are /<category>.xml, .atom, .json and .html)"
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "not found: no document named \"\(name.prefix(100))\"\(known); see /\n")))
        }
        let variant = Self.variant(
            of: document, ifNoneMatch: request.headers[.ifNoneMatch], ifModifiedSince: request.headers[.ifModifiedSince],
            acceptEncoding: request.headers[.acceptEncoding])
        let (head, _, body, _) = document.answer(for: variant)
        guard let body, request.method != .head else { return Response(status: head.status, headers: head.headerFields, body: .init()) }
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
    }

    /// Which of a document's answers a GET or HEAD gets.
    enum Variant {
        /// 304: the client's validators match.
        case notModified
        /// 200 with the gzip body: the client takes gzip and the document has one.
        case gzip
        /// 200 with the plain body.
        case plain
    }

    /// The answer for these request fields: 304 when `If-None-Match` matches, or, without one,
    /// when `If-Modified-Since` is not older than the document; else gzip when accepted.
    /// Shared by the router and `DocumentFastPath`.
    static func variant(of document: ServedDocument, ifNoneMatch: String?, ifModifiedSince: String?, acceptEncoding: String?) -> Variant {
        if matches(ifNoneMatch, etag: document.etag) || (ifNoneMatch == nil && notModifiedSince(ifModifiedSince, document.modified)) {
            return .notModified
        }
        return document.gzipBody != nil && acceptsGzip(acceptEncoding) ? .gzip : .plain
    }

    static func matches(_ header: String?, etag: String) -> Bool {
        guard let header else { return false }
        if header == etag { return true }  // The common case, without parsing.
        if header.trimmingCharacters(in: .whitespaces) == "*" { return true }
        return header.split(separator: ",").contains { candidate in
            var value = candidate.trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("W/") { value.removeFirst(2) }
            return value == etag
        }
    }

    static func notModifiedSince(_ header: String?, _ modified: Date) -> Bool {
        guard let header, let since = FeedDate.parse(header) else { return false }
        return modified <= since
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        // Fast path for the usual "gzip, deflate, br" (no q-values): a plain substring test.
        if !header.utf8.contains(UInt8(ascii: ";")) { return header.lowercased().contains("gzip") }
        return header.lowercased().split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.first == "gzip" || pieces.first == "x-gzip" else { return false }
            return !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }
}
