import FeedParse
import Foundation
import XMLSupport

/// Parses a generated corpus into normalized articles and, in the same run, makes a bare
/// libxml2 xmlTextReader pass over the same bytes; prints MB/s, items/s and the ratio.
struct CorpusBenchmark {
    let directory: String

    func run() {
        let list = (try? String(contentsOfFile: directory + "/files.txt", encoding: .utf8)) ?? ""
        let files = list.split(separator: "\n").map { directory + "/" + $0 }
        let documents = files.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
        let bytes = documents.reduce(0) { $0 + $1.count }
        let megabytes = Double(bytes) / 1_000_000
        print("corpus: \(documents.count) files, \(String(format: "%.1f", megabytes)) MB")
        var bareTimes: [Double] = []
        var fullTimes: [Double] = []
        var items = 0
        for _ in 0..<3 {
            let bareStart = ContinuousClock.now
            var nodes = 0
            for document in documents { nodes += XMLReaderPass.count(document) }
            bareTimes.append(seconds(ContinuousClock.now - bareStart))
            let fullStart = ContinuousClock.now
            items = 0
            let parser = FeedParser()
            for (index, document) in documents.enumerated() {
                if let feed = try? parser.parse(document, url: "https://bench.example/" + files[index]) { items += feed.items.count }
            }
            fullTimes.append(seconds(ContinuousClock.now - fullStart))
            precondition(nodes > 0)
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
