import ArticleStore
import FeedParse
import Foundation
import TributaryCore

/// Ingests a generated corpus into a fresh store twice, as `tributary fetch` would (one source per
/// file, one transaction per source), and checks the stored count against the manifest.
struct IngestBenchmark {
    let directory: String
    /// Refreshes handed to the store at once (as many sources finishing together in a fetch run),
    /// which it commits in one transaction.
    var batchSize = 1

    func run() async {
        let list = (try? String(contentsOfFile: directory + "/files.txt", encoding: .utf8)) ?? ""
        let files = list.split(separator: "\n").map { directory + "/" + $0 }
        guard !files.isEmpty else { fail("no files listed in \(directory)/files.txt") }
        let storeDirectory = NSTemporaryDirectory() + "tributary-store-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: storeDirectory) }
        let store: ArticleStore
        do {
            // Retention off: the corpus is dated months ago and a large feed has 1,000 items.
            store = try ArticleStore(
                path: storeDirectory + "/store.sqlite",
                policy: StorePolicy(maxAge: nil, maxPerSource: nil))
        } catch {
            fail("\(error)", status: 1)
        }
        print("corpus: \(files.count) files")
        for pass in 1...2 {
            var items = 0, inserted = 0, parseTime = Duration.zero, prepareTime = Duration.zero, ingestTime = Duration.zero
            var duplicates: [String: Int] = [:]
            let parser = FeedParser()
            var pending: [SourceRefresh] = []
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file).map({ [UInt8]($0) }) else {
                    fail("cannot read \(file)", status: 1)
                }
                let url = URL(fileURLWithPath: file).absoluteString
                let parseStart = ContinuousClock.now
                guard let feed = try? parser.parse(bytes, url: url) else {
                    print("  \(file): does not parse")
                    continue
                }
                parseTime += ContinuousClock.now - parseStart
                let prepareStart = ContinuousClock.now
                let refresh = SourceRefresh(
                    url: url, title: feed.metadata.title, siteLink: feed.metadata.link, items: feed.items, etag: nil,
                    lastModified: nil, nextFetch: nil)
                prepareTime += ContinuousClock.now - prepareStart
                pending.append(refresh)
                items += feed.items.count
                if pending.count >= batchSize || file == files.last {
                    let ingestStart = ContinuousClock.now
                    for result in await ingestTogether(pending, into: store) {
                        inserted += result.inserted
                        duplicates.merge(result.duplicates, uniquingKeysWith: +)
                    }
                    ingestTime += ContinuousClock.now - ingestStart
                    pending.removeAll()
                }
            }
            // Preparing a refresh (keys, ids, JSON) runs in the fetching task, concurrently across
            // sources; the store's part runs in its single writer. Both count as ingest here.
            let ingestSeconds = seconds(prepareTime) + seconds(ingestTime)
            print(
                String(
                    format: "pass %d: %d items, %d new; ingest %.2f s = %.0f items/s (prepare %.2f s + store %.2f s; parse %.2f s, not counted)",
                    pass, items, inserted, ingestSeconds, Double(items) / ingestSeconds, seconds(prepareTime),
                    seconds(ingestTime), seconds(parseTime)))
            print("  merged by rule: \(duplicates.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
        do {
            let stats = try await store.stats()
            let expected = manifestUniqueArticles()
            print("articles stored: \(stats.articlesStored) (manifest unique_articles: \(expected.map(String.init) ?? "?"))")
            print("store size: \(stats.storeBytes / 1_048_576) MiB")
        } catch {
            fail("\(error)", status: 1)
        }
        print(String(format: "peak RSS: %.0f MiB", peakRSSMegabytes()))
    }

    /// Ingests `refreshes` concurrently, so that the store commits them together; fails on any error.
    private func ingestTogether(_ refreshes: [SourceRefresh], into store: ArticleStore) async -> [IngestResult] {
        await withTaskGroup(of: Result<IngestResult, StoreError>.self) { group in
            for refresh in refreshes {
                group.addTask {
                    do throws(StoreError) { return .success(try await store.ingest(refresh, now: Date())) } catch { return .failure(error) }
                }
            }
            var results: [IngestResult] = []
            for await result in group {
                switch result {
                case .success(let value): results.append(value)
                case .failure(let error): fail("\(error)", status: 1)
                }
            }
            return results
        }
    }

    private func manifestUniqueArticles() -> Int? {
        guard let data = FileManager.default.contents(atPath: directory + "/manifest.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["unique_articles"] as? Int
    }
}
