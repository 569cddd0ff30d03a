import ArgumentParser
import ArticleStore
import Foundation

/// `tributary stats`: what the store holds.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show counts of sources, articles and merged duplicates.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try options.load()
        let stats: StoreStats
        do {
            stats = try await ArticleStore(path: configuration.settings.storePath).stats()
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitCodes.storeError)
        }
        let duplicates = ["id", "url", "content"].map { ($0, stats.duplicates[$0] ?? 0) }
        if json {
            let object: [String: Any] = [
                "sources": ["total": stats.sourcesTotal, "ok": stats.sourcesOK, "failing": stats.sourcesFailing, "gone": stats.sourcesGone],
                "articles": ["stored": stats.articlesStored, "published": stats.articlesPublished, "held": stats.articlesHeld],
                "duplicates": Dictionary(uniqueKeysWithValues: duplicates),
                "store_bytes": stats.storeBytes,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("sources:    \(stats.sourcesTotal) (\(stats.sourcesOK) ok, \(stats.sourcesFailing) failing, \(stats.sourcesGone) gone)")
        print("articles:   \(stats.articlesStored) stored, \(stats.articlesPublished) published, \(stats.articlesHeld) held")
        print("duplicates: " + duplicates.map { "\($0.1) by \($0.0)" }.joined(separator: ", "))
        print("store:      \(stats.storeBytes) bytes")
    }
}
