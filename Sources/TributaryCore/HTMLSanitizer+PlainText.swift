extension HTMLSanitizer {
    /// Plain text from HTML: tags removed, entities decoded, whitespace collapsed and trimmed (for titles).
    ///
    /// Block-level tags and `<br>` separate words; the content of `script`, `style` and `template` is
    /// dropped, as are comments and characters illegal in XML 1.0. Whitespace means ASCII whitespace,
    /// U+00A0, U+2028 and U+2029; each run becomes one space.
    ///
    /// Complexity: O(n).
    public static func plainText(_ html: String) -> String {
        var tokenizer = HTMLTokenizer(html)
        let bytes = tokenizer.bytes
        return bytes.withUnsafeBufferPointer { source in
            var text: [UInt8] = []
            text.reserveCapacity(source.count)
            var skippedElement: String?
            var skippedDepth = 0
            while let token = tokenizer.next() {
                switch token {
                case .text(let range):
                    if skippedElement == nil { HTMLEntities.appendDecoded(source, range, isAttribute: false, to: &text) }
                case .cdata(let range):
                    if skippedElement == nil { text.append(contentsOf: UnsafeBufferPointer(rebasing: source[range])) }
                case .startTag(let tag):
                    if let skipped = skippedElement {
                        if tag.name == skipped { skippedDepth += 1 }
                    } else if plainTextSkippedElements.contains(tag.name) {
                        skippedElement = tag.name
                        skippedDepth = 1
                    } else if wordSeparatingElements.contains(tag.name) {
                        text.append(UInt8(ascii: " "))
                    }
                case .endTag(let tag):
                    if let skipped = skippedElement {
                        if tag.name == skipped {
                            skippedDepth -= 1
                            if skippedDepth == 0 { skippedElement = nil }
                        }
                    } else if wordSeparatingElements.contains(tag.name) {
                        text.append(UInt8(ascii: " "))
                    }
                case .rawText, .comment, .doctype:
                    break
                }
            }
            return collapsingWhitespace(text)
        }
    }

    /// Elements whose content `plainText` drops (`script` and `style` content is raw text anyway).
    static let plainTextSkippedElements: Set<String> = ["script", "style", "template"]

    /// Elements whose start and end tags `plainText` turns into a space.
    static let wordSeparatingElements: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
    ]

    /// Collapses whitespace runs to one space, trims, and drops characters illegal in XML 1.0.
    static func collapsingWhitespace(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var hasPendingSpace = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            var whitespaceLength = 0
            if byte.isHTMLWhitespace {
                whitespaceLength = 1
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 {
                whitespaceLength = 2
            } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 {
                whitespaceLength = 3
            }
            if whitespaceLength > 0 {
                hasPendingSpace = true
                index += whitespaceLength
                continue
            }
            if byte < 0x20 {  // other C0 controls
                index += 1
                continue
            }
            if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] & 0xFE == 0xBE {
                index += 3  // U+FFFE, U+FFFF
                continue
            }
            if hasPendingSpace, !output.isEmpty { output.append(UInt8(ascii: " ")) }
            hasPendingSpace = false
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
