import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TributaryServer
import TributaryTestSupport

@Suite struct FeedRoutesTests {
    /// The same answers from the router alone and from a live server, where the pipeline's
    /// `DocumentFastPath` answers document requests before the router sees them.
    @Test(arguments: [false, true]) func servesDocumentsWithETagsAnd304s(live: Bool) async throws {
        let feed = String(repeating: "<rss version=\"2.0\"><channel><title>x</title></channel></rss>\n", count: 20)
        let (app, _, directory) = try ServedDocuments.application(["news.xml": feed, "index.html": "<!DOCTYPE html><title>index</title>"])
        defer { directory.remove() }
        try await app.test(live ? .live : .router) { client in
            let etag = try await client.execute(uri: "/news.xml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/rss+xml; charset=utf-8")
                #expect(String(buffer: response.body) == feed)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.cacheControl] == "public, max-age=60")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.headers[.contentLength] == "\(feed.utf8.count)")
                if live { #expect(response.headers[.date] != nil) }
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/news.xml?utm_source=reader", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == etag)
                #expect(response.headers[.contentLength] == "\(feed.utf8.count)")
                #expect(response.body.readableBytes == 0)
            }
            let lastModified = try await client.execute(uri: "/news.xml", method: .get) { try #require($0.headers[.lastModified]) }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifModifiedSince: lastModified]) { response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: "\"other\", " + etag]) { response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: "\"other\""]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.body.readableBytes < feed.utf8.count)
                #expect(response.headers[.contentLength] == "\(response.body.readableBytes)")
            }
            try await client.execute(uri: "/news.xml", method: .get, headers: [.acceptEncoding: "gzip;q=0, br"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == feed)
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
