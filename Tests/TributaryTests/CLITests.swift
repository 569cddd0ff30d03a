import Aggregator
import Foundation
import Testing
import TributaryTestSupport

/// The built binary as cron and an operator use it: exit codes, silence, messages, editing feeds.yaml.
@Suite struct CLITests {
    static func workspace(sources: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("alpha.xml", try Fixtures.feed("e2e-alpha.xml"))
        try directory.write(
            "feeds.yaml",
            """
            # Operator's comment that must survive edits.
            settings:
              store: data/store.sqlite
              output: public
            categories:
              - {id: news, title: News}
            sources:
            \(sources)
            """)
        return directory
    }

    @Test func fetchIsSilentOnSuccessAndSaysWhatFailedOtherwise() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        let ok = try await CommandRunner.run(["fetch"], in: directory.path)
        #expect(ok.status == 0)
        #expect(ok.stdout.isEmpty && ok.stderr.isEmpty)
        #expect(directory.read("public/news.xml") != nil)

        try directory.write("feeds.yaml", String(decoding: directory.read("feeds.yaml")!, as: UTF8.self) + "\n  - {url: missing.xml, categories: [news]}\n")
        let failed = try await CommandRunner.run(["fetch", "--all"], in: directory.path)
        #expect(failed.status == 1)
        let lines = failed.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("file://\(directory.path)/missing.xml: ") == true)

        let json = try await CommandRunner.run(["fetch", "--all", "--json"], in: directory.path)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(Set(objects[0].keys) == ["url", "status", "http_status", "error", "new_items", "bytes"])
        #expect(objects.map { $0["status"] as? String } == ["ok", "failed"])
    }

    @Test func brokenConfigurationsExitTwoWithPositions() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [nwes], intervall: 5m}")
        defer { directory.remove() }
        let result = try await CommandRunner.run(["check"], in: directory.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("feeds.yaml:8:35: category 'nwes' is not defined; did you mean 'news'?"))
        #expect(result.stderr.contains("feeds.yaml:8:42: unknown key 'intervall' in source; did you mean 'interval'?"))
        let fetch = try await CommandRunner.run(["fetch"], in: directory.path)
        #expect(fetch.status == 2)
        let json = try await CommandRunner.run(["check", "--json"], in: directory.path)
        #expect(json.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.map { $0["line"] as? Int } == [8, 8])
    }

    @Test func jsonLogsAreOneObjectPerLine() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        let result = try await CommandRunner.run(["fetch", "--log-format", "json", "--log-level", "info"], in: directory.path)
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["level"] != nil && object["message"] != nil)
        }
    }

    @Test func secondRunWaitsForTheLockThenExits75() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        let lock = try #require(StoreLock(storePath: directory.path + "/data/store.sqlite", timeout: .seconds(1)))
        let result = try await CommandRunner.run(["fetch", "--lock-timeout", "1"], in: directory.path)
        #expect(result.status == 75)
        #expect(result.stderr.contains("another tributary process holds"))
        withExtendedLifetime(lock) {}
    }

    @Test func opmlRoundTripKeepsEverySourceAndCategory() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        try directory.write(
            "reader.opml",
            """
            <?xml version="1.0"?>
            <opml version="1.0"><head><title>My reader</title></head><body>
              <outline text="Tech News"><outline type="rss" text="Example" xmlUrl="https://example.org/feed.xml"/>
                <outline type="rss" text="Other" xmlUrl="https://other.example/rss"/></outline>
              <outline type="rss" text="Loose" xmlUrl="https://loose.example/atom.xml"/>
              <outline type="rss" text="Duplicate" xmlUrl="https://example.org/feed.xml"/>
            </body></opml>
            """)
        let imported = try await CommandRunner.run(["import-opml", "reader.opml"], in: directory.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 3 sources"))
        #expect(imported.stdout.contains("skipped https://example.org/feed.xml (already in feeds.yaml)"))
        let yaml = String(decoding: try #require(directory.read("feeds.yaml")), as: UTF8.self)
        #expect(yaml.hasPrefix("# Operator's comment that must survive edits."))
        #expect(yaml.contains("{id: \"tech-news\", title: \"Tech News\"}"))
        #expect(try await CommandRunner.run(["check"], in: directory.path).status == 0)

        let exported = try await CommandRunner.run(["export-opml"], in: directory.path)
        try directory.write("round.opml", exported.stdout)
        for url in ["https://example.org/feed.xml", "https://other.example/rss", "https://loose.example/atom.xml"] {
            #expect(exported.stdout.contains("xmlUrl=\"\(url)\""))
        }
        #expect(exported.stdout.contains("text=\"Tech News\""))
        #expect(exported.stdout.contains("text=\"imported\"") || exported.stdout.contains("text=\"Imported\""))

        let removed = try await CommandRunner.run(["sources", "remove", "https://other.example/rss"], in: directory.path)
        #expect(removed.status == 0, "\(removed.stderr)")
        let after = String(decoding: try #require(directory.read("feeds.yaml")), as: UTF8.self)
        #expect(!after.contains("other.example") && after.contains("loose.example"))
    }

    @Test func addDiscoversTheFeedOfAnHTMLPage() async throws {
        let feed = try Fixtures.feed("e2e-alpha.xml")
        let server = try await FixtureServer.start([
            "/": { _ in
                FixtureServer.Reply(
                    headers: [.contentType: "text/html"],
                    body: Array("<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/news/feed.xml\"></head></html>".utf8))
            },
            "/news/feed.xml": FixtureServer.Reply.feed(feed),
        ])
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        let result = try await CommandRunner.run(["sources", "add", server.baseURL + "/", "--category", "news"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("added \(server.baseURL)/news/feed.xml (rss20, \"Alpha News\", 2 items)"))
        let list = try await CommandRunner.run(["sources", "list", "--json"], in: directory.path)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["url"] as? String } == ["file://\(directory.path)/alpha.xml", "\(server.baseURL)/news/feed.xml"])
        await server.stop()
    }

    @Test func showResetAndReleaseWorkOnAFailingSource() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}\n  - {url: gone.xml, categories: [news]}")
        defer { directory.remove() }
        let first = try await CommandRunner.run(["fetch"], in: directory.path)
        #expect(first.status == 1)
        let show = try await CommandRunner.run(["sources", "show", "2"], in: directory.path)
        #expect(show.status == 0)
        #expect(show.stdout.contains("status          failed"))
        #expect(show.stdout.contains("last error      cannot read"))
        // Not due yet (backoff), so a plain fetch skips it; after a reset it is fetched again.
        let skipped = try await CommandRunner.run(["fetch", "--json"], in: directory.path)
        let outcomes = try #require(try JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [[String: Any]])
        #expect(outcomes.map { $0["status"] as? String } == ["skipped", "skipped"])
        let reset = try await CommandRunner.run(["sources", "reset", "gone.xml"], in: directory.path)
        #expect(reset.status == 0 && reset.stdout.contains("reset file://\(directory.path)/gone.xml"))
        try directory.write("gone.xml", try Fixtures.feed("e2e-beta.atom"))
        let again = try await CommandRunner.run(["fetch", "--json"], in: directory.path)
        let after = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: Any]])
        #expect(after.map { $0["status"] as? String } == ["skipped", "ok"])
        let release = try await CommandRunner.run(["sources", "release", "1"], in: directory.path)
        #expect(release.status == 0 && release.stdout.contains("released 0 articles"))
        let unknown = try await CommandRunner.run(["sources", "show", "nope.example"], in: directory.path)
        #expect(unknown.status == 1 && unknown.stderr.contains("no source matches \"nope.example\""))
    }

    @Test func progressIsShownOnlyOnATerminal() async throws {
        let directory = try Self.workspace(sources: "  - {url: alpha.xml, categories: [news]}")
        defer { directory.remove() }
        // util-linux `script` gives the child a pseudo-terminal; its output is the terminal's.
        let binary = CommandRunner.binary
        let path = directory.path
        let terminal = try await offPool { () -> String in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", "\(binary) fetch --all", "/dev/null"]
            process.currentDirectoryURL = URL(fileURLWithPath: path)
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(terminal.contains("1/1 sources"))
        let piped = try await CommandRunner.run(["fetch", "--all"], in: directory.path)
        #expect(piped.status == 0 && piped.stderr.isEmpty)
    }
}
