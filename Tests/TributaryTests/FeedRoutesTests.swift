import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TributaryServer
import TributaryTestSupport

@Suite struct FeedRoutesTests {
    @Test func servesDocumentsWithETagsAnd304s() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let feed = String(repeating: "<rss version=\"2.0\"><channel><title>x</title></channel></rss>\n", count: 20)
        try directory.write("news.xml", feed)
        try directory.write("index.html", "<!DOCTYPE html><title>index</title>")
        let cache = DocumentCache()
        cache.reload(from: directory.path)
        let routes = FeedRoutes(cache: cache, health: HealthState(staleAfter: 60), maxAgeSeconds: 300)
        let app = Application(router: routes.router())
        try await app.test(.router) { client in
            let etag = try await client.execute(uri: "/news.xml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/rss+xml; charset=utf-8")
                #expect(String(buffer: response.body) == feed)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.body.readableBytes < feed.utf8.count)
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(String(buffer: response.body).contains("index"))
            }
            for path in ["/missing.xml", "/..%2F..%2Fetc%2Fpasswd", "/%2e%2e/feeds.yaml"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)  // no fetch cycle has run yet
            }
        }
    }
}
