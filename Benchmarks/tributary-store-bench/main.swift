import Foundation

// tributary-store-bench: figures for the article store (issue 5, "Measures").
//
//   tributary-store-bench ingest-corpus DIR [BATCH]  parse every file in DIR/files.txt and ingest each into a
//                                                    fresh store (one source per file), twice; prints items/s
//                                                    of both passes, articles stored against the manifest's
//                                                    unique_articles, duplicates by rule and peak RSS. BATCH
//                                                    sources (default 1) reach the store at once, as when
//                                                    many fetches finish together, and share a transaction
//   tributary-store-bench build-store PATH URLS N    create the store PATH with N synthetic articles spread
//                                                    over the source URLs listed one a line in the file URLS

let arguments = CommandLine.arguments

/// Prints a message on stderr and exits with `status`.
func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status)
}

/// Seconds in a duration, as a Double.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Peak resident set size of this process so far, in MiB.
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

switch arguments.count >= 3 ? arguments[1] : "" {
case "ingest-corpus" where arguments.count <= 4:
    guard let batchSize = arguments.count == 4 ? Int(arguments[3]) : 1, batchSize > 0 else { fail("BATCH must be a positive number") }
    await IngestBenchmark(directory: arguments[2], batchSize: batchSize).run()
case "build-store" where arguments.count == 5:
    guard let count = Int(arguments[4]) else { fail("N must be a number") }
    await SyntheticStore(path: arguments[2], sourceListPath: arguments[3], articles: count).build()
default:
    fail("usage: tributary-store-bench ingest-corpus DIR [BATCH] | build-store PATH URLS N")
}
