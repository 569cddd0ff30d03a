import Foundation
import TributaryCore
import XMLSupport

/// Reads RSS and Atom documents: detects the format from the root element, then converts each
/// item as the stream parser completes it.
struct XMLFeedReader {
    let options: FeedParser.Options
    let documentURL: String?

    /// Reads `data`, which is consumed: the repaired copy replaces it, so a large feed is not held twice.
    ///
    /// A document without a DOCTYPE goes to libxml2 as it is first: when libxml2 finds it well-formed,
    /// the markup repairs (see `XMLInput`) would change nothing, and scanning for them is skipped. Only
    /// when it is not well-formed and the repairs change something is it parsed again.
    func read(_ data: consuming [UInt8], httpCharset: String?) throws(ParseError) -> ParsedFeed {
        var input = XMLInput(consume data, httpCharset: httpCharset, deferringRepair: true)
        if !input.canParseBeforeRepair { input.repairMarkup() }
        var pass = readRecords(input)
        if !pass.result.isWellFormed, input.repairMarkup() {
            pass.items = []  // not held through the second pass
            pass = readRecords(input)
        }
        let (result, items, format, itemWarnings) = (pass.result, pass.items, pass.format, pass.itemWarnings)
        guard let root = result.root else {
            let detail = result.issues.first.map { " (\($0))" } ?? ""
            throw ParseError(.malformed, "the document is not XML\(detail)")
        }
        guard let format = format ?? Self.detectFormat(root) else {
            if root.name.lowercased() == "html" || root.namespace == NS.xhtml {
                throw ParseError(
                    .notAFeed, "the document is an HTML page, not a feed",
                    discoveredFeeds: FeedDiscovery.alternateLinks(inHTML: input.bytes, baseURL: documentURL))
            }
            if let fatal = result.issues.first(where: { $0.isFatal }), root.children.isEmpty {
                throw ParseError(.malformed, "the document is not well-formed XML: \(fatal)")
            }
            throw ParseError(.notAFeed, "the document is XML but not a feed (root element <\(root.name)>)")
        }
        if let depthIssue = result.issues.first(where: { $0.message.contains("Excessive depth") }) {
            throw ParseError(.tooLarge, "the document nests elements too deeply: \(depthIssue)")
        }
        if let amplification = result.issues.first(where: {
            $0.message.contains("entity") && ($0.message.contains("loop") || $0.message.contains("amplification"))
        }), items.isEmpty {
            throw ParseError(.malformed, "entity expansion refused: \(amplification)")
        }
        let rootDialect = Dialect(format)
        var context = ConversionContext(
            options: options,
            namespaces: NamespaceClassifier(coreNamespaces: Self.coreNamespaces(of: root, dialect: rootDialect)))
        var feed = ParsedFeed(format: format)
        context.fillMetadata(of: &feed, root: root, dialect: rootDialect)
        feed.items = items
        feed.warnings = input.warnings
        if !result.isWellFormed {
            let issue = result.issues.first(where: { $0.isFatal }) ?? result.issues.first
            let described = issue.map { "\($0)" } ?? "unknown error"
            feed.warnings.append("the document is not well-formed XML (\(described)); kept the items read before it")
        }
        feed.warnings.append(contentsOf: context.warnings)
        feed.warnings.append(contentsOf: itemWarnings)
        return feed
    }

    /// What one libxml2 pass over a document gave: the parse result and the items converted as they completed.
    struct RecordPass {
        var result: XMLParseResult
        var items: [ParsedItem] = []
        var format: ParsedFeed.Format?
        var itemWarnings: [String] = []
    }

    /// Parses `input`, converting each item as the stream parser completes it.
    ///
    /// CDATA sections and text of a UTF-8 document go around libxml2 (see `CharacterDataShortcut`); that
    /// is exact for a well-formed document only, so one with an error is parsed again the usual way, for
    /// libxml2's recovery.
    private func readRecords(_ input: XMLInput) -> RecordPass {
        if input.isUTF8, options.shortcutsCharacterData {
            let pass = readRecords(input, shortcutsCharacterData: true)
            if pass.result.isWellFormed || !pass.result.shortcutCharacterData { return pass }
        }
        return readRecords(input, shortcutsCharacterData: false)
    }

    private func readRecords(_ input: XMLInput, shortcutsCharacterData: Bool) -> RecordPass {
        let parser = XMLStreamParser(documentURL: documentURL, recordNames: ["item", "entry"])
        let state = RecordState()
        let workspace = HTMLSanitizer.Workspace()
        let result = input.bytes.withUnsafeBytes { bytes in
            parser.parse(bytes, encoding: input.encoding, isValidUTF8: input.isUTF8, shortcutsCharacterData: shortcutsCharacterData) {
                record, root in
                if state.dialect == nil {
                    state.format = Self.detectFormat(root)
                    state.dialect = state.format.map(Dialect.init)
                    if let dialect = state.dialect {
                        state.namespaces = NamespaceClassifier(coreNamespaces: Self.coreNamespaces(of: root, dialect: dialect))
                    }
                }
                guard let dialect = state.dialect, Self.isItem(record, in: dialect, namespaces: state.namespaces) else { return }
                var context = ConversionContext(options: options, namespaces: state.namespaces, sanitizerWorkspace: workspace)
                state.items.append(ParsedItem())
                context.convertItem(record, dialect: dialect, into: &state.items[state.items.count - 1])
                // (Appending nothing to an array that has no storage yet still allocates some.)
                if !context.warnings.isEmpty { state.itemWarnings.append(contentsOf: context.warnings) }
            }
        }
        return RecordPass(result: result, items: state.items, format: state.format, itemWarnings: state.itemWarnings)
    }

    /// What the record callback builds up during one pass. A class whose accesses are not checked for
    /// exclusivity at run time: as variables captured by the callback (an escaping closure), each access
    /// was (several per item). Used by one pass on one thread.
    private final class RecordState {
        @exclusivity(unchecked) var items: [ParsedItem] = []
        @exclusivity(unchecked) var format: ParsedFeed.Format?
        @exclusivity(unchecked) var dialect: Dialect?
        @exclusivity(unchecked) var namespaces = NamespaceClassifier(coreNamespaces: [])
        @exclusivity(unchecked) var itemWarnings: [String] = []
    }

    /// The format of a document, from its root element.
    static func detectFormat(_ root: XMLNode) -> ParsedFeed.Format? {
        switch (root.name, root.namespace) {
        case ("rss", _):
            switch root.attribute(.version)?.trimmingSpaces {
            case "0.90": return .rss090
            case "0.91": return .rss091
            case "0.92": return .rss092
            case "0.93": return .rss093
            case "0.94": return .rss094
            default: return .rss20
            }
        case ("RDF", _):
            let isRSS090 =
                root.namespaceDeclarations[""] == NS.rss090 || root.children.contains { $0.namespace == NS.rss090 }
            return isRSS090 ? .rss090 : .rss10
        case ("feed", NS.atom10): return .atom10
        case ("feed", NS.atom03): return .atom03
        case ("feed", let namespace) where !NS.foreign.contains(namespace):
            // No namespace, or a pre-standard one (Echo, Pie, Necho): the version attribute decides.
            return root.attribute(.version)?.trimmingSpaces == "0.3" ? .atom03 : .atom10
        case ("channel", _) where root.namespace == nil || root.namespace == NS.rss10: return .rss091
        default: return nil
        }
    }

    static func isItem(_ node: XMLNode, in dialect: Dialect, namespaces: NamespaceClassifier) -> Bool {
        switch dialect {
        case .rss: return node.name == "item" && namespaces.classify(node).isCore
        case .atom: return node.name == "entry" && namespaces.classify(node).isCore
        }
    }

    /// Namespaces whose elements are the format's own: the standard ones, plus the root element's
    /// namespace (for RSS 1.0, the default namespace declared on rdf:RDF) when it is not a known
    /// extension, so feeds written against an old or misspelt namespace URI still read.
    static func coreNamespaces(of root: XMLNode, dialect: Dialect) -> Set<String?> {
        var namespaces: Set<String?>
        switch dialect {
        case .rss: namespaces = NS.rssCore
        case .atom: namespaces = NS.atomAny.union([nil])
        }
        let own = root.namespace == NS.rdf ? root.namespaceDeclarations[""] : root.namespace
        if let own, !NS.foreign.contains(own), dialect == .atom || !NS.atomAny.contains(own) { namespaces.insert(own) }
        return namespaces
    }
}

/// The two families of XML feeds, which share an item model but not element names.
enum Dialect {
    case rss
    case atom

    init(_ format: ParsedFeed.Format) {
        switch format {
        case .atom03, .atom10: self = .atom
        default: self = .rss
        }
    }
}
