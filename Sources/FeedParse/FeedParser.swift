import Foundation
import TributaryCore
import XMLSupport

/// Reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 documents into `ParsedFeed`.
///
/// The format is detected from the document itself. XML is streamed through libxml2 (see
/// `XMLStreamParser`): items are converted as soon as they end, so memory follows the largest item,
/// not the document. Damage is recovered where a reader would recover it, with a warning; a
/// document that is not a feed throws `ParseError`.
public struct FeedParser: Sendable {
    /// Options that change what the parser does to content.
    public struct Options: Sendable {
        /// Sanitize summary and content HTML (allowlist) while resolving their URLs. Default true.
        public var sanitizesHTML: Bool
        /// Maximum JSON nesting depth accepted.
        public var maxJSONDepth: Int
        /// Let CDATA sections and text of UTF-8 documents go around libxml2 (see XMLSupport's
        /// `CharacterDataShortcut`).
        /// The result is the same either way; off only where the two are compared (tests, the fuzzer).
        public var shortcutsCharacterData = true

        /// Default options.
        public init(sanitizesHTML: Bool = true, maxJSONDepth: Int = 64) {
            self.sanitizesHTML = sanitizesHTML
            self.maxJSONDepth = maxJSONDepth
        }
    }

    /// What this parser does to content.
    public var options: Options

    /// Creates a parser.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Parses one document.
    ///
    /// `data` is consumed: pass it with `consume` to let the parser hold the only copy of a large document.
    ///
    /// - Parameters:
    ///   - data: the document bytes, as received (decoded transfer encoding, any charset).
    ///   - url: the document's final URL; the base for relative links when it is an http(s) URL. Other
    ///     URLs (a local `file:` path) are not a base: links stay relative unless `xml:base` says otherwise.
    ///   - httpCharset: the charset parameter of the HTTP Content-Type, if any.
    /// - Returns: the feed, possibly with warnings.
    /// - Throws: `ParseError` when the document is empty, not a feed or unreadable.
    public func parse(_ data: consuming [UInt8], url: String? = nil, httpCharset: String? = nil) throws(ParseError) -> ParsedFeed {
        guard let first = data.firstIndex(where: { !Self.isSpaceOrBOM($0) }) else {
            throw ParseError(.emptyBody, "the document is empty")
        }
        var feed: ParsedFeed
        let url = url.flatMap(Self.httpBase)
        if data[first] == UInt8(ascii: "{") || data[first] == UInt8(ascii: "[") {
            feed = try JSONFeedReader(options: options, documentURL: url).read(data)
        } else {
            if Self.looksBinary(data) {
                throw ParseError(.malformed, "the document is binary data, not a feed")
            }
            feed = try XMLFeedReader(options: options, documentURL: url).read(consume data, httpCharset: httpCharset)
        }
        ItemIdentity.assignIDs(to: &feed.items)
        return feed
    }

    private static func isSpaceOrBOM(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0xEF || byte == 0xBB || byte == 0xBF
    }

    /// The document URL as a base for relative links: http(s) URLs only.
    private static func httpBase(_ url: String) -> String? {
        let scheme = URLReference.scheme(of: url)
        return scheme == "http" || scheme == "https" ? url : nil
    }

    /// True when the first bytes look like binary data rather than text in any encoding a feed uses.
    ///
    /// Whitespace before the first tag is text; a control character that starts the document is not.
    private static func looksBinary(_ data: [UInt8]) -> Bool {
        let head = data.prefix(1024)
        if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0, 0, 0xFE, 0xFF])
            || head.starts(with: [0x00, 0x3C]) || head.starts(with: [0x3C, 0x00])
            || head.starts(with: [0x00, 0x00, 0x00, 0x3C])
        {
            return false  // UTF-16/32
        }
        var controls = 0
        for byte in head where byte < 0x09 || (byte > 0x0D && byte < 0x20) { controls += 1 }
        let first = head.first { !isSpaceOrBOM($0) }
        return controls > head.count / 10 || first.map { $0 != UInt8(ascii: "<") && $0 < 0x20 } == true
    }
}
