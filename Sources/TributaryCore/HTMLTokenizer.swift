import Foundation

/// A small, forgiving HTML tokenizer over UTF-8 bytes.
///
/// It follows the HTML5 tokenizer where that matters for safety and fidelity: tag names end only at
/// whitespace, '/' or '>' (`<scr<script>` is one tag named `scr<script`), attribute values may be
/// quoted, unquoted or missing, a tag cut off by the end of input is dropped, `<!-->` is an empty
/// comment, and the content of `<script>`, `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`
/// (literal) and `<title>`, `<textarea>` (text with references) runs to the matching end tag.
/// It builds no tree and never fails: every input yields a token sequence.
///
/// Complexity: O(n) in the input length; each byte is examined a bounded number of times.
public struct HTMLTokenizer: Sequence, IteratorProtocol, Sendable {
    /// The UTF-8 input that token ranges refer to.
    public let bytes: [UInt8]
    /// Offset of the next byte to tokenize.
    public private(set) var position = 0
    /// Set after a start tag whose content is raw text: where its name is, and whether references are decoded.
    private var pendingRawText: HTMLByteTokenizer.PendingRawText?

    /// For elements whose content is not markup, whether character references in it are decoded; nil otherwise.
    ///
    /// `range` holds the name as written; it is compared ASCII-case-insensitively.
    static func rawTextContent(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool? {
        guard range.count >= 3, range.count <= 8 else { return nil }
        switch source[range.lowerBound] | 0x20 {
        case UInt8(ascii: "s"), UInt8(ascii: "x"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "t"): break
        default: return nil
        }
        func named(_ name: StaticString) -> Bool { HTMLNameHash.equalsLowercased(source, range, name) }
        if named("script") || named("style") || named("xmp") || named("iframe") || named("noembed")
            || named("noframes")
        {
            return false
        }
        return named("title") || named("textarea") ? true : nil
    }

    /// Creates a tokenizer over the UTF-8 bytes of `html`.
    public init(_ html: String) {
        bytes = Array(html.utf8)
    }

    /// Creates a tokenizer over UTF-8 bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Returns the next token, or nil at the end of the input.
    public mutating func next() -> HTMLToken? {
        let bytes = self.bytes
        return bytes.withUnsafeBufferPointer { source in
            var tokenizer = HTMLByteTokenizer(source: source, position: position, pendingRawText: pendingRawText)
            defer { (position, pendingRawText) = (tokenizer.position, tokenizer.pendingRawText) }
            return tokenizer.next()
        }
    }

    /// The bytes in `range` as a string, references left as written.
    public func string(in range: Range<Int>) -> String {
        String(decoding: bytes[range.clamped(to: bytes.indices)], as: UTF8.self)
    }

    /// The bytes in `range` with character references decoded.
    ///
    /// - Parameters:
    ///   - isAttribute: Applies the attribute-value rule, so `?a=1&copy=2` keeps `&copy`.
    public func decodedString(in range: Range<Int>, isAttribute: Bool = false) -> String {
        let range = range.clamped(to: bytes.indices)
        return bytes.withUnsafeBufferPointer { source in
            var output: [UInt8] = []
            output.reserveCapacity(range.count)
            HTMLEntities.appendDecoded(source, range, isAttribute: isAttribute, to: &output)
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// The decoded value of `attribute`, or nil when it has none.
    public func value(of attribute: HTMLAttribute) -> String? {
        attribute.valueRange.map { decodedString(in: $0, isAttribute: true) }
    }
}

/// A tag as `HTMLByteTokenizer.nextScanned()` finds it: positions in the source, no strings.
struct ScannedTag {
    /// The name as written (the lowercased name is what `nameHash` hashes).
    var nameRange: Range<Int>
    /// `HTMLNameHash` of the ASCII-lowercased name.
    var nameHash: UInt32
    var isSelfClosing: Bool
    /// The whole tag, from '<' to just past '>'.
    var range: Range<Int>
}

/// An attribute of a `ScannedTag`, in `HTMLByteTokenizer.attributes`.
struct ScannedAttribute {
    /// The name as written (the lowercased name is what `nameHash` hashes).
    var nameRange: Range<Int>
    var nameHash: UInt32
    /// The raw value without its quotes; nil for a valueless attribute.
    var valueRange: Range<Int>?
    /// From the first byte of the name to the end of the value, closing quote included.
    var range: Range<Int>
}

/// `HTMLToken` with tags as positions (`ScannedTag`): what the sanitizer reads, making no string per tag.
enum ScannedToken {
    case text(Range<Int>)
    case rawText(Range<Int>)
    /// A start tag; its attributes are in `HTMLByteTokenizer.attributes` until the next token.
    case startTag(ScannedTag)
    case endTag(ScannedTag)
    case comment(Range<Int>)
    case doctype(Range<Int>)
    case cdata(Range<Int>)
}

/// `HTMLTokenizer` over bytes the caller keeps alive, for callers that have them in a buffer already.
struct HTMLByteTokenizer {
    /// A raw-text element's name (its position in the source) and whether references in its content are decoded.
    struct PendingRawText {
        var name: Range<Int>
        var isEscapable: Bool
    }

    let source: UnsafeBufferPointer<UInt8>
    private(set) var position = 0
    /// Set after a start tag whose content is raw text.
    private(set) var pendingRawText: PendingRawText?
    /// The attributes of the start tag `nextScanned()` returned last, in source order, duplicates included.
    /// The storage is reused from tag to tag.
    private(set) var attributes: [ScannedAttribute] = []

    /// - Parameter attributeStorage: an array whose capacity `attributes` reuses (its elements are dropped).
    init(
        source: UnsafeBufferPointer<UInt8>, position: Int = 0, pendingRawText: PendingRawText? = nil,
        attributeStorage: [ScannedAttribute] = []
    ) {
        self.source = source
        self.position = position
        self.pendingRawText = pendingRawText
        attributes = attributeStorage
        attributes.removeAll(keepingCapacity: true)
    }

    /// Hands over the storage of `attributes`, for a later tokenizer to reuse.
    mutating func takeAttributeStorage() -> [ScannedAttribute] {
        var storage: [ScannedAttribute] = []
        swap(&storage, &attributes)
        return storage
    }

    /// Returns the next token, or nil at the end of the input.
    mutating func next() -> HTMLToken? {
        switch nextScanned() {
        case nil: return nil
        case .text(let range): return .text(range)
        case .rawText(let range): return .rawText(range)
        case .comment(let range): return .comment(range)
        case .doctype(let range): return .doctype(range)
        case .cdata(let range): return .cdata(range)
        case .startTag(let tag):
            let attributes = attributes.map { attribute in
                HTMLAttribute(
                    name: lowercasedName(attribute.nameRange), nameHash: attribute.nameHash,
                    valueRange: attribute.valueRange, range: attribute.range)
            }
            return .startTag(htmlTag(tag, attributes: attributes))
        case .endTag(let tag):
            return .endTag(htmlTag(tag, attributes: []))
        }
    }

    private func htmlTag(_ tag: ScannedTag, attributes: [HTMLAttribute]) -> HTMLTag {
        HTMLTag(
            name: lowercasedName(tag.nameRange), nameHash: tag.nameHash, attributes: attributes,
            isSelfClosing: tag.isSelfClosing, range: tag.range)
    }

    /// Returns the next token with its tag, if any, as positions; nil at the end of the input.
    mutating func nextScanned() -> ScannedToken? {
        var scanner = TokenScanner(source: source, position: position)
        defer { position = scanner.position }
        if let pending = pendingRawText {
            pendingRawText = nil
            let start = scanner.position
            let end = scanner.rawTextEnd(name: pending.name, from: start)
            scanner.position = end
            if end > start { return pending.isEscapable ? .text(start..<end) : .rawText(start..<end) }
        }
        let token = scanner.nextToken(attributes: &attributes)
        if case .startTag(let tag) = token, let isEscapable = HTMLTokenizer.rawTextContent(source, tag.nameRange) {
            pendingRawText = PendingRawText(name: tag.nameRange, isEscapable: isEscapable)
        }
        return token
    }

    /// The name in `range`, ASCII-lowercased.
    func lowercasedName(_ range: Range<Int>) -> String {
        var combined: UInt8 = 0
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: range.count) { buffer in
            for offset in 0..<range.count {
                var byte = source[range.lowerBound + offset]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                buffer[offset] = byte
                combined |= byte
            }
            // Names are ASCII but in broken markup: only those are made without validating.
            let name = UnsafeBufferPointer(buffer)
            return combined < 0x80 ? String(validUTF8: name) : String(decoding: name, as: UTF8.self)
        }
    }
}

/// The scanning state for one `HTMLTokenizer.next()` call.
private struct TokenScanner {
    let source: UnsafeBufferPointer<UInt8>
    var position: Int

    var count: Int { source.count }

    mutating func nextToken(attributes: inout [ScannedAttribute]) -> ScannedToken? {
        while position < count {
            let start = position
            guard source[start] == UInt8(ascii: "<"), startsMarkup(at: start) else {
                position = textEnd(from: start)
                return .text(start..<position)
            }
            let next = source[start + 1]
            if next.isASCIILetter {
                return scanTag(at: start, nameStart: start + 1, isEndTag: false, attributes: &attributes)
                    .map(ScannedToken.startTag)
            }
            if next == UInt8(ascii: "/") {
                let after = source[start + 2]
                if after.isASCIILetter {
                    return scanTag(at: start, nameStart: start + 2, isEndTag: true, attributes: &attributes)
                        .map(ScannedToken.endTag)
                }
                if after == UInt8(ascii: ">") {  // "</>" is ignored
                    position = start + 3
                    continue
                }
                return bogusComment(contentStart: start + 2)
            }
            if next == UInt8(ascii: "!") { return markupDeclaration(contentStart: start + 2) }
            return bogusComment(contentStart: start + 1)  // "<?...>"
        }
        return nil
    }

    /// Whether the '<' at `index` opens a tag, end tag, comment or declaration rather than being text.
    func startsMarkup(at index: Int) -> Bool {
        guard index + 1 < count else { return false }
        let next = source[index + 1]
        if next.isASCIILetter || next == UInt8(ascii: "!") || next == UInt8(ascii: "?") { return true }
        return next == UInt8(ascii: "/") && index + 2 < count
    }

    func textEnd(from start: Int) -> Int {
        var index = start + 1
        while let open = find(UInt8(ascii: "<"), from: index) {
            if startsMarkup(at: open) { return open }
            index = open + 1
        }
        return count
    }

    /// Scans a tag, its attributes into `attributes` (emptied first; end tags get none); returns nil
    /// (consuming the rest of the input) when the input ends inside it.
    mutating func scanTag(
        at start: Int, nameStart: Int, isEndTag: Bool, attributes: inout [ScannedAttribute]
    ) -> ScannedTag? {
        var index = nameStart
        var nameHash = HTMLNameHash.initial
        while index < count, !source[index].isTagNameEnd {
            nameHash = HTMLNameHash.addingLowercased(source[index], to: nameHash)
            index += 1
        }
        let nameRange = nameStart..<index
        if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
        var isSelfClosing = false
        while true {
            while index < count, source[index].isHTMLWhitespace { index += 1 }
            guard index < count else {
                position = count
                return nil
            }
            let byte = source[index]
            if byte == UInt8(ascii: ">") {
                index += 1
                break
            }
            if byte == UInt8(ascii: "/") {
                index += 1
                if index < count, source[index] == UInt8(ascii: ">") {
                    isSelfClosing = true
                    index += 1
                    break
                }
                continue
            }
            let attributeStart = index
            var attributeHash = HTMLNameHash.addingLowercased(byte, to: HTMLNameHash.initial)
            index += 1  // the first byte may be '='
            while index < count, !source[index].isTagNameEnd, source[index] != UInt8(ascii: "=") {
                attributeHash = HTMLNameHash.addingLowercased(source[index], to: attributeHash)
                index += 1
            }
            let nameEnd = index
            var valueRange: Range<Int>?
            var lookahead = index
            while lookahead < count, source[lookahead].isHTMLWhitespace { lookahead += 1 }
            if lookahead < count, source[lookahead] == UInt8(ascii: "=") {
                lookahead += 1
                while lookahead < count, source[lookahead].isHTMLWhitespace { lookahead += 1 }
                guard lookahead < count else {
                    position = count
                    return nil
                }
                let quote = source[lookahead]
                if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                    guard let close = find(quote, from: lookahead + 1) else {
                        position = count
                        return nil
                    }
                    valueRange = lookahead + 1..<close
                    index = close + 1
                } else {
                    index = lookahead
                    while index < count, !source[index].isHTMLWhitespace, source[index] != UInt8(ascii: ">") {
                        index += 1
                    }
                    valueRange = lookahead..<index
                }
            }
            if !isEndTag {
                if attributes.capacity == 0 { attributes.reserveCapacity(8) }  // one allocation, not one per doubling
                attributes.append(
                    ScannedAttribute(
                        nameRange: attributeStart..<nameEnd, nameHash: attributeHash, valueRange: valueRange,
                        range: attributeStart..<index))
            }
        }
        position = index
        return ScannedTag(nameRange: nameRange, nameHash: nameHash, isSelfClosing: isSelfClosing, range: start..<index)
    }

    /// Handles `<!` followed by a comment, doctype, CDATA section or anything else (a bogus comment).
    mutating func markupDeclaration(contentStart start: Int) -> ScannedToken {
        if hasPrefix("--", at: start) {
            let contentStart = start + 2
            if hasPrefix(">", at: contentStart) {  // "<!-->"
                position = contentStart + 1
                return .comment(contentStart..<contentStart)
            }
            if hasPrefix("->", at: contentStart) {  // "<!--->"
                position = contentStart + 2
                return .comment(contentStart..<contentStart)
            }
            var index = contentStart
            while let dash = find(UInt8(ascii: "-"), from: index) {
                if hasPrefix("-->", at: dash) {
                    position = dash + 3
                    return .comment(contentStart..<dash)
                }
                if hasPrefix("--!>", at: dash) {
                    position = dash + 4
                    return .comment(contentStart..<dash)
                }
                index = dash + 1
            }
            position = count
            return .comment(contentStart..<count)
        }
        if hasPrefix("[CDATA[", at: start) {
            let contentStart = start + 7
            var index = contentStart
            while let bracket = find(UInt8(ascii: "]"), from: index) {
                if hasPrefix("]]>", at: bracket) {
                    position = bracket + 3
                    return .cdata(contentStart..<bracket)
                }
                index = bracket + 1
            }
            position = count
            return .cdata(contentStart..<count)
        }
        if hasPrefix("doctype", at: start, ignoringCase: true) {
            let contentStart = start + 7
            // An unterminated "<!DOCTYPE" in feed text is text (as feedparser reads it), not a declaration.
            guard let end = find(UInt8(ascii: ">"), from: contentStart) else { return literalMarkupOpen(at: start) }
            position = end + 1
            return .doctype(contentStart..<end)
        }
        // "<!" followed by neither a name nor ">" ("<!'", "<! ") declares nothing: it is text, and what
        // follows is tokenized normally. The output is re-serialised, so this only changes what is kept.
        if start >= count || !(source[start].isASCIILetter || source[start] == UInt8(ascii: ">")) {
            return literalMarkupOpen(at: start)
        }
        return bogusComment(contentStart: start)
    }

    /// The "<!" just before `start` as a text token; scanning resumes at `start`.
    mutating func literalMarkupOpen(at start: Int) -> ScannedToken {
        position = start
        return .text((start - 2)..<start)
    }

    mutating func bogusComment(contentStart: Int) -> ScannedToken {
        let end = find(UInt8(ascii: ">"), from: contentStart) ?? count
        position = min(end + 1, count)
        return .comment(contentStart..<end)
    }

    /// Start of the first `</name` followed by whitespace, '/' or '>' at or after `start`, or the input's end;
    /// `name` is where the element's name is in the source.
    func rawTextEnd(name: Range<Int>, from start: Int) -> Int {
        var index = start
        while let open = find(UInt8(ascii: "<"), from: index) {
            let after = open + 2 + name.count
            if after < count, source[open + 1] == UInt8(ascii: "/") {
                var matches = true
                for offset in 0..<name.count
                where source[open + 2 + offset] | 0x20 != source[name.lowerBound + offset] | 0x20 {
                    matches = false
                    break
                }
                let next = source[after]
                if matches, next.isHTMLWhitespace || next == UInt8(ascii: "/") || next == UInt8(ascii: ">") {
                    return open
                }
            }
            index = open + 1
        }
        return count
    }

    func find(_ byte: UInt8, from index: Int) -> Int? {
        guard index < count, let base = source.baseAddress,
            let match = memchr(base + index, Int32(byte), count - index)
        else { return nil }
        return UnsafeRawPointer(match) - UnsafeRawPointer(base)
    }

    func hasPrefix(_ prefix: StaticString, at index: Int, ignoringCase: Bool = false) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard index + length <= count else { return false }
        for offset in 0..<length {
            let byte = source[index + offset]
            let expected = prefix.utf8Start[offset]
            if byte != expected, !ignoringCase || byte | 0x20 != expected { return false }
        }
        return true
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII letter.
    var isASCIILetter: Bool {
        let lower = self | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
    }

    /// HTML whitespace: tab, line feed, form feed, carriage return, space.
    var isHTMLWhitespace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D
    }

    /// Whether the byte ends a tag or attribute name: whitespace, '/' or '>'.
    var isTagNameEnd: Bool {
        isHTMLWhitespace || self == UInt8(ascii: "/") || self == UInt8(ascii: ">")
    }
}
