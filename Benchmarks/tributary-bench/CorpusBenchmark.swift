import FeedParse
import Foundation
import XMLSupport

/// Parses a generated corpus into normalized articles and, in the same run, makes a bare
/// libxml2 xmlTextReader pass over the same bytes; prints MB/s, items/s and the ratio.
///
/// Each round times both passes over the whole corpus, interleaved by chunks of documents; the
/// figures are the medians of three rounds.
struct CorpusBenchmark {
    let directory: String

    private func load() -> (files: [String], documents: [[UInt8]]) {
        let list = (try? String(contentsOfFile: directory + "/files.txt", encoding: .utf8)) ?? ""
        let files = list.split(separator: "\n").map { directory + "/" + $0 }
        return (files, files.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } })
    }

    /// Parses every document once and prints the item count.
    func parseEach() {
        let (files, documents) = load()
        let parser = FeedParser()
        var items = 0
        for (index, document) in documents.enumerated() {
            if let feed = try? parser.parse(document, url: "https://bench.example/" + files[index]) {
                items += feed.items.count
            }
        }
        print("\(documents.count) files, \(items) items")
    }

    /// Makes the bare xmlTextReader pass over every document once and prints the node count.
    func bareEach() {
        let (_, documents) = load()
        let nodes = documents.reduce(0) { $0 + XMLReaderPass.count($1) }
        print("\(documents.count) files, \(nodes) nodes")
    }

    func run() {
        let (files, documents) = load()
        let bytes = documents.reduce(0) { $0 + $1.count }
        let megabytes = Double(bytes) / 1_000_000
        print("corpus: \(documents.count) files, \(String(format: "%.1f", megabytes)) MB")
        var bareTimes: [Double] = []
        var fullTimes: [Double] = []
        var items = 0
        // The two passes alternate every 50 documents, so that a change in the machine's speed during
        // the run (seen here: the same pass taking 0.96 s and 1.55 s minutes apart) hits both alike.
        let chunks = stride(from: 0, to: documents.count, by: 50).map { $0..<min($0 + 50, documents.count) }
        let parser = FeedParser()
        for _ in 0..<3 {
            var bare = Duration.zero, full = Duration.zero
            var nodes = 0
            items = 0
            for chunk in chunks {
                let bareStart = ContinuousClock.now
                for document in documents[chunk] { nodes += XMLReaderPass.count(document) }
                let fullStart = ContinuousClock.now
                bare += fullStart - bareStart
                for index in chunk {
                    if let feed = try? parser.parse(documents[index], url: "https://bench.example/" + files[index]) {
                        items += feed.items.count
                    }
                }
                full += ContinuousClock.now - fullStart
            }
            precondition(nodes > 0)
            bareTimes.append(seconds(bare))
            fullTimes.append(seconds(full))
        }
        let bare = bareTimes.sorted()[1], full = fullTimes.sorted()[1]
        print(String(format: "bare xmlTextReader pass: %.2f s, %.1f MB/s (median of 3)", bare, megabytes / bare))
        print(String(format: "full normalization:      %.2f s, %.1f MB/s, %.0f items/s, %d items (median of 3)", full, megabytes / full, Double(items) / full, items))
        print(String(format: "ratio full/bare: %.2fx", full / bare))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
