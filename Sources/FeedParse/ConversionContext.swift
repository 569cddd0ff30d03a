import Foundation
import TributaryCore
import XMLSupport

/// Turns element trees into normalized fields: text constructs, links, people, dates.
struct ConversionContext {
    let options: FeedParser.Options
    /// The document's namespaces: which are its own, which extensions the others are.
    let namespaces: NamespaceClassifier
    /// Problems found while converting (unparseable dates).
    var warnings: [String] = []
    /// The sanitizer's buffers, shared by the contexts of one document's items.
    let sanitizerWorkspace: HTMLSanitizer.Workspace

    init(
        options: FeedParser.Options, namespaces: NamespaceClassifier = NamespaceClassifier(coreNamespaces: NS.rssCore),
        sanitizerWorkspace: HTMLSanitizer.Workspace = HTMLSanitizer.Workspace()
    ) {
        self.options = options
        self.namespaces = namespaces
        self.sanitizerWorkspace = sanitizerWorkspace
    }

    /// True when the element belongs to the document's own format rather than to an extension.
    func isCore(_ node: XMLNode) -> Bool {
        namespaces.classify(node).isCore
    }

    // MARK: Text

    /// Collapses runs of whitespace and trims; nil when empty.
    ///
    /// Works on UTF-8 bytes (the whitespace collapsed is ASCII only); text that needs no change is
    /// returned without a copy.
    static func collapsed(_ text: String) -> String? {
        var text = text
        let changed: String?? = text.withUTF8 { utf8 in collapsedIfChanged(utf8, isValidUTF8: true) }
        return changed ?? text
    }

    /// `collapsed(_:)` of UTF-8 bytes; `isValidUTF8` says they are known valid (the string is then made
    /// without checking them again).
    static func collapsed(utf8: UnsafeBufferPointer<UInt8>, isValidUTF8: Bool = false) -> String? {
        collapsedIfChanged(utf8, isValidUTF8: isValidUTF8) ?? string(utf8, isValidUTF8: isValidUTF8)
    }

    /// A string of `bytes`: copied as they stand when known valid UTF-8, else decoded (and repaired).
    @inline(__always) private static func string(_ bytes: UnsafeBufferPointer<UInt8>, isValidUTF8: Bool) -> String {
        isValidUTF8 ? String(validUTF8: bytes) : String(decoding: bytes, as: UTF8.self)
    }

    /// The collapsed text, or nil (`.none`) when `utf8` needs no change. (Collapsing ASCII white space
    /// keeps valid UTF-8 valid.)
    private static func collapsedIfChanged(_ utf8: UnsafeBufferPointer<UInt8>, isValidUTF8: Bool) -> String?? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        var needsChange = false
        var previousWasSpace = true  // a leading space needs trimming
        var start = 0
        if let base = utf8.baseAddress, utf8.count > 0, base[0] > 0x20 {
            // 32 bytes a step while none is a control character or a space before a space: a loop of
            // fixed length over plain comparisons, which the compiler turns into vector compares (SSE2),
            // without the branch per space of the loop below.
            while start + 33 <= utf8.count {
                var found: UInt8 = 0
                for offset in start..<start + 32 {
                    let byte = base[offset]
                    found |= (byte < 0x20 ? 1 : 0) | ((byte == 0x20 ? 1 : 0) & (base[offset + 1] == 0x20 ? 1 : 0))
                }
                if found != 0 { break }
                start += 32
            }
            previousWasSpace = start > 0 && base[start - 1] == 0x20
        }
        for byte in UnsafeBufferPointer(rebasing: utf8[start...]) {
            if byte > 0x20 {  // most bytes: one comparison
                previousWasSpace = false
                continue
            }
            let isSpaceByte = isSpace(byte)
            if isSpaceByte && (previousWasSpace || byte != 0x20) {
                needsChange = true
                break
            }
            previousWasSpace = isSpaceByte
        }
        if !needsChange {
            if previousWasSpace {  // empty, or one trailing space
                return .some(utf8.isEmpty ? nil : string(UnsafeBufferPointer(rebasing: utf8.dropLast()), isValidUTF8: isValidUTF8))
            }
            return .none
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { buffer -> String?? in
            var count = 0
            var pendingSpace = false
            for byte in utf8 {
                if byte <= 0x20 && isSpace(byte) {
                    pendingSpace = count > 0
                    continue
                }
                if pendingSpace {
                    buffer[count] = 0x20
                    count += 1
                    pendingSpace = false
                }
                buffer[count] = byte
                count += 1
            }
            return .some(count == 0 ? nil : string(UnsafeBufferPointer(rebasing: buffer[..<count]), isValidUTF8: isValidUTF8))
        }
    }

    /// `collapsed(_:)` of an element's text before its first child, without an intermediate String.
    static func collapsedText(_ node: XMLNode) -> String? {
        node.withText { collapsed(utf8: $0, isValidUTF8: node.isValidUTF8) }
    }

    /// `collapsed(_:)` of all the character data inside an element.
    static func collapsedInnerText(_ node: XMLNode) -> String? {
        node.hasChildren ? collapsed(node.innerText) : collapsedText(node)
    }

    /// Appends a category term; the first gets room for four (items usually have two or three, and the
    /// array grew 1-2-4 otherwise).
    static func appendCategory(_ term: String, to categories: inout [String]) {
        if categories.isEmpty { categories.reserveCapacity(4) }
        categories.append(term)
    }

    /// A language tag as written, with `_` (a POSIX locale habit) replaced by `-`; nil when empty.
    static func language(_ text: String) -> String? {
        collapsed(text)?.replacingOccurrences(of: "_", with: "-")
    }

    /// Trimmed text, nil when empty.
    static func trimmed(_ text: String) -> String? {
        let value = text.trimmingWhitespace
        return value.isEmpty ? nil : value
    }

    /// True when the UTF-8 looks like it contains HTML markup or references.
    static func looksLikeHTML(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }
    }

    /// Fills a feed-level text field from a present element: the first non-empty value wins, and an element
    /// that is present but empty gives "" (missing stays nil).
    ///
    /// Item fields do not make this distinction: consumers fall back from an item's nil title or summary.
    static func fill(_ field: inout String?, with value: @autoclosure () -> String?) {
        guard field?.isEmpty ?? true else { return }
        field = value() ?? field ?? ""
    }

    /// Plain-text title from an RSS-style element whose text may be escaped HTML.
    func plainTitle(_ node: XMLNode) -> String? {
        if node.hasChildren { return Self.collapsed(HTMLSanitizer.plainText(node.innerMarkup)) }
        return node.withText { utf8 in
            Self.looksLikeHTML(utf8)
                ? Self.collapsed(HTMLSanitizer.plainText(String(decoding: utf8, as: UTF8.self)))
                : Self.collapsed(utf8: utf8, isValidUTF8: node.isValidUTF8)
        }
    }

    /// HTML from an element whose text is HTML (RSS description, content:encoded); child elements
    /// (unescaped HTML in the feed) are serialized back to markup.
    func html(_ node: XMLNode) -> String? {
        if !node.hasChildren { return cleanHTMLText(of: node) }
        return cleanHTML(node.innerMarkup, base: node.base)
    }

    /// `cleanHTML(_:base:)` of an element's text before its first child: when the text is known to be
    /// valid UTF-8 and has an ASCII character that is not white space, it is sanitized from the tree's
    /// bytes, without a String copy of its source.
    func cleanHTMLText(of node: XMLNode) -> String? {
        let base = node.base
        return node.withText { utf8 in
            guard options.sanitizesHTML, node.isValidUTF8, utf8.contains(where: { $0 > 0x20 && $0 < 0x80 }) else {
                return cleanHTML(String(decoding: utf8, as: UTF8.self), base: base)
            }
            return Self.trimmed(HTMLSanitizer.sanitize(utf8: utf8, base: base, workspace: sanitizerWorkspace))
        }
    }

    /// Sanitizes (or only resolves URLs in) HTML; nil when it is empty.
    func cleanHTML(_ raw: String, base: String?) -> String? {
        guard Self.trimmed(raw) != nil else { return nil }
        let resolve: (String) -> String? = { URLReference.resolve($0, against: base) }
        let result =
            options.sanitizesHTML
            ? HTMLSanitizer.sanitize(raw, resolve: resolve) : HTMLSanitizer.resolvingURLs(in: raw, resolve: resolve)
        return Self.trimmed(result)
    }

    /// The kind of an Atom text construct.
    enum TextKind {
        case text, html, xhtml
    }

    /// The kind of content a text construct holds once decoded (Atom 0.3 `mode="base64"` aside).
    static func textKind(of node: XMLNode) -> TextKind {
        let type = node.attribute(.type)?.lowercasedIfNeeded.trimmingSpaces ?? "text"
        let mode = node.attribute(.mode)?.lowercasedIfNeeded
        if mode == "escaped" { return type.contains("plain") ? .text : .html }
        if mode == "base64" {
            // Atom 0.3's default type is text/plain: decoded bytes are text unless the type says markup.
            return type.contains("html") || type.contains("xml") ? .html : .text
        }
        switch type {
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        case "text", "text/plain", "": return mode == "xml" || node.hasChildren ? .xhtml : .text
        default:
            if mode == "xml" || node.hasChildren { return .xhtml }
            return type.hasPrefix("text/") ? .text : .html
        }
    }

    /// True for an Atom 0.3 construct whose content is base64-encoded.
    static func isBase64(_ node: XMLNode) -> Bool {
        node.attribute(.mode)?.lowercasedIfNeeded == "base64"
    }

    /// Markup inside an XHTML construct: the content of its wrapping `div`, or all of it.
    ///
    /// Only Atom 1.0 wraps XHTML in a `div` that is not part of the content (`type="xhtml"`); in Atom 0.3
    /// (`type="application/xhtml+xml" mode="xml"`) and in text constructs with unescaped child
    /// elements, a `div` is content and is kept.
    static func xhtmlMarkup(_ node: XMLNode) -> String {
        let type = node.attribute(.type)?.lowercasedIfNeeded.trimmingSpaces
        let hasWrapper = type == "xhtml" || (node.namespace == NS.atom10 && type == "application/xhtml+xml")
        let significantText = node.text.trimmingWhitespace.isEmpty
        if hasWrapper, node.children.count == 1, let div = node.children.first, div.name == "div", significantText,
            div.tail.trimmingWhitespace.isEmpty
        {
            return div.innerMarkup
        }
        return node.innerMarkup
    }

    /// An Atom text construct as plain text (titles).
    func constructText(_ node: XMLNode) -> String? {
        if Self.isBase64(node) {
            guard let decoded = Self.decodeBase64(node.text) else { return nil }
            return Self.textKind(of: node) == .text
                ? Self.collapsed(decoded) : Self.collapsed(HTMLSanitizer.plainText(decoded))
        }
        switch Self.textKind(of: node) {
        case .text: return Self.collapsedText(node)
        case .html: return Self.collapsed(HTMLSanitizer.plainText(node.hasChildren ? node.innerMarkup : node.text))
        case .xhtml: return Self.collapsed(HTMLSanitizer.plainText(Self.xhtmlMarkup(node)))
        }
    }

    /// An Atom text construct as HTML (summary, content, subtitle, rights).
    func constructHTML(_ node: XMLNode) -> String? {
        if Self.isBase64(node) {
            guard let decoded = Self.decodeBase64(node.text) else { return nil }
            if Self.textKind(of: node) == .text { return Self.trimmed(decoded).map(HTMLEntities.escape) }
            return cleanHTML(decoded, base: node.base)
        }
        switch Self.textKind(of: node) {
        case .text: return Self.trimmed(node.text).map(HTMLEntities.escape)
        case .html:
            if !node.hasChildren { return cleanHTMLText(of: node) }
            return cleanHTML(node.innerMarkup, base: node.base)
        case .xhtml: return cleanHTML(Self.xhtmlMarkup(node), base: node.base)
        }
    }

    static func decodeBase64(_ text: String) -> String? {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Links and dates

    /// Resolves a URL found in an element's text or attribute against the element's base.
    func url(_ value: String?, base: String?) -> String? {
        guard let value = value.flatMap(Self.trimmed) else { return nil }
        return URLReference.resolve(value, against: base)
    }

    /// Parses a date element; an unparseable value becomes a warning and nil.
    mutating func date(_ node: XMLNode) -> Date? {
        // Text with nothing to trim (an ASCII character that is not a space at each end) is read as bytes.
        let parsed: Date? = node.withText { utf8 in
            guard let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80
            else { return nil }
            return FeedDate.parse(utf8: utf8)
        }
        if let parsed { return parsed }
        guard let text = Self.trimmed(node.text) else { return nil }
        if let date = FeedDate.parse(text) { return date }
        warnings.append("unparseable date \"\(text.prefix(60))\" in <\(node.name)> at line \(node.line)")
        return nil
    }

    // MARK: People

    private static let personDelimiters: Set<Character> = [" ", "(", ")", "<", ">", "[", "]", "\"", ","]

    /// A person from an RSS-style string: "me@example.org (Me)", "Me (me@example.org)", "Me <me@example.org>",
    /// "Me" or an address.
    ///
    /// The first word containing "@" is the email address; what is left, without the brackets that held
    /// either part, is the name.
    static func person(fromText text: String) -> Person? {
        guard let text = collapsed(text) else { return nil }
        guard text.utf8.contains(UInt8(ascii: "@")) else { return Person(name: text) }  // most are a name alone
        let delimiters = personDelimiters
        guard
            let at = text.firstIndex(of: "@"),
            case let start = text[..<at].lastIndex(where: { delimiters.contains($0) }).map(text.index(after:))
                ?? text.startIndex,
            case let end = text[at...].firstIndex(where: { delimiters.contains($0) }) ?? text.endIndex,
            start < at, text.index(after: at) < end
        else {
            return Person(name: text)
        }
        var email = String(text[start..<end])
        if email.lowercased().hasPrefix("mailto:") { email.removeFirst(7) }
        var rest = String(text[..<start]) + String(text[end...])
        for empty in ["()", "<>", "[]", "\"\""] { rest = rest.replacingOccurrences(of: empty, with: "") }
        var name = rest.trimmingSpaces
        if name.hasPrefix("("), name.hasSuffix(")") { name = String(name.dropFirst().dropLast()) }
        return Person(name: collapsed(name), email: email)
    }

    /// A person from an Atom person construct.
    func person(fromAtom node: XMLNode) -> Person? {
        var person = Person()
        for child in node.children
        where child.namespace == node.namespace || NS.atomAny.contains(child.namespace) || child.namespace == nil {
            switch child.name {
            case "name": person.name = Self.collapsedInnerText(child)
            case "email": person.email = Self.collapsedText(child)
            case "uri", "url", "homepage": if person.uri == nil { person.uri = url(child.text, base: child.base) }
            default: break
            }
        }
        if person.isEmpty, let text = Self.collapsedText(node) { person.name = text }
        return person.isEmpty ? nil : person
    }
}
