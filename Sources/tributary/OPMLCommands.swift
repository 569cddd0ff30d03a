import Aggregator
import ArgumentParser
import FeedGen
import FeedParse
import Foundation
import TributaryConfig
import TributaryCore

/// `tributary import-opml FILE`: adds another reader's subscriptions to feeds.yaml.
struct ImportOPMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-opml",
        abstract: "Add the subscriptions of an OPML file to feeds.yaml; folders become categories.",
        discussion: "Sources already present are skipped and reported. The rest of feeds.yaml is left as written.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "OPML file exported by another reader.") var file: String
    @Option(help: "Category for subscriptions outside any folder.") var defaultCategory = "imported"

    func run() async throws {
        let configuration = try options.load()
        guard let data = FileManager.default.contents(atPath: file) else {
            Diagnostics.error("\(file): cannot read the file")
            throw ExitCode(1)
        }
        let subscriptions: [OPMLReader.Subscription]
        do {
            subscriptions = try OPMLReader.subscriptions(in: [UInt8](data))
        } catch {
            Diagnostics.error("\(file): \(error)")
            throw ExitCode(1)
        }
        var editor = try ConfigEditor(path: configuration.path)
        var categories = Dictionary(uniqueKeysWithValues: configuration.categories.map { ($0.title.lowercased(), $0.id) })
        var ids = Set(configuration.categories.map(\.id))
        var known = Set(configuration.sources.map(\.url))
        var added = 0
        var skipped: [String] = []
        for subscription in subscriptions {
            guard URLReference.scheme(of: subscription.url).map({ $0 == "http" || $0 == "https" }) == true else {
                skipped.append("\(subscription.url) (not an http(s) URL)")
                continue
            }
            guard known.insert(subscription.url).inserted else {
                skipped.append("\(subscription.url) (already in \(options.config))")
                continue
            }
            let folder = subscription.folders.last ?? defaultCategory
            let id: String
            if let existing = categories[folder.lowercased()] {
                id = existing
            } else {
                id = Self.uniqueID(for: folder, taken: ids)
                ids.insert(id)
                categories[folder.lowercased()] = id
                try editor.append(ConfigEditor.categoryEntry(id: id, title: folder), toList: "categories")
            }
            try editor.append(ConfigEditor.sourceEntry(url: subscription.url, title: subscription.title, categories: [id]), toList: "sources")
            added += 1
        }
        do {
            try editor.save()
        } catch {
            Diagnostics.error("the edited file would not load, nothing was written:\n\(error)")
            throw ExitCode(2)
        }
        print("imported \(added) sources from \(file)")
        for line in skipped { print("skipped \(line)") }
    }

    /// A valid category id from a folder title ("Tech News" → "tech-news"), unique among `taken`.
    static func uniqueID(for title: String, taken: Set<String>) -> String {
        var slug = ""
        for character in title.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        slug = String(slug.prefix(56))
        if slug.isEmpty || ["all", "index", "sources"].contains(slug) { slug = "folder" }
        var candidate = slug
        var counter = 2
        while taken.contains(candidate) {
            candidate = "\(slug)-\(counter)"
            counter += 1
        }
        return candidate
    }
}

/// `tributary export-opml`: prints the source list as OPML 2.0.
struct ExportOPMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-opml", abstract: "Print the sources as OPML 2.0, categories as folders.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let listings = configuration.sources.map {
            SourceListing(url: $0.url, title: $0.title ?? $0.url, siteLink: nil, categories: $0.categories, status: "", lastError: nil)
        }
        let categories = configuration.categories.map { (id: $0.id, title: $0.title) }
        let bytes = OPMLWriter.document(title: configuration.settings.title, categories: categories, sources: listings)
        FileHandle.standardOutput.write(Data(bytes))
    }
}
