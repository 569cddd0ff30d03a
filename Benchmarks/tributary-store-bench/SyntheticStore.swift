import ArticleStore
import Foundation
import TributaryCore

/// Fills a store with synthetic articles spread evenly over given sources, through the ordinary
/// ingest path (one transaction per source), for timing runs against a large store.
struct SyntheticStore {
    let path: String
    let sourceListPath: String
    let articles: Int

    func build() async {
        let list = (try? String(contentsOfFile: sourceListPath, encoding: .utf8)) ?? ""
        let sources = list.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard !sources.isEmpty else { fail("no source URLs in \(sourceListPath)") }
        let store: ArticleStore
        do {
            store = try ArticleStore(path: path, policy: StorePolicy(maxAge: nil, maxPerSource: nil))
        } catch {
            fail("\(error)", status: 1)
        }
        let now = Date()
        let perSource = (articles + sources.count - 1) / sources.count
        let started = ContinuousClock.now
        var stored = 0
        for (sourceIndex, url) in sources.enumerated() where stored < articles {
            let count = min(perSource, articles - stored)
            let items = (0..<count).map { number in
                let serial = stored + number
                return ParsedItem(
                    id: "synthetic-\(serial)", hasDocumentID: true,
                    title: "Synthetic article \(serial) from source \(sourceIndex)",
                    link: "https://synthetic.example/\(sourceIndex)/\(serial)",
                    summary: "<p>Body of synthetic article \(serial), written for the store benchmark.</p>",
                    published: now.addingTimeInterval(-Double(serial % 100_000) * 60))
            }
            do {
                // Old validators and no next fetch: the next `tributary fetch` asks every source again.
                _ = try await store.ingest(
                    SourceRefresh(url: url, title: nil, siteLink: nil, items: items, etag: nil, lastModified: nil, nextFetch: nil),
                    now: now)
            } catch {
                fail("\(url): \(error)", status: 1)
            }
            stored += count
        }
        let elapsed = seconds(ContinuousClock.now - started)
        print(String(format: "stored %d synthetic articles over %d sources in %.1f s (%.0f items/s)", stored, sources.count, elapsed, Double(stored) / elapsed))
        print(String(format: "peak RSS: %.0f MiB", peakRSSMegabytes()))
    }
}
