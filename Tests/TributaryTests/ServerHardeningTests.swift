import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing
import TributaryServer
import TributaryTestSupport

/// The server's header limits over real sockets, and its metrics.
@Suite struct ServerHardeningTests {
    static func application(limits: ServerLimits, registry: PrometheusCollectorRegistry? = nil) throws -> (some ApplicationProtocol, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        try directory.write("news.xml", "<rss version=\"2.0\"><channel><title>x</title></channel></rss>")
        let cache = DocumentCache()
        cache.reload(from: directory.path)
        let routes = FeedRoutes(cache: cache, health: HealthState(staleAfter: 60), maxAgeSeconds: 60, registry: registry)
        let app = Application(
            router: routes.router(), server: TributaryServer.server(limits: limits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return (app, directory)
    }

    @Test func oversizedHeadersAreRefusedAndTheServerCarriesOn() async throws {
        let (app2, directory2) = try Self.application(limits: ServerLimits())
        defer { directory2.remove() }
        try await app2.test(.live) { client in
            let port = try #require(client.port)
            let big = try RawClient(port: port)
            big.send("GET /news.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n")
            let answer = big.read(timeout: .seconds(60))  // Generous: suites run in parallel on 2 cores.
            #expect(answer.closed || answer.data.contains(" 431 ") || answer.data.contains(" 400 "))
            #expect(!answer.data.contains("200 OK"))
            // The server is still fine.
            try await client.execute(uri: "/news.xml", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        let registry = PrometheusCollectorRegistry()
        let (app, directory) = try Self.application(limits: ServerLimits(), registry: registry)
        defer { directory.remove() }
        try await app.test(.router) { client in
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/nope.xml", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("tributary_http_requests_total{route=\"rss\",status=\"200\"} 1"))
                #expect(text.contains("tributary_http_requests_total{route=\"rss\",status=\"404\"} 1"))
            }
        }
    }
}
