import TributaryCore

/// The element, attribute and namespace names of one parse, each stored once and known by number.
///
/// Used by one parse on one thread at a time, like `XMLTree`: Swift's dynamic exclusivity checks on
/// its properties are left out.
final class XMLNameTable {
    @exclusivity(unchecked) private(set) var strings: [String] = []
    /// `strings`, lowercased.
    @exclusivity(unchecked) private(set) var lowercased: [String] = []
    /// `key(of:)` of each of `strings`.
    @exclusivity(unchecked) private(set) var keys: [UInt64] = []
    @exclusivity(unchecked) private var numbers: [String: Int32] = [:]

    init() {
        // A feed uses a few dozen names: room for them up front spares the tables' growth (rehashing).
        strings.reserveCapacity(64)
        lowercased.reserveCapacity(64)
        keys.reserveCapacity(64)
        numbers.reserveCapacity(64)
    }

    /// The number of `string`, adding it when new. Equal strings always get the same number.
    func number(for string: String) -> Int32 {
        if let number = numbers[string] { return number }
        let number = Int32(strings.count)
        strings.append(string)
        // Names are nearly always ASCII, whose lowercasing needs no Unicode tables.
        let utf8 = string.utf8
        let isASCIIWithoutUppercase = utf8.allSatisfy { $0 < 0x80 && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }
        lowercased.append(isASCIIWithoutUppercase ? string : string.lowercased())
        keys.append(Self.key(of: string))
        numbers[string] = number
        return number
    }

    /// A 64-bit FNV-1a hash of a name's UTF-8: names whose keys differ are different names, so a lookup
    /// by `XMLAttributeName` compares keys and confirms only a match with a string comparison.
    static func key(of name: String) -> UInt64 {
        var key: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { key = (key ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return key
    }
}

/// Elements of a document (or of one record of it) stored flat: one array of element records and one
/// byte buffer for all their character data and attribute values.
///
/// A tree is used by one parse on one thread at a time; Swift's dynamic exclusivity checks on its
/// properties (a call into the runtime on every access) are left out.
///
/// The stream parser fills one tree for the document and one for the record being read, which it
/// empties and reuses for the next record: once the buffers have grown, an element costs no allocation
/// of its own, and a node is a number, not an object. Text stays UTF-8 bytes until a field asks for it.
public final class XMLTree {
    struct Element {
        var name: Int32
        var namespace: Int32  // -1: no namespace
        var prefix: Int32  // -1: no prefix
        var base: Int32  // index into `bases`, -1: none
        var language: Int32  // index into `languages`, -1: none
        var declarations: Int32  // index into `declarations`, -1: declares none
        var line: Int32
        var childCount: Int32 = 0
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
        var attributes: Range<Int32>
        var text: Range<Int>
        var tail: Range<Int>
    }

    struct Attribute {
        var name: Int32
        var namespace: Int32
        var value: Range<Int>
        /// `XMLNameTable.key(of:)` of the name.
        var key: UInt64
    }

    let names: XMLNameTable
    @exclusivity(unchecked) var elements: [Element] = []
    @exclusivity(unchecked) var attributes: [Attribute] = []
    /// Character data and attribute values, UTF-8 as libxml2 delivered it.
    @exclusivity(unchecked) var bytes = GrowableBytes(capacity: 4096)
    @exclusivity(unchecked) var bases: [String?] = []
    @exclusivity(unchecked) var languages: [String] = []
    @exclusivity(unchecked) var declarations: [[String: String]] = []

    /// Whether `bytes` are known to be valid UTF-8: libxml2 read a document validated as UTF-8
    /// (`XMLInput.isUTF8`), so strings are made without validating again (`String(validUTF8:)`).
    let isValidUTF8: Bool

    init(names: XMLNameTable, isValidUTF8: Bool = false) {
        self.names = names
        self.isValidUTF8 = isValidUTF8
    }

    /// Empties the tree, keeping its buffers' capacity for the next record.
    func removeAll() {
        // (`removeAll(keepingCapacity:)` costs a uniqueness check and a call even for an empty array.)
        elements.removeAll(keepingCapacity: true)
        if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
        bytes.removeAll()
        if !bases.isEmpty { bases.removeAll(keepingCapacity: true) }
        if !languages.isEmpty { languages.removeAll(keepingCapacity: true) }
        if !declarations.isEmpty { declarations.removeAll(keepingCapacity: true) }
    }

    /// Extends the text range `range` by `added`, which normally starts where `range` ends.
    func extend(_ range: inout Range<Int>, with added: Range<Int>) {
        if range.isEmpty {
            range = added
        } else if range.upperBound == added.lowerBound {
            range = range.lowerBound..<added.upperBound
        } else {  // not adjacent: copy both to the end
            let start = bytes.count
            bytes.appendCopy(of: range)
            bytes.appendCopy(of: added)
            range = start..<bytes.count
        }
    }

    /// The bytes in `range` as a string, C1 controls mapped to the windows-1252 characters they stand for.
    func string(_ range: Range<Int>) -> String {
        if range.isEmpty { return "" }
        return bytes.withBytes { string(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// UTF-8 of this tree as a string, C1 controls mapped to the windows-1252 characters they stand for
    /// (see `XMLInput.mappingC1Controls(_:)`).
    func string(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        // ASCII text has no C1 control: one scan answers both questions for most strings.
        let isASCII = String.isASCII(utf8)
        if !isASCII, let mapped = XMLInput.mappingC1Controls(utf8) { return String(decoding: mapped, as: UTF8.self) }
        return isValidUTF8 ? String(validUTF8: utf8, isASCII: isASCII) : String(decoding: utf8, as: UTF8.self)
    }
}

/// An element of a parsed XML document, in the ElementTree model: a position in an `XMLTree`.
///
/// Character data before the first child is `text`; character data after an element and
/// before its next sibling is that element's `tail`. This keeps mixed content (XHTML)
/// in order without a node per text run.
///
/// A record handed out by `XMLStreamParser` is valid during the callback that receives it.
public struct XMLNode {
    let tree: XMLTree
    let index: Int32

    init(tree: XMLTree, index: Int32) {
        self.tree = tree
        self.index = index
    }

    private var element: XMLTree.Element { tree.elements[Int(index)] }

    /// Local name, without prefix.
    public var name: String { tree.names.strings[Int(element.name)] }
    /// Namespace URI, or nil for no namespace.
    public var namespace: String? {
        let number = element.namespace
        return number < 0 ? nil : tree.names.strings[Int(number)]
    }
    /// Local name, lowercased.
    public var lowercasedName: String { tree.names.lowercased[Int(element.name)] }
    /// A number for the namespace URI, the same for equal URIs throughout one parse; -1 for no namespace.
    public var namespaceNumber: Int { Int(element.namespace) }
    /// A number for the local name, the same for equal names throughout one parse (from 0).
    public var nameNumber: Int { Int(element.name) }
    /// Prefix used in the document, if any.
    public var prefix: String? {
        let number = element.prefix
        return number < 0 ? nil : tree.names.strings[Int(number)]
    }
    /// Namespaces declared on this element (`xmlns` attributes): URI by prefix, "" for the default namespace.
    public var namespaceDeclarations: [String: String] {
        let number = element.declarations
        return number < 0 ? [:] : tree.declarations[Int(number)]
    }
    /// Effective base URL (xml:base resolved against the ancestors' and the document's), if known.
    public var base: String? {
        let number = element.base
        return number < 0 ? nil : tree.bases[Int(number)]
    }
    /// Effective xml:lang, inherited from ancestors.
    public var language: String? {
        let number = element.language
        return number < 0 ? nil : tree.languages[Int(number)]
    }
    /// 1-based line of the start tag.
    public var line: Int { Int(element.line) }
    /// Character data before the first child.
    public var text: String { tree.string(element.text) }
    /// Character data after this element's end tag, before the next sibling.
    public var tail: String { tree.string(element.tail) }
    /// Calls `body` with the UTF-8 of `text` (C1 controls mapped, as in `text`), without making a String.
    public func withText<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let range = element.text
        return tree.bytes.withBytes { bytes in
            let utf8 = UnsafeBufferPointer(rebasing: bytes[range])
            guard let mapped = XMLInput.mappingC1Controls(utf8) else { return body(utf8) }
            return mapped.withUnsafeBufferPointer(body)
        }
    }

    /// Whether the bytes `withText` hands out are known to be valid UTF-8 (see `XMLTree.isValidUTF8`);
    /// when false, they are what libxml2 delivered, which a damaged document can make invalid.
    public var isValidUTF8: Bool { tree.isValidUTF8 }

    /// True when the element has no character data before its first child.
    public var hasText: Bool { !element.text.isEmpty }
    /// True when the element has child elements (`!children.isEmpty`, without making the sequence).
    public var hasChildren: Bool { element.childCount > 0 }

    /// Child elements in document order.
    public var children: XMLChildren {
        let element = element
        return XMLChildren(tree: tree, first: element.firstChild, count: Int(element.childCount))
    }

    /// The value of the attribute with this local name and namespace (nil namespace: unprefixed attribute).
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        let range = element.attributes
        guard !range.isEmpty else { return nil }
        let strings = tree.names.strings
        for attribute in tree.attributes[Int(range.lowerBound)..<Int(range.upperBound)]
        where strings[Int(attribute.name)] == name
            && (attribute.namespace < 0 ? namespace == nil : strings[Int(attribute.namespace)] == namespace)
        {
            return tree.string(attribute.value)
        }
        return nil
    }

    /// The value of the unprefixed attribute `name` (`attribute(_:namespace:)` with no namespace), found by
    /// comparing numbers: what the parser calls for every item's `href`, `type` or `url`.
    public func attribute(_ name: XMLAttributeName) -> String? {
        let range = element.attributes
        // By index: a slice of `tree.attributes` would retain and release its storage.
        for index in Int(range.lowerBound)..<Int(range.upperBound) {
            let attribute = tree.attributes[index]
            if attribute.key == name.key, attribute.namespace < 0, tree.names.strings[Int(attribute.name)] == name.name {
                return tree.string(attribute.value)
            }
        }
        return nil
    }

    /// All character data inside this element, descendants included, in document order.
    public var innerText: String {
        let element = element
        if element.childCount == 0 { return tree.string(element.text) }
        var result: [UInt8] = []
        appendText(of: index, to: &result)
        return result.withUnsafeBufferPointer(tree.string)
    }

    private func appendText(of index: Int32, to result: inout [UInt8]) {
        let element = tree.elements[Int(index)]
        tree.bytes.withBytes { result.append(contentsOf: UnsafeBufferPointer(rebasing: $0[element.text])) }
        var child = element.firstChild
        while child >= 0 {
            appendText(of: child, to: &result)
            let tail = tree.elements[Int(child)].tail
            tree.bytes.withBytes { result.append(contentsOf: UnsafeBufferPointer(rebasing: $0[tail])) }
            child = tree.elements[Int(child)].nextSibling
        }
    }

    /// The content of this element serialized as markup (children as tags, text escaped).
    ///
    /// Used for XHTML content and for feeds that put unescaped HTML inside text elements.
    public var innerMarkup: String {
        var result: [UInt8] = []
        appendContentMarkup(of: index, to: &result)
        return result.withUnsafeBufferPointer(tree.string)
    }

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    private func appendContentMarkup(of index: Int32, to result: inout [UInt8]) {
        let element = tree.elements[Int(index)]
        appendEscaped(element.text, to: &result, attribute: false)
        var child = element.firstChild
        while child >= 0 {
            appendMarkup(of: child, to: &result)
            let childElement = tree.elements[Int(child)]
            appendEscaped(childElement.tail, to: &result, attribute: false)
            child = childElement.nextSibling
        }
    }

    private func appendMarkup(of index: Int32, to result: inout [UInt8]) {
        let element = tree.elements[Int(index)]
        let name = tree.names.strings[Int(element.name)]
        result.append(UInt8(ascii: "<"))
        result.append(contentsOf: name.utf8)
        for attribute in tree.attributes[Int(element.attributes.lowerBound)..<Int(element.attributes.upperBound)]
        where attribute.namespace < 0 {
            result.append(UInt8(ascii: " "))
            result.append(contentsOf: tree.names.strings[Int(attribute.name)].utf8)
            result.append(UInt8(ascii: "="))
            result.append(UInt8(ascii: "\""))
            appendEscaped(attribute.value, to: &result, attribute: true)
            result.append(UInt8(ascii: "\""))
        }
        if element.childCount == 0 && element.text.isEmpty && Self.voidElements.contains(name) {
            result.append(contentsOf: " />".utf8)
            return
        }
        result.append(UInt8(ascii: ">"))
        appendContentMarkup(of: index, to: &result)
        result.append(UInt8(ascii: "<"))
        result.append(UInt8(ascii: "/"))
        result.append(contentsOf: name.utf8)
        result.append(UInt8(ascii: ">"))
    }

    private func appendEscaped(_ range: Range<Int>, to result: inout [UInt8], attribute: Bool) {
        tree.bytes.withBytes { bytes in
            for byte in bytes[range] {
                switch byte {
                case UInt8(ascii: "&"): result.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): result.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): result.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\"") where attribute: result.append(contentsOf: "&quot;".utf8)
                default: result.append(byte)
                }
            }
        }
    }
}

/// An attribute name looked up often (`XMLNode.attribute(_:)`), its key computed once: keep it in a
/// `static let`.
public struct XMLAttributeName: Sendable {
    /// The local name.
    public let name: String
    let key: UInt64

    public init(_ name: String) {
        self.name = name
        key = XMLNameTable.key(of: name)
    }
}

/// The child elements of an `XMLNode`, in document order.
public struct XMLChildren: Sequence {
    let tree: XMLTree
    let firstIndex: Int32
    /// How many children there are.
    public let count: Int

    init(tree: XMLTree, first: Int32, count: Int) {
        self.tree = tree
        self.firstIndex = first
        self.count = count
    }

    /// True when the element has no child elements.
    public var isEmpty: Bool { count == 0 }
    /// The first child, if any.
    public var first: XMLNode? { firstIndex < 0 ? nil : XMLNode(tree: tree, index: firstIndex) }
    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator { Iterator(tree: tree, upcoming: firstIndex) }

    /// Walks the sibling links.
    public struct Iterator: IteratorProtocol {
        let tree: XMLTree
        var upcoming: Int32

        public mutating func next() -> XMLNode? {
            guard upcoming >= 0 else { return nil }
            let node = XMLNode(tree: tree, index: upcoming)
            upcoming = tree.elements[Int(upcoming)].nextSibling
            return node
        }
    }
}

/// Well-known namespace URIs.
public enum XMLNamespace {
    /// The `xml:` prefix namespace.
    public static let xml = "http://www.w3.org/XML/1998/namespace"
}
