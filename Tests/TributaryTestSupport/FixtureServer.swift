import Foundation
import Hummingbird
import Logging
import Synchronization

/// A real HTTP server on 127.0.0.1 with an ephemeral port, started by a test.
///
/// Routes are plain closures from the request to a response; the server counts requests per path
/// so tests can check what a fetcher did (for example that a 304 was asked for).
public final class FixtureServer: Sendable {
    /// A canned response.
    public struct Reply: Sendable {
        /// Status code.
        public var status: HTTPResponse.Status
        /// Headers.
        public var headers: HTTPFields
        /// Body bytes.
        public var body: [UInt8]

        /// Creates a reply.
        public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// 200 with a feed body and an ETag derived from it; 304 when the request carries that ETag.
        public static func feed(_ text: String, type: String = "application/rss+xml; charset=utf-8") -> @Sendable (Request) -> Reply {
            let etag = "\"\(text.utf8.reduce(UInt64(5381)) { ($0 &* 33) ^ UInt64($1) })\""
            return { request in
                if request.headers[.ifNoneMatch] == etag { return Reply(status: .notModified, headers: [.eTag: etag]) }
                return Reply(headers: [.contentType: type, .eTag: etag], body: Array(text.utf8))
            }
        }
    }

    /// Port the server listens on.
    public let port: Int
    private let task: Task<Void, any Error>
    private let counts: RequestCounter

    /// Base URL, "http://127.0.0.1:PORT".
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Requests seen for a path.
    public func requestCount(_ path: String) -> Int { counts.count(path) }

    /// Starts a server with these routes (path → handler).
    public static func start(_ routes: [String: @Sendable (Request) -> Reply]) async throws -> FixtureServer {
        let counts = RequestCounter()
        let router = Router()
        let respond: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let path = request.uri.path
            counts.increment(path)
            guard let handler = routes[path] else { return Response(status: .notFound) }
            let reply = handler(request)
            return Response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        router.get("/", use: respond)
        router.get("**", use: respond)
        router.post("**", use: respond)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fixture-server")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.run() }
        var port = 0
        for await value in stream { port = value }
        return FixtureServer(port: port, task: task, counts: counts)
    }

    private init(port: Int, task: Task<Void, any Error>, counts: RequestCounter) {
        self.port = port
        self.task = task
        self.counts = counts
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Requests per path, shared between the server's handlers and the test.
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func increment(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }

    func count(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
}
