import Aggregator
import Foundation
import Logging
import Synchronization
import Testing
import TributaryConfig
import TributaryTestSupport

@testable import TributaryServer

/// BAD-INPUTS C1–C6: broken, hostile and changing feeds.yaml files, through `ConfigLoader`, the
/// built binary, and `serve`'s reload (in process, and over a real SIGHUP).
@Suite struct CatalogConfigTests {
    static let goodYAML = """
        settings: {store: data/store.sqlite, output: public}
        categories:
          - {id: news, title: News}
        sources:
          - {url: feed.xml, categories: [news]}
        """
    static let feed = "<rss version=\"2.0\"><channel><title>F</title><item><guid>1</guid><title>One</title><link>https://f.example/1</link></item></channel></rss>"

    static func problems(_ yaml: String) throws -> [ConfigError.Problem] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            _ = try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml))
            return []
        } catch let error as ConfigError {
            return error.problems
        }
    }

    @Test func C1_syntaxErrorExitsTwoWithLineAndColumnAndServeDoesNotStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("feeds.yaml", "settings:\n  store: data/store.sqlite\ncategories: [\n  {id: news, title: News\nsources: []\n")
        let check = try await offPool { try CommandRunner.runBlocking(["check"], in: directory.path) }
        #expect(check.status == 2)
        #expect(check.stderr.range(of: #"feeds\.yaml:[1-9][0-9]*:[1-9][0-9]*: YAML syntax error"#, options: .regularExpression) != nil, "\(check.stderr)")
        let serve = try await offPool { try CommandRunner.runBlocking(["serve"], in: directory.path) }
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("YAML syntax error"))
        #expect(directory.read("data/store.sqlite") == nil)
    }

    /// Beyond `ConfigLoaderTests`: duplicate category ids, every problem listed at once.
    @Test func C2_duplicateCategoriesAndEveryOtherProblemAreListedTogether() throws {
        let problems = try Self.problems(
            """
            categories:
              - {id: news, title: News, colour: red}
              - {id: news, title: Again}
            sources:
              - {url: "https://a.example/feed", categories: [news], interval: often}
            """)
        let messages = problems.map(\.description)
        #expect(problems.count == 3, "\(messages)")
        #expect(problems.contains { $0.line == 2 && $0.message.hasPrefix("unknown key 'colour' in category") }, "\(messages)")
        #expect(problems.contains { $0.line == 3 && $0.message == "duplicate category id 'news'" }, "\(messages)")
        #expect(problems.contains { $0.line == 5 && $0.message.contains("interval") }, "\(messages)")
        #expect(problems.allSatisfy { $0.column > 0 })
    }

    /// ftp: and other schemes are refused; a URL with credentials is refused without echoing them.
    /// `file:` is accepted on purpose: a local source, the same as a plain path (the operator is trusted,
    /// and a *redirect* to file: is refused by the fetcher, N9).
    @Test func C3_ftpAndCredentialURLsAreRejectedAndFileURLsAreLocalSources() throws {
        let problems = try Self.problems(
            """
            categories:
              - {id: news, title: News}
            sources:
              - {url: "ftp://example.org/feed", categories: [news]}
              - {url: "gopher://example.org/1", categories: [news]}
              - {url: "https://alice:s3cret-pw@example.org/feed", categories: [news]}
            """)
        #expect(problems.map(\.line) == [4, 5, 6])
        #expect(problems[0].message.hasPrefix("unsupported URL scheme 'ftp:'"))
        #expect(problems[1].message.hasPrefix("unsupported URL scheme 'gopher:'"))
        #expect(problems[2].message.hasPrefix("credentials in source URLs are not allowed"))
        #expect(!problems.map(\.description).joined().contains("s3cret"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("feeds.yaml", "categories: [{id: news, title: News}]\nsources:\n  - {url: \"file:///srv/feeds/a%20b.xml\", categories: [news]}\n")
        #expect(try ConfigLoader.load(path: path).sources.map(\.url) == ["file:///srv/feeds/a b.xml"])
    }

    /// Category ids name files and URLs: anything but a short slug is refused, never used as a path.
    @Test(arguments: ["/", "..", "../etc", "a/b", "a\\0b", String(repeating: "a", count: 200)])
    func C4_pathLikeCategoryIDsAreRejected(id: String) throws {
        let problems = try Self.problems("categories:\n  - {id: \"\(id)\", title: Bad}\nsources: []\n")
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("must be 1–64 characters of a–z, 0–9") == true, "\(problems)")
        #expect((problems.first?.message.count ?? 0) < 250)
    }

    /// A billion-laughs YAML is refused at its first alias, before anything is expanded.
    @Test func C5_aliasBombIsRefusedBeforeExpansion() throws {
        var yaml = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for (index, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].enumerated() {
            let previous = index == 0 ? "a" : ["b", "c", "d", "e", "f", "g", "h"][index - 1]
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let problems = try Self.problems(yaml)
        #expect(problems.map { "\($0.line):\($0.column): \($0.message)" } == ["2:8: YAML aliases (*name) are not allowed in feeds.yaml; write the value out"])
    }

    /// Reload in process: a bad file is logged and changes nothing; a good one is used by the next cycle.
    @Test func C6_reloadWithABadConfigKeepsTheOldOneAndLogs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("feed.xml", Self.feed)
        let path = try directory.write("feeds.yaml", Self.goodYAML)
        let lines = LogLines()
        let logger = Logger(label: "c6") { _ in lines }
        let aggregator = try Aggregator(configuration: try ConfigLoader.load(path: path), logger: logger)
        let cache = DocumentCache()
        let scheduler = FetchScheduler(
            aggregator: aggregator, cache: cache, health: HealthState(staleAfter: 60), tick: .seconds(60), logger: logger, publisher: nil)
        await scheduler.cycle()
        let served = try #require(cache.document(named: "news.xml")?.etag)

        try directory.write("feeds.yaml", "categories: [\n")
        #expect(!scheduler.reload(configurationPath: path))
        #expect(scheduler.aggregator === aggregator)
        #expect(lines.all.contains { $0.contains("configuration reload failed") && $0.contains("YAML syntax error") })
        await scheduler.cycle()
        #expect(cache.document(named: "news.xml")?.etag == served)

        try directory.write("feeds.yaml", Self.goodYAML.replacingOccurrences(of: "  - {id: news, title: News}", with: "  - {id: news, title: News}\n  - {id: world, title: World}"))
        #expect(scheduler.reload(configurationPath: path))
        #expect(scheduler.aggregator.store === aggregator.store)
        await scheduler.cycle()
        #expect(cache.document(named: "world.xml") != nil)
    }

    /// The same over a real signal: `tributary serve`, SIGHUP with a broken file, still serving.
    @Test func C6_sighupWithABadConfigWhileServing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("feed.xml", Self.feed)
        let port = try FreePort.find()
        try directory.write("feeds.yaml", Self.goodYAML.replacingOccurrences(of: "output: public", with: "output: public, listen: \"127.0.0.1:\(port)\""))
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: CommandRunner.binary)
        serve.arguments = ["serve", "--tick", "1"]
        serve.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        let errors = Pipe()
        serve.standardError = errors
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        #expect(await Self.waitForFeed(port: port), "serve never served /news.xml")
        try directory.write("feeds.yaml", "categories: [\n")
        kill(serve.processIdentifier, SIGHUP)
        let descriptor = errors.fileHandleForReading.fileDescriptor
        let log = try await offPool { Self.read(descriptor, until: "configuration reload failed", timeout: .seconds(60)) }
        #expect(log.contains("configuration reload failed"), "\(log)")
        #expect(serve.isRunning)
        #expect(await Self.waitForFeed(port: port))
        serve.terminate()
        try await offPool { serve.waitUntilExit() }
        #expect(serve.terminationStatus == 0)
    }

    /// Reads a pipe until `marker` arrives, the writer closes it, or `timeout` passes.
    static func read(_ descriptor: Int32, until marker: String, timeout: Duration) -> String {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while !text.contains(marker), ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return text
    }

    /// Polls GET /news.xml until it answers 200 (bounded: 60 tries).
    static func waitForFeed(port: Int) async -> Bool {
        for _ in 0..<60 {
            let answer = try? await offPool { () -> String in
                let client = try RawClient(port: port)
                client.send("GET /news.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return client.read(until: "</rss>", timeout: .seconds(5)).data
            }
            if answer?.hasPrefix("HTTP/1.1 200") == true { return true }
            try? await Task.sleep(for: .milliseconds(300))
        }
        return false
    }
}

/// A log handler that keeps every line (message and metadata) for assertions.
final class LogLines: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    func log(event: LogEvent) {
        let text = "\(event.level) \(event.message) \(event.metadata.map { "\($0)" } ?? "")"
        lines.withLock { $0.append(text) }
    }
}

/// An ephemeral port that was free a moment ago.
enum FreePort {
    static func find() throws -> Int {
        let server = try RawHTTPServer(routes: [:])
        defer { server.stop() }
        return server.port
    }
}
