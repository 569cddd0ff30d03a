import Glibc

/// CDATA sections whose content the stream parser takes straight from the document's bytes, so that
/// libxml2 does not read them.
///
/// libxml2 2.9 reads a CDATA section one character at a time (`xmlParseCDSect`, `xmlCurrentChar`):
/// in feeds, whose HTML mostly comes in CDATA, that was a fifth of all parsing instructions. Yet the
/// content of a section is character data as it stands: no markup, no references. So `XMLByteSource`
/// hands libxml2 each planned section as a processing instruction, `<?tributary-cdata?>`, holding only
/// the section's line breaks (line numbers stay right), and the parser appends the section's bytes
/// when the instruction arrives, exactly where libxml2 would have delivered them.
///
/// A section is planned only when the rewrite cannot change what a reader gets:
/// - the document reaches libxml2 as UTF-8 (the caller decides: `XMLInput.isUTF8`), so the bytes are
///   the characters libxml2 would deliver;
/// - the content has no carriage return (libxml2 would turn CR LF into LF) and no character XML
///   forbids (C0 controls but tab and LF, U+FFFE, U+FFFF: libxml2 reports those);
/// - the document has no internal DTD subset and no processing instruction of that name.
///
/// The plan is exact for a well-formed document: outside comments, processing instructions, CDATA
/// sections and the DOCTYPE, every "<" starts a tag. For a document that is not, libxml2 may recover
/// differently from the rewritten bytes, so the caller parses again without the plan when the parse
/// reports an error (`XMLParseResult.isWellFormed`); a section found outside the root element is
/// reported as one.
struct CDATAShortcut {
    /// The target of the processing instruction that stands for a section.
    /// (A StaticString: compared with libxml2's name by its bytes, without making a C string each time.)
    static let target: StaticString = "tributary-cdata"
    /// Sections with less content than this stay for libxml2: the instruction is not cheaper.
    static let minimumContentBytes = 32

    struct Section: Equatable {
        /// From the "<" of `<![CDATA[` to just past its `]]>`.
        var markup: Range<Int>
        /// The content between them.
        var content: Range<Int>
        /// Line feeds in the content.
        var lineFeeds: Int
    }

    /// The planned sections, in document order.
    private(set) var sections: [Section] = []

    /// Plans the sections of `bytes`; no section when the document has an internal DTD subset or a
    /// processing instruction named `target`.
    init(planning bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        func starts(with text: StaticString, at index: Int) -> Bool {
            let length = text.utf8CodeUnitCount
            return index + length <= count && memcmp(base + index, text.utf8Start, length) == 0
        }
        /// The index just past the first `terminator` at or after `index`, or nil.
        func end(of terminator: StaticString, from index: Int) -> Int? {
            let first = Int32(terminator.utf8Start[0])
            var index = index
            while index < count, let found = memchr(base + index, first, count - index) {
                let start = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if starts(with: terminator, at: start) { return start + terminator.utf8CodeUnitCount }
                index = start + 1
            }
            return nil
        }
        /// The first `<` followed by `mark` (`!` or `?`) at or after `index`, or `count`: only those can
        /// open a section, a comment, an instruction or the DOCTYPE (every other "<" starts a tag, whose
        /// attribute values hold no "<" in a well-formed document). Searching for the rarer second byte
        /// does not stop at every tag.
        func find(_ mark: UInt8, from index: Int) -> Int {
            var from = index + 1
            while from < count, let found = memchr(base + from, Int32(mark), count - from) {
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if base[position - 1] == UInt8(ascii: "<") { return position - 1 }
                from = position + 1
            }
            return count
        }
        var nextDeclaration = -1, nextInstruction = -1  // found from an earlier index: valid while not behind it
        var index = 0
        while true {
            if nextDeclaration < index { nextDeclaration = find(UInt8(ascii: "!"), from: index) }
            if nextInstruction < index { nextInstruction = find(UInt8(ascii: "?"), from: index) }
            let start = min(nextDeclaration, nextInstruction)
            guard start < count else { break }
            if starts(with: "<![CDATA[", at: start) {
                let contentStart = start + 9
                guard let markupEnd = end(of: "]]>", from: contentStart) else { return }  // truncated
                let content = contentStart..<(markupEnd - 3)
                if content.count >= Self.minimumContentBytes,
                    let lineFeeds = Self.lineFeedsIfPlain(UnsafeBufferPointer(start: base + content.lowerBound, count: content.count))
                {
                    sections.append(Section(markup: start..<markupEnd, content: content, lineFeeds: lineFeeds))
                }
                index = markupEnd
            } else if starts(with: "<!--", at: start) {
                guard let close = end(of: "-->", from: start + 4) else { return }
                index = close
            } else if starts(with: "<?", at: start) {
                if starts(with: "<?tributary-cdata", at: start) {
                    sections = []
                    return
                }
                guard let close = end(of: "?>", from: start + 2) else { return }
                index = close
            } else {
                // "<!", neither a section nor a comment: a DOCTYPE. An internal subset can declare entities
                // whose text holds CDATA sections.
                guard let close = memchr(base + start, Int32(UInt8(ascii: ">")), count - start) else { return }
                let closeIndex = base.distance(to: close.assumingMemoryBound(to: UInt8.self))
                if memchr(base + start, Int32(UInt8(ascii: "[")), closeIndex - start) != nil {
                    sections = []
                    return
                }
                index = closeIndex + 1
            }
        }
    }

    /// The number of line feeds in `content`, or nil when it holds a carriage return or a character XML forbids.
    ///
    /// Eight bytes at a time: a word with no byte below 0x20 and no 0xEF (the lead byte of U+FFFE and U+FFFF)
    /// needs no closer look.
    static func lineFeedsIfPlain(_ content: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = content.baseAddress else { return 0 }
        let count = content.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var lineFeeds = 0
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                // Bytes below 0x20 (exact for bytes under 0x80; bytes from 0x80 have their high bit set and
                // are excluded by `~word`), and bytes equal to 0xEF.
                let control = (word &- ones &* 0x20) & ~word & highs
                let notEF = word ^ (ones &* 0xEF)
                let isEF = (notEF &- ones) & ~notEF & highs
                if control | isEF == 0 {
                    index += 8
                    continue
                }
            }
            let end = min(index + 8, count)
            while index < end {
                switch base[index] {
                case 0x0A: lineFeeds += 1
                case 0x09: break
                case ..<0x20: return nil
                case 0xEF:
                    if index + 2 < count, base[index + 1] == 0xBF, base[index + 2] >= 0xBE { return nil }
                default: break
                }
                index += 1
            }
        }
        return lineFeeds
    }
}
