extension HTMLSanitizer {
    /// Plain text from HTML: tags removed, entities decoded, whitespace collapsed and trimmed (for titles).
    ///
    /// Block-level tags and `<br>` separate words; the content of `script`, `style` and `template` is
    /// dropped, as are comments and characters illegal in XML 1.0. Whitespace means ASCII whitespace,
    /// U+00A0, U+2028 and U+2029; each run becomes one space.
    ///
    /// Complexity: O(n).
    public static func plainText(_ html: String) -> String {
        // Without '<' or '&' the text is one text token with nothing to decode: only its white space
        // changes (most titles marked as HTML are such text).
        var html = html
        let plain: String? = html.withUTF8 { bytes in
            bytes.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") } ? nil : collapsingWhitespace(bytes)
        }
        if let plain { return plain }
        let bytes = Array(html.utf8)
        return bytes.withUnsafeBufferPointer { source in
            var tokenizer = HTMLByteTokenizer(source: source)
            var text: [UInt8] = []
            text.reserveCapacity(source.count)
            var skippedElement: Int?  // its slot in `plainTextRoles`
            var skippedDepth = 0
            let roles = plainTextRoles
            while let token = tokenizer.nextScanned() {
                switch token {
                case .text(let range):
                    if skippedElement == nil {
                        HTMLEntities.appendDecoded(source, range, isAttribute: false, to: &text)
                    }
                case .cdata(let range):
                    if skippedElement == nil { text.append(contentsOf: UnsafeBufferPointer(rebasing: source[range])) }
                case .startTag(let tag):
                    let role = roles.lookup(source, tag.nameRange, hash: tag.nameHash)
                    if let skipped = skippedElement {
                        if role?.slot == skipped { skippedDepth += 1 }
                        continue
                    }
                    switch role?.value {
                    case .skipsContent:
                        skippedElement = role?.slot
                        skippedDepth = 1
                    case .separatesWords:
                        text.append(UInt8(ascii: " "))
                    case nil:
                        break
                    }
                case .endTag(let tag):
                    let role = roles.lookup(source, tag.nameRange, hash: tag.nameHash)
                    if let skipped = skippedElement {
                        if role?.slot == skipped {
                            skippedDepth -= 1
                            if skippedDepth == 0 { skippedElement = nil }
                        }
                    } else if role?.value == .separatesWords {
                        text.append(UInt8(ascii: " "))
                    }
                case .rawText, .comment, .doctype:
                    break
                }
            }
            return collapsingWhitespace(text)
        }
    }

    /// What a tag means to `plainText`.
    enum PlainTextRole: Sendable {
        /// `script`, `style`, `template`: the content is not text (`script` and `style` content is raw text anyway).
        case skipsContent
        /// Block-level elements and `br`: their start and end tags become a space.
        case separatesWords
    }

    static let plainTextRoles = HTMLNameTable<PlainTextRole>(
        ["script", "style", "template"].map { ($0, .skipsContent) }
            + [
                "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
                "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
                "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
            ].map { ($0, .separatesWords) })

    /// Collapses whitespace runs to one space, trims, and drops characters illegal in XML 1.0.
    static func collapsingWhitespace(_ text: [UInt8]) -> String {
        text.withUnsafeBufferPointer { collapsingWhitespace($0) }
    }

    /// `collapsingWhitespace(_:)` of bytes in a buffer.
    static func collapsingWhitespace(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { output in
            var count = 0
            var hasPendingSpace = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte > 0x20 && byte < 0x80 {  // the common case: ASCII text
                    if hasPendingSpace {
                        if count > 0 {
                            output[count] = UInt8(ascii: " ")
                            count += 1
                        }
                        hasPendingSpace = false
                    }
                    output[count] = byte
                    count += 1
                    index += 1
                    continue
                }
                var length = 1
                var isSpace = false
                var isDropped = false
                if byte.isHTMLWhitespace {
                    isSpace = true
                } else if byte < 0x20 {
                    isDropped = true  // other C0 controls
                } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 {
                    isSpace = true
                    length = 2
                } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
                    bytes[index + 2] & 0xFE == 0xA8
                {
                    isSpace = true  // U+2028, U+2029
                    length = 3
                } else if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF,
                    bytes[index + 2] & 0xFE == 0xBE
                {
                    isDropped = true  // U+FFFE, U+FFFF
                    length = 3
                }
                if isSpace {
                    hasPendingSpace = true
                } else if !isDropped {
                    if hasPendingSpace, count > 0 {
                        output[count] = UInt8(ascii: " ")
                        count += 1
                    }
                    hasPendingSpace = false
                    output[count] = byte
                    count += 1
                }
                index += length
            }
            return count
        }
    }
}
