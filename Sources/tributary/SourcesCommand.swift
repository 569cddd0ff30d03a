import Aggregator
import ArgumentParser
import ArticleStore
import FeedFetch
import FeedParse
import Foundation
import TributaryConfig
import TributaryCore

/// `tributary sources …`: inspect and edit the source list.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List, inspect, add, remove, reset and release sources.",
        subcommands: [List.self, Show.self, Add.self, Remove.self, Reset.self, Release.self],
        defaultSubcommand: List.self)

    /// Finds a configured source by URL, 1-based position, or title (case-insensitive).
    static func select(_ selector: String, in configuration: Configuration) throws -> SourceConfig {
        let sources = configuration.sources
        if let position = Int(selector), (1...sources.count).contains(position) { return sources[position - 1] }
        if let source = sources.first(where: { $0.url == selector }) { return source }
        if let source = sources.first(where: { $0.title?.lowercased() == selector.lowercased() }) { return source }
        if let source = sources.first(where: { $0.url.contains(selector) }) { return source }
        Diagnostics.error("no source matches \"\(selector)\"; `tributary sources list` shows them (select by number, URL or title)")
        throw ExitCode(1)
    }

    static func openStore(_ configuration: Configuration) async throws -> ArticleStore {
        do {
            return try ArticleStore(path: configuration.settings.storePath, verifiesIntegrity: false)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitCodes.storeError)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of every source and its state.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let configuration = try options.load()
            let states = try await SourcesCommand.openStore(configuration).sourceStates(countingArticles: true)
            let rows = configuration.sources.enumerated().map { SourceRow(position: $0.offset + 1, source: $0.element, state: states[$0.element.url]) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                return
            }
            print(SourceRow.table(rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything known about one source.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Source number, URL or title.") var source: String

        func run() async throws {
            let configuration = try options.load()
            let selected = try SourcesCommand.select(source, in: configuration)
            let state = try await SourcesCommand.openStore(configuration).sourceStates(countingArticles: true)[selected.url]
            let row = SourceRow(position: (configuration.sources.firstIndex(of: selected) ?? 0) + 1, source: selected, state: state)
            for (label, value) in row.details { print(label.padding(toLength: 16, withPad: " ", startingAt: 0) + value) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a feed (or a web page that advertises one) to feeds.yaml.",
            discussion: """
                Fetches the URL. When it is an HTML page, uses the feed it advertises with <link rel="alternate"> \
                or one found at the usual paths (/feed, /rss.xml, /atom.xml, …). Checks that the feed parses, then \
                appends the entry to feeds.yaml without touching the rest of the file.
                """)
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Feed or web page URL.") var url: String
        @Option(name: .customLong("category"), help: "Category id (repeatable).") var categories: [String] = []
        @Option(help: "Title (default: the feed's own).") var title: String?

        func run() async throws {
            let configuration = try options.load()
            let known = Set(configuration.categories.map(\.id))
            for category in categories where !known.contains(category) {
                Diagnostics.error("category '\(category)' is not defined in \(options.config); add it under 'categories' first")
                throw ExitCode(2)
            }
            let fetch = configuration.settings.fetch
            let fetcher = FeedFetcher(settings: FetchSettings(totalTimeout: fetch.timeout, maxBodyBytes: fetch.maxBodyBytes, blocksPrivateAddresses: fetch.blocksPrivateAddresses))
            let found: (url: String, feed: ParsedFeed)
            do {
                found = try await FeedFinder(fetcher: fetcher).find(url)
            } catch {
                Diagnostics.error("\(url): \(error)")
                throw ExitCode(1)
            }
            if configuration.sources.contains(where: { $0.url == found.url }) {
                Diagnostics.error("\(found.url) is already in \(options.config)")
                throw ExitCode(1)
            }
            var editor = try ConfigEditor(path: configuration.path)
            try editor.append(ConfigEditor.sourceEntry(url: found.url, title: title, categories: categories), toList: "sources")
            do {
                try editor.save()
            } catch {
                Diagnostics.error("the edited file would not load, nothing was written:\n\(error)")
                throw ExitCode(2)
            }
            print("added \(found.url) (\(found.feed.format.rawValue), \"\(found.feed.metadata.title ?? "untitled")\", \(found.feed.items.count) items)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a source from feeds.yaml (its stored articles stay).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Source number, URL or title.") var source: String

        func run() async throws {
            let configuration = try options.load()
            let selected = try SourcesCommand.select(source, in: configuration)
            var editor = try ConfigEditor(path: configuration.path)
            guard try editor.removeSource(url: selected.url) else {
                Diagnostics.error("could not find the entry of \(selected.url) in \(options.config)")
                throw ExitCode(1)
            }
            try editor.save()
            print("removed \(selected.url)")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clear a source's gone or backoff state so the next run fetches it.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Source number, URL or title.") var source: String

        func run() async throws {
            let configuration = try options.load()
            let selected = try SourcesCommand.select(source, in: configuration)
            _ = try await SourcesCommand.openStore(configuration).resetSource(url: selected.url)
            print("reset \(selected.url); it is fetched on the next run")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish the articles the flood guard held back for a source.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Source number, URL or title.") var source: String

        func run() async throws {
            let configuration = try options.load()
            let selected = try SourcesCommand.select(source, in: configuration)
            let count = try await SourcesCommand.openStore(configuration).release(sourceURL: selected.url)
            print("released \(count) articles of \(selected.url); they appear after the next fetch or generation")
        }
    }
}
