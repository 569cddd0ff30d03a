import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TributaryServer
import TributaryTestSupport

/// BAD-INPUTS H1, H2 and H5–H7: requests that try to leave the output set, unknown names, clients
/// that vanish, ETag stability, and documents swapped while thousands of requests read them.
@Suite(.serialized) struct CatalogServingTests {
    static let secret = "SECRET-MARKER-feeds-yaml"

    /// An output directory `public/` inside a directory whose feeds.yaml holds a marker.
    static func outputs(_ documents: [String: String]) throws -> (TemporaryDirectory, DocumentCache) {
        let directory = try TemporaryDirectory()
        try directory.write("feeds.yaml", "# \(secret)\n")
        try FileManager.default.createDirectory(atPath: directory.path + "/public", withIntermediateDirectories: true)
        for (name, text) in documents { try directory.write("public/" + name, text) }
        let cache = DocumentCache()
        cache.reload(from: directory.path + "/public")
        return (directory, cache)
    }

    static func application(_ cache: DocumentCache) -> some ApplicationProtocol {
        let routes = FeedRoutes(cache: cache, health: HealthState(staleAfter: 60))
        return Application(
            router: routes.router(), server: TributaryServer.server(limits: ServerLimits(), routes: routes),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func rss(_ title: String, size: Int = 0) -> String {
        "<rss version=\"2.0\"><channel><title>\(title)</title><description>\(String(repeating: "z", count: size))</description></channel></rss>"
    }

    /// Raw request targets (no client normalises them): 400 or 404, never a byte of a file.
    @Test func H1_traversalVariantsNeverLeaveTheOutputSet() async throws {
        let (directory, cache) = try Self.outputs(["news.xml": Self.rss("News")])
        defer { directory.remove() }
        let targets = [
            "/../../etc/passwd", "/../feeds.yaml", "/%2e%2e%2ffeeds.yaml", "/%2e%2e/%2e%2e/etc/passwd", "/..%5cfeeds.yaml",
            "/..%5c..%5cetc%5cpasswd", "/%252e%252e%252ffeeds.yaml", "/news.xml/../../feeds.yaml", "/.%2e/feeds.yaml",
            "/%2fetc%2fpasswd", "//etc/passwd", "/....//feeds.yaml", "/%00news.xml", "/news.xml%00.html",
        ]
        try await Self.application(cache).test(.live) { client in
            let port = try #require(client.port)
            for target in targets {
                let answer = try await offPool { () throws -> String in
                    let raw = try RawClient(port: port)
                    raw.send("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    return raw.read(timeout: .seconds(10)).data
                }
                let status = answer.split(separator: " ").dropFirst().first.map(String.init) ?? "closed"
                #expect(["400", "404", "closed"].contains(status), "\(target): \(answer.prefix(80))")
                #expect(!answer.contains(Self.secret) && !answer.contains("root:x:0:0"), "\(target)")
            }
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// A request announcing a 1 GB body (and sending some of it) is answered or closed without the
    /// body being read into memory; the server carries on. Oversized headers: `ServerHardeningTests`.
    @Test func H3_hugeRequestBodyIsNotRead() async throws {
        let (directory, cache) = try Self.outputs(["news.xml": Self.rss("News")])
        defer { directory.remove() }
        try await Self.application(cache).test(.live) { client in
            let port = try #require(client.port)
            let answer = try await offPool { () throws -> String in
                let raw = try RawClient(port: port)
                raw.send("POST /news.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
                for _ in 0..<64 where raw.send(String(repeating: "b", count: 65_536)) {}
                return raw.read(timeout: .seconds(10)).data
            }
            #expect(!answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(80))")
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func H2_unknownCategoryIsA404WithAShortBody() async throws {
        let (directory, cache) = try Self.outputs(["news.xml": Self.rss("News")])
        defer { directory.remove() }
        try await Self.application(cache).test(.router) { client in
            for name in ["nope.xml", "nope", String(repeating: "n", count: 5000) + ".xml"] {
                try await client.execute(uri: "/" + name, method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                    #expect(response.body.readableBytes < 300)
                    #expect(String(buffer: response.body).hasPrefix("not found: no document named"))
                }
            }
        }
    }

    /// Clients that send a request for a 4 MB document and hang up at once, or after the first bytes:
    /// the server neither crashes nor stalls; the next client is served in full.
    @Test func H5_clientsVanishingMidResponseDoNotHurtTheServer() async throws {
        let big = Self.rss("Big", size: 4_000_000)
        let (directory, cache) = try Self.outputs(["big.xml": big, "news.xml": Self.rss("News")])
        defer { directory.remove() }
        try await Self.application(cache).test(.live) { client in
            let port = try #require(client.port)
            let answer = try await offPool { () throws -> String in
                for round in 0..<40 {
                    let raw = try RawClient(port: port)
                    raw.send("GET /big.xml HTTP/1.1\r\nHost: x\r\n\r\n")
                    if round % 2 == 1 { _ = raw.read(until: "<rss", timeout: .seconds(10)) }
                }  // each RawClient closes its socket when it goes out of scope
                let raw = try RawClient(port: port)
                raw.send("GET /big.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return raw.read(until: "</channel></rss>", timeout: .seconds(60)).data
            }
            #expect(answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix("</channel></rss>"), "\(answer.prefix(200))")
            try await client.execute(uri: "/news.xml", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// The ETag is a digest of the bytes: the same across reloads and a new cache (a restart), so a
    /// conditional request still gets 304; new bytes get a new ETag and the old one a 200.
    @Test func H6_etagIsStableForTheSameBytes() async throws {
        let (directory, cache) = try Self.outputs(["news.xml": Self.rss("News")])
        defer { directory.remove() }
        let etag = try #require(cache.document(named: "news.xml")?.etag)
        cache.reload(from: directory.path + "/public")
        #expect(cache.document(named: "news.xml")?.etag == etag)
        try directory.write("public/news.xml", Self.rss("News"))  // rewritten, same bytes, new mtime
        let restarted = DocumentCache()
        restarted.reload(from: directory.path + "/public")
        #expect(restarted.document(named: "news.xml")?.etag == etag)
        try await Self.application(restarted).test(.router) { client in
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: etag]) { #expect($0.status == .notModified) }
        }
        try directory.write("public/news.xml", Self.rss("News, changed"))
        restarted.reload(from: directory.path + "/public")
        let changed = try #require(restarted.document(named: "news.xml")?.etag)
        #expect(changed != etag)
        try await Self.application(restarted).test(.router) { client in
            try await client.execute(uri: "/news.xml", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .ok && response.headers[.eTag] == changed)
            }
        }
    }

    /// 2,000 requests while the document set flips between two generations: each response's body is
    /// exactly the generation its ETag names (old or new, never a mix, never a torn body).
    @Test func H7_documentsSwappedWhileReadingAreOldOrNewNeverAMix() async throws {
        let old = ["news.xml": Self.rss("Old", size: 3000), "world.atom": Self.rss("Old world", size: 100)]
        let new = ["news.xml": Self.rss("New", size: 5000), "world.atom": Self.rss("New world", size: 7)]
        let (first, cache) = try Self.outputs(old)
        defer { first.remove() }
        let (second, other) = try Self.outputs(new)
        defer { second.remove() }
        var bodies: [String: String] = [:]  // ETag → body
        for (name, _) in old {
            for source in [cache, other] {
                let document = try #require(source.document(named: name))
                bodies[document.etag] = String(buffer: document.body)
            }
        }
        let expected = bodies
        let swapping = Task.detached {
            var flip = false
            while !Task.isCancelled {
                cache.reload(from: (flip ? first : second).path + "/public")
                flip.toggle()
                await Task.yield()
            }
        }
        try await Self.application(cache).test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in 0..<250 {
                            let name = (worker + index) % 2 == 0 ? "news.xml" : "world.atom"
                            try await client.execute(uri: "/" + name, method: .get) { response in
                                let etag = response.headers[.eTag] ?? ""
                                #expect(expected[etag] == String(buffer: response.body), "\(name) body does not match ETag \(etag)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        swapping.cancel()
        _ = await swapping.value
    }
}
