import ArticleStore
import Foundation
import Testing
import TributaryTestSupport

/// Issue 5 point 10, BAD-INPUTS S1 and S8: `tributary fetch --all` killed with SIGKILL at random points
/// while it writes, over and over, never damages the store, never loses a committed article, never
/// stores an article twice and never leaves a half-written output file.
@Suite struct CrashSafetyTests {
    /// Kills that must land while the child is still running.
    static let requiredKills = 20

    @Test func S1_sigkillDuringFetchLosesNothingAndCorruptsNothing() async throws {
        let shared = URL(fileURLWithPath: Fixtures.directory)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared").path
        let generator = shared + "/bench/gen_corpus.py"
        guard FileManager.default.fileExists(atPath: generator) else {
            Issue.record("\(generator) is missing: the crash-safety test needs the shared bench kit (CI has it)")
            return
        }
        let corpus = try TemporaryDirectory()
        defer { corpus.remove() }
        let corpusPath = corpus.path
        try await offPool { try Self.python([generator, "--feeds", "120", "--seed", "7", "--out", corpusPath]) }
        let feeds = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
            .filter { $0.hasSuffix(".xml") }.sorted().map { corpus.path + "/" + $0 }
        #expect(feeds.count == 120)

        // A clean, uninterrupted run: the reference contents, and the length of a full run.
        let clean = try Self.workspace(feeds: feeds)
        defer { clean.remove() }
        let started = ContinuousClock.now
        let reference = try await CommandRunner.run(["fetch", "--all"], in: clean.path)
        let fullRun = ContinuousClock.now - started
        #expect(reference.status == 0, "clean run: \(reference.stderr)")
        let expected = try await offPool { [clean] in try Self.inspect(clean) }
        #expect(expected.count > 0 && expected.problems.isEmpty, "clean run: \(expected.problems)")

        let crashed = try Self.workspace(feeds: feeds)
        defer { crashed.remove() }
        var previous = StoreSnapshot.empty
        var kills = 0
        var attempts = 0
        var generator64 = SystemRandomNumberGenerator()
        // Later runs find most items stored and finish sooner; a run that ended before its kill
        // shortens the window for the next ones.
        var window = fullRun
        while kills < Self.requiredKills && attempts < Self.requiredKills * 6 {
            attempts += 1
            // Spread the kills over the run: most while sources are parsed and stored, some near
            // the end, where the outputs are generated.
            let nearEnd = attempts % 5 == 0
            let fraction = nearEnd ? Double.random(in: 0.8...1.0, using: &generator64) : Double.random(in: 0.03...0.7, using: &generator64)
            let delay = window * fraction
            let wasKilled = try await Self.runAndKill(in: crashed.path, after: delay)
            if wasKilled { kills += 1 } else { window = max(window * 0.6, .milliseconds(30)) }
            let context = "attempt \(attempts), killed \(wasKilled) after \(delay)"

            // ArticleStore's init runs quick_check and refuses a damaged file.
            do {
                let store = try ArticleStore(path: crashed.path + "/data/store.sqlite")
                _ = try await store.stats()
            } catch {
                Issue.record("\(context): store does not reopen: \(error)")
                return
            }
            let snapshot = try await offPool { [crashed] in try Self.inspect(crashed) }
            #expect(snapshot.problems.isEmpty, "\(context): \(snapshot.problems)")
            #expect(snapshot.count >= previous.count, "\(context): article count fell from \(previous.count) to \(snapshot.count)")
            let lost = previous.outputIDs.subtracting(snapshot.outputIDs)
            #expect(lost.isEmpty, "\(context): \(lost.count) committed articles disappeared")
            // One transaction per source refresh: each source has none or all of its items.
            for (url, keys) in snapshot.keysPerSource where keys != 0 && keys != expected.keysPerSource[url] {
                Issue.record("\(context): \(url) has \(keys) item keys, a clean run stores \(expected.keysPerSource[url] ?? 0)")
            }
            previous = snapshot
        }
        #expect(kills >= Self.requiredKills, "only \(kills) of \(attempts) runs were still running when killed")

        let final = try await CommandRunner.run(["fetch", "--all"], in: crashed.path)
        #expect(final.status == 0, "final run: \(final.stderr)")
        let recovered = try await offPool { [crashed] in try Self.inspect(crashed) }
        #expect(recovered.problems.isEmpty, "after the final run: \(recovered.problems)")
        #expect(recovered.count == expected.count)
        #expect(recovered.keysPerSource == expected.keysPerSource)
        // Output ids and primary sources depend on which source was stored first, so compare shapes.
        #expect(recovered.outputs == expected.outputs)
        for name in ["news.json", "all.json"] {
            #expect(try Self.itemCount(crashed, name) == Self.itemCount(clean, name), "\(name) regenerated")
        }
    }

    /// Number of items in a generated JSON Feed.
    /// BAD-INPUTS issue 9 "SIGTERM during a fetch": the run aborts its transfers, commits or rolls back
    /// whole sources, exits 143 within seconds (not after the 300 s fetch timeout), records nothing
    /// against the interrupted sources, and the next run stores everything and regenerates outputs.
    @Test func sigtermDuringFetchStopsWithinSecondsAndLosesNothing() async throws {
        func rss(_ name: String) -> [UInt8] {
            let items = (0..<3).map { "<item><title>\(name) \($0)</title><link>http://example.com/\(name)/\($0)</link></item>" }
            return Array("<rss version=\"2.0\"><channel><title>\(name)</title>\(items.joined())</channel></rss>".utf8)
        }
        var routes: [String: [RawHTTPServer.Step]] = [:]
        for index in 0..<5 {
            routes["/fast\(index).xml"] = RawHTTPServer.response(headers: [("Content-Type", "application/rss+xml")], body: rss("fast\(index)"))
        }
        for index in 0..<3 {  // Headers, half a body, then nothing for 300 s.
            routes["/hang\(index).xml"] = [
                .write(RawHTTPServer.head(200, [("Content-Type", "application/rss+xml"), ("Content-Length", "5000")])),
                .write(Array("<rss version=\"2.0\"><channel><title>hang</title>".utf8)), .sleep(.seconds(300)),
            ]
        }
        let server = try RawHTTPServer(routes: routes)
        defer { server.stop() }
        let fast = (0..<5).map { "\(server.baseURL)/fast\($0).xml" }
        let hanging = (0..<3).map { "\(server.baseURL)/hang\($0).xml" }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func writeConfig(_ urls: [String]) throws {
            let sources = urls.map { "  - {url: \"\($0)\", categories: [news]}" }.joined(separator: "\n")
            try directory.write(
                "feeds.yaml",
                "settings:\n  store: data/store.sqlite\n  output: public\n  fetch: {timeout: 300s}\n"
                    + "categories:\n  - {id: news, title: News}\nsources:\n\(sources)\n")
        }
        try writeConfig(fast + hanging)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
        process.arguments = ["fetch", "--all"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        let errorPipe = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorPipe
        try process.run()
        for index in 0..<3 {
            #expect(await server.waitForRequest("/hang\(index).xml", timeout: .seconds(120)), "hang\(index) never requested")
        }
        let signalled = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        let stderr = try await offPool { [process, errorPipe] () -> String in
            let text = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        let exitedAfter = ContinuousClock.now - signalled
        #expect(exitedAfter < .seconds(60), "exited \(exitedAfter) after SIGTERM; the hanging transfers were not aborted")
        #expect(process.terminationReason == .exit && process.terminationStatus == 143, "status \(process.terminationStatus): \(stderr)")
        #expect(stderr.contains("stopped by SIGTERM: 3 source(s) left for the next run"), "\(stderr)")

        // Whole sources or nothing; nothing recorded against the interrupted ones.
        let snapshot = try await offPool { [directory] in try Self.inspect(directory) }
        #expect(snapshot.problems.isEmpty, "\(snapshot.problems)")
        for url in fast { #expect([0, 3].contains(snapshot.keysPerSource[url] ?? 0), "\(url): \(snapshot.keysPerSource[url] ?? 0) of 3") }
        let failures = try await offPool { [directory] () throws -> String in
            let query = "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(db.execute('SELECT COUNT(*) FROM sources WHERE url LIKE \\'%/hang%\\' AND (failures > 0 OR last_error IS NOT NULL)').fetchone()[0])"
            return String(decoding: try Self.python(["-c", query, directory.path + "/data/store.sqlite"]), as: UTF8.self)
        }
        #expect(failures.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "interrupted sources recorded as failed: \(failures)")

        // The next run (hanging sources removed) stores every fast item and regenerates the outputs.
        try writeConfig(fast)
        let rerun = try await CommandRunner.run(["fetch"], in: directory.path)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try Self.itemCount(directory, "news.json") == 15)
    }

    /// S8: a writer killed between creating its temporary file and renaming it leaves `.<name>.tmp-<pid>`;
    /// the next run (which holds the store lock, so no other writer is live) removes it.
    @Test func S8_temporaryFilesOfAKilledRunAreRemovedByTheNext() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("feed.xml", "<rss version=\"2.0\"><channel><title>T</title><item><title>One</title><link>https://t.example/1</link></item></channel></rss>")
        try directory.write(
            "feeds.yaml",
            "settings: {store: data/store.sqlite, output: public}\ncategories:\n  - {id: news, title: News}\nsources:\n  - {url: feed.xml, categories: [news]}\n")
        try FileManager.default.createDirectory(atPath: directory.path + "/public", withIntermediateDirectories: true)
        try directory.write("public/.news.xml.tmp-99999", "<rss><chan")
        try directory.write("public/.index.html.tmp-12345", "")
        let run = try await CommandRunner.run(["fetch"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/public")
        #expect(!names.contains { $0.contains(".tmp-") }, "\(names)")
        #expect(names.contains("news.xml"))
    }

    static func itemCount(_ directory: TemporaryDirectory, _ name: String) throws -> Int {
        let bytes = try #require(directory.read("public/" + name), "\(name) missing")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        return (object["items"] as? [Any])?.count ?? -1
    }

    /// Starts `tributary fetch --all` and sends SIGKILL after `delay`; true when it was still running.
    static func runAndKill(in directory: String, after delay: Duration) async throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
        process.arguments = ["fetch", "--all"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: delay)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try await offPool { [process] in process.waitUntilExit() }
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    static func workspace(feeds: [String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let sources = feeds.map { "  - {url: \($0), categories: [news]}" }.joined(separator: "\n")
        try directory.write(
            "feeds.yaml",
            """
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

    /// What the store and the output directory hold, read by a separate program (python3's sqlite3).
    struct StoreSnapshot {
        var count: Int
        var outputIDs: Set<String>
        var keysPerSource: [String: Int]
        var outputs: [String]
        var problems: [String]

        static let empty = StoreSnapshot(count: 0, outputIDs: [], keysPerSource: [:], outputs: [], problems: [])
    }

    /// Runs `PRAGMA integrity_check`, looks for shared canonical URLs and parses every generated file.
    static func inspect(_ directory: TemporaryDirectory) throws -> StoreSnapshot {
        let script = """
            import json, os, sqlite3, sys, xml.dom.minidom
            root = sys.argv[1]
            problems, outputs = [], []
            store = os.path.join(root, "data", "store.sqlite")
            ids, per_source = [], {}
            if os.path.exists(store):
                db = sqlite3.connect(store)
                check = [row[0] for row in db.execute("PRAGMA integrity_check")]
                if check != ["ok"]: problems.append("integrity_check: " + "; ".join(check[:3]))
                ids = [row[0] for row in db.execute("SELECT output_id FROM articles")]
                for url, n in db.execute("SELECT canonical_url, COUNT(*) FROM articles WHERE canonical_url IS NOT NULL GROUP BY canonical_url HAVING COUNT(*) > 1"):
                    problems.append("canonical URL stored %d times: %s" % (n, url))
                per_source = dict(db.execute("SELECT s.url, COUNT(k.guid) FROM sources s LEFT JOIN article_keys k ON k.source_id = s.id GROUP BY s.id"))
                db.close()
            public = os.path.join(root, "public")
            for name in sorted(os.listdir(public)) if os.path.isdir(public) else []:
                path = os.path.join(public, name)
                if name.startswith("."): continue
                outputs.append(name)
                try:
                    if name.endswith((".xml", ".atom", ".opml")): xml.dom.minidom.parse(path)
                    elif name.endswith(".json"):
                        with open(path, "rb") as f: json.load(f)
                except Exception as error:
                    problems.append("%s does not parse: %s" % (name, error))
            print(json.dumps({"ids": ids, "per_source": per_source, "outputs": outputs, "problems": problems}))
            """
        let output = try python(["-c", script, directory.path])
        let object = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let ids = object["ids"] as? [String] ?? []
        return StoreSnapshot(
            count: ids.count, outputIDs: Set(ids), keysPerSource: object["per_source"] as? [String: Int] ?? [:],
            outputs: object["outputs"] as? [String] ?? [], problems: object["problems"] as? [String] ?? ["no report"])
    }

    /// Runs python3 with these arguments and returns its standard output; throws on a non-zero exit.
    @discardableResult
    static func python(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "python3 \(arguments.prefix(1)) failed"])
        }
        return data
    }
}
