import ArgumentParser
import FeedFetch
import FeedParse
import Foundation

/// `tributary parse FILE|URL`: prints the normalized form of one feed document.
struct ParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse one feed document and print its normalized form.",
        discussion: """
            Reads a local file (or fetches an http(s) URL once) and prints the feed as normalized JSON \
            with --json, or a short summary otherwise. Exit 0 when it parsed, with or without warnings; \
            exit 1 with a message on stderr when the document is not a feed.
            """)

    @Argument(help: "A feed file path, file:// URL or http(s) URL.")
    var source: String

    @Flag(help: "Print the normalized JSON form.")
    var json = false

    @Flag(help: "Keep summary and content HTML as published (no sanitizing); URLs are still resolved.")
    var raw = false

    func run() async throws {
        let document: FetchResponse
        do {
            document = try await DocumentLoader.load(source)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(1)
        }
        let parser = FeedParser(options: FeedParser.Options(sanitizesHTML: !raw))
        do {
            let feed = try parser.parse(document.body, url: document.finalURL, httpCharset: document.charset)
            if json {
                print(feed.normalizedJSON())
            } else {
                print("\(feed.format.rawValue): \(feed.metadata.title ?? "(untitled)"), \(feed.items.count) items")
                for warning in feed.warnings { print("warning: \(warning)") }
            }
        } catch {
            Diagnostics.error("\(source): \(error)")
            throw ExitCode(1)
        }
    }
}
