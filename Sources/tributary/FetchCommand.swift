import Aggregator
import ArgumentParser
import ArticleStore
import Foundation

/// `tributary fetch`: one run for cron.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch due sources once, store new articles and regenerate the feeds.",
        discussion: """
            Silent when every source is fine (cron mails any output). On failures prints one line per \
            failing source on stderr: "<url>: <reason>".
            Exit codes: 0 all fine, 1 some sources failed, 2 configuration error, 3 store error, \
            75 another run holds the store lock, 143 (SIGTERM) or 130 (SIGINT) stopped early: transfers \
            in flight were aborted, sources already being stored were committed, the rest stay due.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Fetch every source, even those not due yet.")
    var all = false

    @Flag(help: "Print a JSON summary: one object per source.")
    var json = false

    @Flag(help: "Print one line per source, and warnings.")
    var verbose = false

    @Option(help: "Seconds to wait for another run's store lock before giving up (exit 75).")
    var lockTimeout = 10

    func run() async throws {
        let configuration = try options.load()
        guard let lock = StoreLock(storePath: configuration.settings.storePath, timeout: .seconds(lockTimeout)) else {
            Diagnostics.error("another tributary process holds \(configuration.settings.storePath).lock; try again later")
            throw ExitCode(ExitCodes.locked)
        }
        defer { withExtendedLifetime(lock) {} }
        let summary: RunSummary
        let stopSignal = StopSignal()
        do {
            let aggregator = try Aggregator(configuration: configuration, logger: options.logger())
            stopSignal.onFirst { aggregator.stop() }
            let showsProgress = isatty(STDERR_FILENO) == 1 && !json && !verbose
            summary = try await aggregator.run(all: all, progress: showsProgress ? Self.showProgress : nil)
            if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            // The process ends with this command: the database is closed now (its last checkpoint), and
            // the store's in-memory index is left for the exit to reclaim. Freeing the keys of 80,000
            // articles one by one took 0.15 s of a cold 2,000-source run.
            try? await aggregator.store.close()  // everything is committed: a failed close loses nothing
            _ = Unmanaged.passRetained(aggregator)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitCodes.storeError)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary.sources), as: UTF8.self))
        }
        for outcome in summary.sources {
            if outcome.status == .failed || outcome.status == .gone {
                Diagnostics.line("\(outcome.url): \(outcome.error ?? "failed")")
            } else if verbose {
                Diagnostics.line("\(outcome.url): \(outcome.status.rawValue), \(outcome.newItems) new, \(outcome.bytes) bytes")
            }
        }
        if verbose { for warning in summary.warnings { Diagnostics.line("warning: \(warning)") } }
        if summary.wasInterrupted, let signal = stopSignal.received {
            let left = summary.sources.filter { $0.status == .interrupted }.count
            let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
            Diagnostics.line("stopped by \(name): \(left) source(s) left for the next run; outputs are regenerated then")
            throw ExitCode(signal == SIGINT ? ExitCodes.interrupted : ExitCodes.terminated)
        }
        if summary.hasFailures { throw ExitCode(ExitCodes.sourcesFailed) }
    }

    /// One updating line on a terminal: sources done/total, bytes, failures.
    @Sendable static func showProgress(_ progress: Aggregator.Progress) {
        let megabytes = String(format: "%.1f", Double(progress.bytes) / 1_048_576)
        let line = "\r\u{1B}[K\(progress.done)/\(progress.total) sources, \(megabytes) MB, \(progress.failures) failed"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
