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
    public var name: String
    /// Attributes in source order, duplicates included (browsers keep the first).
    public var attributes: [HTMLAttribute]
    /// Whether the tag ended with `/>`. HTML ignores this except on void and foreign elements.
    public var isSelfClosing: Bool
    /// The whole tag, from '<' to just past '>'.
    public var range: Range<Int>

    /// Creates a tag.
    public init(name: String, attributes: [HTMLAttribute] = [], isSelfClosing: Bool = false, range: Range<Int>) {
        self.name = name
        self.attributes = attributes
        self.isSelfClosing = isSelfClosing
        self.range = range
    }
}

/// One attribute of a start tag.
public struct HTMLAttribute: Sendable, Equatable {
    /// The attribute name, ASCII-lowercased.
    public var name: String
    /// The raw value without its quotes; nil for a valueless attribute such as `controls`.
    public var valueRange: Range<Int>?
    /// The whole attribute from the first byte of its name to the end of its value, closing quote included.
    public var range: Range<Int>

    /// Creates an attribute.
    public init(name: String, valueRange: Range<Int>?, range: Range<Int>) {
        self.name = name
        self.valueRange = valueRange
        self.range = range
    }
}
