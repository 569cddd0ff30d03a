import Aggregator
import Foundation
import Logging
import Testing
import TributaryConfig
import TributaryTestSupport

/// What goes into a category's generated feed, through the whole pipeline (local files as sources):
/// the per-category `dedupe` level.
@Suite struct CategorySelectionTests {
    static func rss(_ site: String, link: String) -> String {
        """
        <rss version="2.0"><channel><title>\(site)</title><link>https://\(site)/</link>
        <item><guid>\(site)-1</guid><title>Council approves the new harbour budget</title><link>\(link)</link>
        <pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><description>The council voted on Monday.</description></item>
        </channel></rss>
        """
    }

    static func items(_ directory: TemporaryDirectory, _ name: String) throws -> [[String: Any]] {
        let bytes = try #require(directory.read("public/" + name), "\(name) missing")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        return object["items"] as? [[String: Any]] ?? []
    }

    /// The same story from three sources (two share its URL, one is a copy elsewhere): one entry in a
    /// `content` category, two in a `url` one, three in an `id` one; `all` keeps the default.
    @Test func dedupeLevelDecidesHowManyCopiesACategoryShows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.xml", Self.rss("a.example", link: "https://a.example/budget"))
        try directory.write("b.xml", Self.rss("b.example", link: "https://a.example/budget?utm_source=b"))
        try directory.write("c.xml", Self.rss("c.example", link: "https://c.example/copy"))
        let path = try directory.write(
            "feeds.yaml",
            """
            settings: {store: data/store.sqlite, output: public}
            categories:
              - {id: merged, title: Merged}
              - {id: byurl, title: By URL, dedupe: url}
              - {id: byid, title: By id, dedupe: id}
            sources:
              - {url: a.xml, categories: [merged, byurl, byid]}
              - {url: b.xml, categories: [merged, byurl, byid]}
              - {url: c.xml, categories: [merged, byurl, byid]}
            """)
        let aggregator = try Aggregator(configuration: try ConfigLoader.load(path: path), logger: Logger(label: "dedupe"))
        let summary = try await aggregator.run(all: true)
        #expect(summary.sources.map(\.status) == [.ok, .ok, .ok])
        #expect(try Self.items(directory, "merged.json").count == 1)
        #expect(try Self.items(directory, "all.json").count == 1)
        let byURL = try Self.items(directory, "byurl.json")
        #expect(byURL.compactMap { $0["url"] as? String }.sorted() == ["https://a.example/budget", "https://c.example/copy"])
        let byID = try Self.items(directory, "byid.json")
        #expect(byID.count == 3)
        #expect(Set(byID.compactMap { $0["id"] as? String }).count == 3)
        #expect(Set(byID.compactMap { ($0["_tributary"] as? [String: Any])?["source_url"] as? String }).count == 3)
    }

    /// `retention` on a category prunes the store through the run: a category keeping one article
    /// loses its older ones; a bad `retention` value is a configuration error with its line.
    @Test func categoryRetentionIsAppliedByTheRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let items = (1...3).map { "<item><guid>g\($0)</guid><title>Item number \($0) of three</title><link>https://r.example/\($0)</link><pubDate>Mon, 0\($0) Nov 2026 10:00:00 GMT</pubDate></item>" }
        try directory.write("r.xml", "<rss version=\"2.0\"><channel><title>R</title>\(items.joined())</channel></rss>")
        let path = try directory.write(
            "feeds.yaml",
            """
            settings: {store: data/store.sqlite, output: public}
            categories:
              - {id: short, title: Short, retention: {max_count: 1}}
            sources:
              - {url: r.xml, categories: [short]}
            """)
        let aggregator = try Aggregator(configuration: try ConfigLoader.load(path: path), logger: Logger(label: "retention"))
        _ = try await aggregator.run(all: true)
        let stats = try await aggregator.store.stats()
        #expect(stats.articlesStored == 1)
        #expect(try Self.items(directory, "short.json").compactMap { $0["title"] as? String } == ["Item number 3 of three"])

        try directory.write("bad.yaml", "categories:\n  - {id: x, title: X, retention: {max_count: 0, keep: 3}}\n")
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: directory.path + "/bad.yaml") }
        do {
            _ = try ConfigLoader.load(path: directory.path + "/bad.yaml")
        } catch {
            #expect("\(error)".contains("keep") && "\(error)".contains("max_count"), "\(error)")
        }
    }
}
