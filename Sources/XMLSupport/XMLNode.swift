/// An element of a parsed XML document, in the ElementTree model.
///
/// Character data before the first child is `text`; character data after an element and
/// before its next sibling is that element's `tail`. This keeps mixed content (XHTML)
/// in order without a node per text run.
public final class XMLNode {
    /// Local name, without prefix.
    public let name: String
    /// Namespace URI, or nil for no namespace.
    public let namespace: String?
    /// Prefix used in the document, if any (kept for serialization).
    public let prefix: String?
    /// Attributes in document order.
    public internal(set) var attributes: [XMLAttribute]
    /// Namespaces declared on this element (`xmlns` attributes): URI by prefix, "" for the default namespace.
    public let namespaceDeclarations: [String: String]
    /// Child elements in document order.
    public internal(set) var children: [XMLNode] = []
    /// Character data before the first child.
    public internal(set) var text: String = ""
    /// Character data after this element's end tag, before the next sibling.
    public internal(set) var tail: String = ""
    /// Effective base URL (xml:base resolved against the ancestors' and the document's), if known.
    public let base: String?
    /// Effective xml:lang, inherited from ancestors.
    public let language: String?
    /// 1-based line of the start tag.
    public let line: Int

    init(
        name: String, namespace: String?, prefix: String?, attributes: [XMLAttribute],
        namespaceDeclarations: [String: String] = [:], base: String?, language: String?, line: Int
    ) {
        self.namespaceDeclarations = namespaceDeclarations
        self.name = name
        self.namespace = namespace
        self.prefix = prefix
        self.attributes = attributes
        self.base = base
        self.language = language
        self.line = line
    }

    /// The value of the attribute with this local name and namespace (nil namespace: unprefixed attribute).
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        for attribute in attributes where attribute.name == name && attribute.namespace == namespace {
            return attribute.value
        }
        return nil
    }

    /// First child with this local name in one of the namespaces (nil in the list matches no namespace).
    public func child(_ name: String, in namespaces: [String?]) -> XMLNode? {
        for child in children where child.name == name && namespaces.contains(child.namespace) {
            return child
        }
        return nil
    }

    /// All children with this local name in one of the namespaces.
    public func children(_ name: String, in namespaces: [String?]) -> [XMLNode] {
        children.filter { $0.name == name && namespaces.contains($0.namespace) }
    }

    /// All character data inside this element, descendants included, in document order.
    public var innerText: String {
        if children.isEmpty { return text }
        var result = text
        for child in children {
            result += child.innerText
            result += child.tail
        }
        return result
    }

    /// The content of this element serialized as markup (children as tags, text escaped).
    ///
    /// Used for XHTML content and for feeds that put unescaped HTML inside text elements.
    public var innerMarkup: String {
        var result = ""
        appendEscaped(text, to: &result, attribute: false)
        for child in children {
            child.appendMarkup(to: &result)
            appendEscaped(child.tail, to: &result, attribute: false)
        }
        return result
    }

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    private func appendMarkup(to result: inout String) {
        result += "<" + name
        for attribute in attributes where attribute.namespace == nil {
            result += " " + attribute.name + "=\""
            appendEscaped(attribute.value, to: &result, attribute: true)
            result += "\""
        }
        if children.isEmpty && text.isEmpty && Self.voidElements.contains(name) {
            result += " />"
            return
        }
        result += ">"
        appendEscaped(text, to: &result, attribute: false)
        for child in children {
            child.appendMarkup(to: &result)
            appendEscaped(child.tail, to: &result, attribute: false)
        }
        result += "</" + name + ">"
    }

    private func appendEscaped(_ string: String, to result: inout String, attribute: Bool) {
        guard string.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else {
            result += string
            return
        }
        for character in string.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            default: result.unicodeScalars.append(character)
            }
        }
    }

    func append(child: XMLNode) { children.append(child) }
    func appendText(_ string: String) {
        if text.isEmpty { text = string } else { text += string }
    }

    func appendTail(_ string: String) {
        if tail.isEmpty { tail = string } else { tail += string }
    }
}

/// One attribute of an element.
public struct XMLAttribute: Sendable, Equatable {
    /// Local name.
    public var name: String
    /// Namespace URI, nil for unprefixed attributes.
    public var namespace: String?
    /// Value with entities decoded.
    public var value: String
}

/// Well-known namespace URIs.
public enum XMLNamespace {
    /// The `xml:` prefix namespace.
    public static let xml = "http://www.w3.org/XML/1998/namespace"
}
