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

    /// A run renders only the categories whose feed changed since this process last wrote them (the
    /// scheduler in `serve` runs cycles on one aggregator): a new item in one source re-renders its
    /// category and `all`, not the other category.
    @Test func onlyChangedCategoriesAreRenderedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.xml", Self.rss("a.example", link: "https://a.example/budget"))
        try directory.write("b.xml", Self.rss("b.example", link: "https://b.example/other"))
        let path = try directory.write(
            "feeds.yaml",
            """
            settings: {store: data/store.sqlite, output: public}
            categories:
              - {id: one, title: One}
              - {id: two, title: Two}
            sources:
              - {url: a.xml, categories: [one]}
              - {url: b.xml, categories: [two]}
            """)
        let lines = LogLines()
        let aggregator = try Aggregator(configuration: try ConfigLoader.load(path: path), logger: Logger(label: "render") { _ in lines })
        func rendered() -> [String] {
            lines.all.filter { $0.contains("generated") }.compactMap { line in
                line.range(of: "\"rendered_categories\": ").map { String(line[$0.upperBound...].prefix(while: \.isNumber)) }
            }
        }
        _ = try await aggregator.run(all: true)
        try directory.write(
            "a.xml",
            Self.rss("a.example", link: "https://a.example/budget").replacingOccurrences(
                of: "</channel>",
                with: "<item><guid>a-2</guid><title>Ferry timetable changes in spring</title><link>https://a.example/ferry</link></item></channel>"))
        _ = try await aggregator.run(all: true)
        #expect(rendered() == ["3", "2"], "\(lines.all.filter { $0.contains("generated") })")
        let one = try #require(directory.read("public/one.json"))
        #expect(String(decoding: one, as: UTF8.self).contains("Ferry timetable"))
        // A deleted document is written again when the next generation runs, though its feed did not change.
        try FileManager.default.removeItem(atPath: directory.path + "/public/two.xml")
        try FileManager.default.removeItem(atPath: directory.path + "/public/.tributary-generated")
        _ = try await aggregator.run(all: true)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/public/two.xml"))
    }
}
