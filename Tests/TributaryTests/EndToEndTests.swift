import Aggregator
import Foundation
import Logging
import Testing
import TributaryConfig
import TributaryTestSupport

/// The whole pipeline with real parts: libcurl against a real HTTP server on 127.0.0.1, libxml2,
/// a real SQLite file in a temp dir, and the generated documents on disk.
@Suite struct EndToEndTests {
    static func configuration(server: FixtureServer, directory: TemporaryDirectory) throws -> Configuration {
        let yaml = """
            settings:
              store: data/store.sqlite
              output: public
              base_url: http://feeds.test/
              fetch: {concurrency: 4, timeout: 10s}
            categories:
              - {id: news, title: News, description: Merged news, limit: 10}
            sources:
              - {url: "\(server.baseURL)/alpha.xml", categories: [news]}
              - {url: "\(server.baseURL)/beta.atom", categories: [news]}
              - {url: "\(server.baseURL)/broken", categories: [news]}
            """
        return try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml))
    }

    static func startServer() async throws -> FixtureServer {
        try await FixtureServer.start([
            "/alpha.xml": FixtureServer.Reply.feed(try Fixtures.feed("e2e-alpha.xml")),
            "/beta.atom": FixtureServer.Reply.feed(try Fixtures.feed("e2e-beta.atom"), type: "application/atom+xml"),
            "/broken": { _ in FixtureServer.Reply(status: .internalServerError, body: Array("oops".utf8)) },
        ])
    }

    @Test func fetchMergesSourcesIntoEveryFormatAndSecondRunChangesNothing() async throws {
        let server = try await Self.startServer()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try Self.configuration(server: server, directory: directory)
        let aggregator = try Aggregator(configuration: configuration, logger: Logger(label: "test"))

        let first = try await aggregator.run()
        let byURL = Dictionary(uniqueKeysWithValues: first.sources.map { ($0.url, $0) })
        #expect(byURL["\(server.baseURL)/alpha.xml"]?.status == .ok)
        #expect(byURL["\(server.baseURL)/beta.atom"]?.status == .ok)
        #expect(byURL["\(server.baseURL)/broken"]?.status == .failed)
        #expect(byURL["\(server.baseURL)/broken"]?.httpStatus == 500)
        #expect(first.sources.map(\.newItems).reduce(0, +) == 3)

        // RSS: merged, newest first, the shared story once, links absolute, script gone.
        let rss = String(decoding: try #require(directory.read("public/news.xml")), as: UTF8.self)
        let rssTitles = Self.values(of: "title", in: rss).dropFirst()  // first is the channel title
        #expect(Array(rssTitles) == ["Beta only", "Shared story & more", "Alpha only"])
        #expect(rss.contains("<link>https://beta.example/stories/2</link>"))
        #expect(!rss.contains("<script") && !rss.contains("alert(1)"))

        let atom = String(decoding: try #require(directory.read("public/news.atom")), as: UTF8.self)
        #expect(Self.values(of: "title", in: atom).filter { $0 == "Shared story & more" }.count == 1)
        #expect(atom.contains("<source>"))

        let json = try #require(directory.read("public/news.json"))
        let feed = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let items = try #require(feed["items"] as? [[String: Any]])
        #expect(items.compactMap { $0["title"] as? String } == ["Beta only", "Shared story & more", "Alpha only"])
        #expect(Set(items.compactMap { $0["id"] as? String }).count == 3)

        for name in ["news.xml", "news.atom", "news.json", "all.xml", "all.atom", "all.json"] {
            let path = directory.path + "/public/" + name
            let result = try await offPool { try Self.validate(path) }
            #expect(result.status == 0, "\(name): \(result.output)")
        }

        let before = try Self.snapshot(directory.path + "/public")
        let second = try await aggregator.run(all: true)
        #expect(second.sources.map(\.newItems).reduce(0, +) == 0)
        #expect(second.sources.filter { $0.status == .notModified }.count == 2)
        #expect(second.changedFiles.isEmpty)
        #expect(try Self.snapshot(directory.path + "/public") == before)
        #expect(server.requestCount("/alpha.xml") == 2)
        await server.stop()
    }

    /// Text content of every `<name>` element, in order (enough for these flat fixtures).
    static func values(of name: String, in xml: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "<\(name)(?: type=\"text\")?>(.*?)</\(name)>")
        let range = NSRange(xml.startIndex..., in: xml)
        return pattern.matches(in: xml, range: range).compactMap { match in
            Range(match.range(at: 1), in: xml).map { xml[$0].replacingOccurrences(of: "&amp;", with: "&") }
        }
    }

    /// Runs the shared validator (`../shared/validate/validate_feed.py`) on a generated document.
    static func validate(_ path: String) throws -> (status: Int32, output: String) {
        let validator = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/validate/validate_feed.py").path
        guard FileManager.default.fileExists(atPath: validator) else { return (-1, "validator missing at \(validator)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", validator, path, "--base-url", "http://feeds.test/"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func snapshot(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        // Published documents only: the hidden generation marker records the store revision.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }
}
