import Aggregator
import Foundation
import Logging
import Testing
import TributaryConfig
import TributaryTestSupport

@testable import TributaryServer

/// `serve` picks up documents that a cron `tributary fetch` regenerated behind its back.
@Suite struct OutputWatchTests {
    @Test func servedDocumentsFollowTheGenerationMarker() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "feeds.yaml", "settings: {store: data/s.sqlite, output: out}\ncategories: []\nsources: []\n")
        let configuration = try ConfigLoader.load(path: path)
        let aggregator = try Aggregator(configuration: configuration, logger: Logger(label: "test"))
        try FileManager.default.createDirectory(atPath: directory.path + "/out", withIntermediateDirectories: true)
        try directory.write("out/news.xml", "<rss version=\"2.0\"><channel><title>old</title></channel></rss>")
        let cache = DocumentCache()
        cache.reload(from: directory.path + "/out")
        let scheduler = FetchScheduler(
            aggregator: aggregator, cache: cache, health: HealthState(staleAfter: 60), tick: .seconds(3600),
            logger: Logger(label: "test"), publisher: nil)
        let oldETag = try #require(cache.document(named: "news.xml")?.etag)
        let watcher = Task { await scheduler.watchOutputs() }
        defer { watcher.cancel() }
        // Another process writes a document, then the marker (as Aggregator.generateIfStale does).
        try await Task.sleep(for: .milliseconds(100))
        try directory.write("out/news.xml", "<rss version=\"2.0\"><channel><title>new</title></channel></rss>")
        try directory.write("out/.tributary-generated", "revision 2\n")
        let deadline = ContinuousClock.now + .seconds(60)
        while cache.document(named: "news.xml")?.etag == oldETag, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let served = try #require(cache.document(named: "news.xml"))
        #expect(served.etag != oldETag)
        #expect(String(buffer: served.body).contains("<title>new</title>"))
    }
}
