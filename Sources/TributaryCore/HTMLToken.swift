/// One piece of HTML produced by `HTMLTokenizer`.
///
/// Ranges are byte offsets into the tokenizer's `bytes`; text and values are raw (entities not decoded).
public enum HTMLToken: Sendable, Equatable {
    /// Character data whose references still need decoding (also the content of `<title>` and `<textarea>`).
    case text(Range<Int>)
    /// Content of `<script>`, `<style>`, `<xmp>`, `<iframe>`, `<noembed>` or `<noframes>`: literal, never decoded.
    case rawText(Range<Int>)
    /// A start tag such as `<a href="x">` or `<br/>`.
    case startTag(HTMLTag)
    /// An end tag such as `</p>`; `HTMLTag.attributes` is always empty.
    case endTag(HTMLTag)
    /// The content of `<!-- ... -->`, or of a bogus comment such as `<?xml ...>` or `</ 3>`.
    case comment(Range<Int>)
    /// The content of `<!DOCTYPE ...>` after the keyword.
    case doctype(Range<Int>)
    /// The content of `<![CDATA[ ... ]]>`.
    case cdata(Range<Int>)
}

/// A start or end tag.
public struct HTMLTag: Sendable, Equatable {
    /// The tag name, ASCII-lowercased.
    public let name: String
    /// Attributes in source order, duplicates included (browsers keep the first).
    public var attributes: [HTMLAttribute]
    /// Whether the tag ended with `/>`. HTML ignores this except on void and foreign elements.
    public var isSelfClosing: Bool
    /// The whole tag, from '<' to just past '>'.
    public var range: Range<Int>
    /// `HTMLNameHash` of `name`, for fast lookups.
    let nameHash: UInt32

    /// Creates a tag.
    public init(name: String, attributes: [HTMLAttribute] = [], isSelfClosing: Bool = false, range: Range<Int>) {
        self.init(
            name: name, nameHash: HTMLNameHash.of(name), attributes: attributes, isSelfClosing: isSelfClosing,
            range: range)
    }

    /// Compares the public properties.
    public static func == (lhs: HTMLTag, rhs: HTMLTag) -> Bool {
        lhs.name == rhs.name && lhs.attributes == rhs.attributes && lhs.isSelfClosing == rhs.isSelfClosing
            && lhs.range == rhs.range
    }

    init(name: String, nameHash: UInt32, attributes: [HTMLAttribute], isSelfClosing: Bool, range: Range<Int>) {
        self.name = name
        self.nameHash = nameHash
        self.attributes = attributes
        self.isSelfClosing = isSelfClosing
        self.range = range
    }
}

/// One attribute of a start tag.
public struct HTMLAttribute: Sendable, Equatable {
    /// The attribute name, ASCII-lowercased.
    public let name: String
    /// The raw value without its quotes; nil for a valueless attribute such as `controls`.
    public var valueRange: Range<Int>?
    /// The whole attribute from the first byte of its name to the end of its value, closing quote included.
    public var range: Range<Int>
    /// `HTMLNameHash` of `name`, for fast lookups.
    let nameHash: UInt32

    /// Creates an attribute.
    public init(name: String, valueRange: Range<Int>?, range: Range<Int>) {
        self.init(name: name, nameHash: HTMLNameHash.of(name), valueRange: valueRange, range: range)
    }

    /// Compares the public properties.
    public static func == (lhs: HTMLAttribute, rhs: HTMLAttribute) -> Bool {
        lhs.name == rhs.name && lhs.valueRange == rhs.valueRange && lhs.range == rhs.range
    }

    init(name: String, nameHash: UInt32, valueRange: Range<Int>?, range: Range<Int>) {
        self.name = name
        self.nameHash = nameHash
        self.valueRange = valueRange
        self.range = range
    }
}

/// FNV-1a over the UTF-8 of tag and attribute names, computed while the tokenizer lowercases them.
enum HTMLNameHash {
    static let initial: UInt32 = 2_166_136_261

    static func adding(_ byte: UInt8, to hash: UInt32) -> UInt32 {
        (hash ^ UInt32(byte)) &* 16_777_619
    }

    /// `adding(_:to:)` of the byte ASCII-lowercased.
    static func addingLowercased(_ byte: UInt8, to hash: UInt32) -> UInt32 {
        adding(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte, to: hash)
    }

    static func of(_ name: String) -> UInt32 {
        name.utf8.reduce(initial) { adding($1, to: $0) }
    }

    /// Whether `source[range]`, ASCII-lowercased, is `name` (which is lowercase).
    static func equalsLowercased(
        _ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ name: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard range.count == name.count else { return false }
        var offset = 0
        for index in range {
            let byte = source[index]
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lowered != name[offset] { return false }
            offset += 1
        }
        return true
    }

    /// `equalsLowercased(_:_:_:)` against a constant name.
    static func equalsLowercased(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ name: StaticString) -> Bool {
        equalsLowercased(source, range, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}
