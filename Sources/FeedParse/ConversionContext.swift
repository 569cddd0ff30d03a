import Foundation
import TributaryCore
import XMLSupport

/// Turns element trees into normalized fields: text constructs, links, people, dates.
struct ConversionContext {
    let options: FeedParser.Options
    /// Problems found while converting (unparseable dates).
    var warnings: [String] = []

    init(options: FeedParser.Options) {
        self.options = options
    }

    // MARK: Text

    /// Collapses runs of whitespace and trims; nil when empty.
    static func collapsed(_ text: String) -> String? {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace {
                result.unicodeScalars.append(" ")
                pendingSpace = false
            }
            result.unicodeScalars.append(scalar)
        }
        return result.isEmpty ? nil : result
    }

    /// Trimmed text, nil when empty.
    static func trimmed(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// True when the string looks like it contains HTML markup or references.
    static func looksLikeHTML(_ text: String) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }
    }

    /// Plain-text title from an RSS-style element whose text may be escaped HTML.
    func plainTitle(_ node: XMLNode) -> String? {
        if !node.children.isEmpty { return Self.collapsed(HTMLSanitizer.plainText(node.innerMarkup)) }
        return Self.looksLikeHTML(node.text)
            ? Self.collapsed(HTMLSanitizer.plainText(node.text)) : Self.collapsed(node.text)
    }

    /// HTML from an element whose text is HTML (RSS description, content:encoded); child elements
    /// (unescaped HTML in the feed) are serialized back to markup.
    func html(_ node: XMLNode) -> String? {
        let raw = node.children.isEmpty ? node.text : node.innerMarkup
        return cleanHTML(raw, base: node.base)
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
        case text, html, xhtml, base64
    }

    static func textKind(of node: XMLNode) -> TextKind {
        let type = node.attribute("type")?.lowercased().trimmingCharacters(in: .whitespaces) ?? "text"
        let mode = node.attribute("mode")?.lowercased()
        if mode == "base64" { return .base64 }
        if mode == "escaped" { return type.contains("plain") ? .text : .html }
        switch type {
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        case "text", "text/plain", "": return mode == "xml" ? .xhtml : .text
        default:
            if mode == "xml" || !node.children.isEmpty { return .xhtml }
            return type.hasPrefix("text/") ? .text : .html
        }
    }

    /// Markup inside an XHTML construct: the content of its wrapping `div`, or all of it.
    static func xhtmlMarkup(_ node: XMLNode) -> String {
        let significantText = node.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if node.children.count == 1, let div = node.children.first, div.name == "div", significantText,
            div.tail.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        {
            return div.innerMarkup
        }
        return node.innerMarkup
    }

    /// An Atom text construct as plain text (titles).
    func constructText(_ node: XMLNode) -> String? {
        switch Self.textKind(of: node) {
        case .text: return node.children.isEmpty ? Self.collapsed(node.text) : Self.collapsed(node.innerText)
        case .html: return Self.collapsed(HTMLSanitizer.plainText(node.children.isEmpty ? node.text : node.innerMarkup))
        case .xhtml: return Self.collapsed(HTMLSanitizer.plainText(Self.xhtmlMarkup(node)))
        case .base64: return Self.decodeBase64(node.text).flatMap(Self.collapsed)
        }
    }

    /// An Atom text construct as HTML (summary, content, subtitle, rights).
    func constructHTML(_ node: XMLNode) -> String? {
        switch Self.textKind(of: node) {
        case .text:
            guard let text = Self.trimmed(node.children.isEmpty ? node.text : node.innerText) else { return nil }
            return HTMLEntities.escape(text)
        case .html: return cleanHTML(node.children.isEmpty ? node.text : node.innerMarkup, base: node.base)
        case .xhtml: return cleanHTML(Self.xhtmlMarkup(node), base: node.base)
        case .base64: return Self.decodeBase64(node.text).flatMap { cleanHTML($0, base: node.base) }
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
        guard let text = Self.trimmed(node.text) else { return nil }
        if let date = FeedDate.parse(text) { return date }
        warnings.append("unparseable date \"\(text.prefix(60))\" in <\(node.name)> at line \(node.line)")
        return nil
    }

    // MARK: People

    /// A person from an RSS-style string: "me@example.org (Me)", "Me <me@example.org>", "Me" or an address.
    static func person(fromText text: String) -> Person? {
        guard let text = collapsed(text) else { return nil }
        if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
            let name = collapsed(String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
            let address = collapsed(String(text[..<open]))
            if let address, address.contains("@") { return Person(name: name, email: address) }
            return Person(name: name ?? address)
        }
        if let open = text.firstIndex(of: "<"), text.hasSuffix(">") {
            let address = collapsed(String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
            let name = collapsed(String(text[..<open]))
            return Person(name: name, email: address)
        }
        if text.contains("@"), !text.contains(" ") {
            return Person(email: text)
        }
        return Person(name: text)
    }

    /// A person from an Atom person construct.
    func person(fromAtom node: XMLNode) -> Person? {
        var person = Person()
        for child in node.children where NS.atomAny.contains(child.namespace) || child.namespace == nil {
            switch child.name {
            case "name": person.name = Self.collapsed(child.innerText)
            case "email": person.email = Self.collapsed(child.text)
            case "uri", "url": person.uri = url(child.text, base: child.base)
            default: break
            }
        }
        if person.isEmpty, let text = Self.collapsed(node.text) { person.name = text }
        return person.isEmpty ? nil : person
    }
}
