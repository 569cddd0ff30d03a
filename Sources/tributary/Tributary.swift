import ArgumentParser
import FeedFetch

/// The `tributary` command: fetch, serve and inspect merged feeds.
@main
struct Tributary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tributary",
        abstract: "Fetch feeds, merge them by category and serve the result.",
        version: TributaryVersion.string,
        subcommands: [
            FetchCommand.self, ServeCommand.self, ParseCommand.self, CheckCommand.self, StatsCommand.self,
            SourcesCommand.self, ImportOPMLCommand.self, ExportOPMLCommand.self,
        ])

    static func main() async {
        // libcurl must be initialised once, before any thread starts.
        FeedFetcher.initializeLibrary()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
