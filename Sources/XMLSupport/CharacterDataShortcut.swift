import Glibc
import TributaryCore

/// CDATA sections and text runs whose characters the stream parser takes straight from the document's
/// bytes, so that libxml2 does not read them.
///
/// libxml2 2.9 reads a CDATA section one character at a time (`xmlParseCDSect`, `xmlCurrentChar`):
/// in feeds, whose HTML mostly comes in CDATA, that was a fifth of all parsing instructions. Text it
/// reads the same way from its first byte from 0x80 on (`xmlParseCharDataComplex`), and it delivers
/// each reference (`&lt;`, `&#233;`: escaped HTML is full of them) on its own. Yet the content of a
/// section is character data as it stands, and so is a run of text once its references to predefined
/// entities and characters are replaced. So `XMLByteSource` hands libxml2 each planned section or run
/// as a processing instruction, `<?_?>`, holding only its line breaks (line numbers stay right), and
/// the parser appends its characters when the instruction arrives, exactly where libxml2 would have
/// delivered them.
///
/// A section or run is planned only when the rewrite cannot change what a reader gets:
/// - the document reaches libxml2 as UTF-8 (the caller decides: `XMLInput.isUTF8`), so the bytes are
///   the characters libxml2 would deliver;
/// - the content has no carriage return (libxml2 would turn CR LF into LF) and no character XML
///   forbids (C0 controls but tab and LF, U+FFFE, U+FFFF: libxml2 reports those);
/// - a text run holds no "]]>" and no reference but to `lt`, `gt`, `amp`, `quot`, `apos` or a character
///   XML allows (`reference(_:at:end:)`);
/// - the document has no internal DTD subset (it could declare entities, or redefine these) and no
///   processing instruction of that name.
///
/// The plan is exact for a well-formed document: outside comments, processing instructions, CDATA
/// sections and the DOCTYPE, every "<" starts a tag and every ">" before text ends one. For a document
/// that is not, libxml2 may recover differently from the rewritten bytes, so the caller parses again
/// without the plan when the parse reports an error (`XMLParseResult.isWellFormed`); an instruction
/// found outside the root element, or one planned and never delivered, is reported as one.
struct CharacterDataShortcut {
    /// The target of the processing instruction that stands for a section, and the instruction's start.
    /// One character: libxml2 looks every target up in its dictionary and scans it for a colon, which
    /// for a name like `tributary-cdata` took about as long as the rest of the instruction.
    static let target: StaticString = "_"
    static let instructionStart: StaticString = "<?_"
    /// Sections and text runs with less content than this stay for libxml2: the instruction is not cheaper.
    static let minimumContentBytes = 16

    /// A CDATA section or a run of text, in 16 bytes: a large feed has a run for nearly every title and
    /// summary, and the plan is held for the whole parse.
    struct Section: Equatable {
        private let start: UInt32
        private let length: UInt32
        private let lineFeedCount: UInt32
        /// A CDATA section (content inside its markup) rather than a run of text (markup and content
        /// the same).
        let isCDATASection: Bool
        /// Whether the content (text, not a CDATA section) holds references, which the parser replaces
        /// (`appendDecoding(_:to:)`).
        let hasReferences: Bool

        /// A CDATA section, from the "<" of `<![CDATA[` to just past its `]]>`.
        init(cdataSection markup: Range<Int>, lineFeeds: Int) {
            start = UInt32(markup.lowerBound)
            length = UInt32(markup.count)
            lineFeedCount = UInt32(lineFeeds)
            isCDATASection = true
            hasReferences = false
        }

        /// A run of text.
        init(textRun run: Range<Int>, lineFeeds: Int, hasReferences: Bool) {
            start = UInt32(run.lowerBound)
            length = UInt32(run.count)
            lineFeedCount = UInt32(lineFeeds)
            isCDATASection = false
            self.hasReferences = hasReferences
        }

        /// What the instruction replaces: the whole CDATA section, or the run.
        var markup: Range<Int> { Int(start)..<Int(start) + Int(length) }
        /// The characters: between `<![CDATA[` and `]]>`, or the run.
        var content: Range<Int> {
            isCDATASection ? Int(start) + 9..<Int(start) + Int(length) - 3 : markup
        }
        /// Line feeds in the content.
        var lineFeeds: Int { Int(lineFeedCount) }
    }

    /// The planned sections and runs, in document order.
    private(set) var sections: [Section] = []

    /// Plans the sections and runs of `bytes`; none when the document has an internal DTD subset or a
    /// processing instruction named `target`.
    init(planning bytes: UnsafeRawBufferPointer) {
        // Sections keep 32-bit offsets.
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count <= UInt32.max
        else { return }
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
            planTextRuns(base, index..<start)
            guard start < count else { break }
            if starts(with: "<![CDATA[", at: start) {
                let contentStart = start + 9
                guard let markupEnd = end(of: "]]>", from: contentStart) else { return }  // truncated
                let content = contentStart..<(markupEnd - 3)
                if content.count >= Self.minimumContentBytes,
                    let lineFeeds = Self.lineFeedsIfPlain(UnsafeBufferPointer(start: base + content.lowerBound, count: content.count))
                {
                    sections.append(Section(cdataSection: start..<markupEnd, lineFeeds: lineFeeds))
                }
                index = markupEnd
            } else if starts(with: "<!--", at: start) {
                guard let close = end(of: "-->", from: start + 4) else { return }
                index = close
            } else if starts(with: "<?", at: start) {
                if starts(with: Self.instructionStart, at: start) {
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

    /// Plans the runs of text in `region`, a stretch of the document holding only tags and text (no
    /// comment, instruction, section or DOCTYPE), that cost libxml2 most: those with a byte from 0x80,
    /// which it reads one character at a time, and those with references (`&lt;`, `&#233;`: escaped
    /// HTML), each of which it delivers on its own. A run goes from just after a ">" (or the region's
    /// start) to the next "<".
    private mutating func planTextRuns(_ base: UnsafePointer<UInt8>, _ region: Range<Int>) {
        var index = region.lowerBound
        let end = region.upperBound
        while let found = Self.firstNonASCIIOrAmpersand(base, from: index, to: end) {
            var start = found
            while start > region.lowerBound, base[start - 1] != UInt8(ascii: ">"),
                base[start - 1] != UInt8(ascii: "<")
            {
                start -= 1
            }
            if start > region.lowerBound, base[start - 1] == UInt8(ascii: "<") {
                // Inside a tag: go on after it.
                guard let close = memchr(base + found, Int32(UInt8(ascii: ">")), end - found) else { return }
                index = base.distance(to: close.assumingMemoryBound(to: UInt8.self)) + 1
                continue
            }
            // No "<" before the region's end: the document is cut short, or a comment, section or
            // instruction follows the text (it then stays for libxml2).
            guard let run = Self.scanText(base, from: start, to: end) else { return }
            index = run.end
            if let lineFeeds = run.lineFeeds, run.end - start >= Self.minimumContentBytes {
                sections.append(Section(textRun: start..<run.end, lineFeeds: lineFeeds, hasReferences: run.hasReferences))
            }
        }
    }

    /// Reads the text from `start` to the next "<" (its `end`; nil when there is none) in one pass: the
    /// line feeds it holds, or nil for `lineFeeds` when it holds something libxml2 would change or report
    /// (a carriage return, a character XML forbids, "]]>", a reference other than to a predefined entity
    /// or an allowed character).
    static func scanText(
        _ base: UnsafePointer<UInt8>, from start: Int, to end: Int
    ) -> (end: Int, lineFeeds: Int?, hasReferences: Bool)? {
        /// The run's end when its text cannot be planned.
        func unplanned(from index: Int) -> (end: Int, lineFeeds: Int?, hasReferences: Bool)? {
            guard let open = memchr(base + index, Int32(UInt8(ascii: "<")), end - index) else { return nil }
            return (base.distance(to: open.assumingMemoryBound(to: UInt8.self)), nil, false)
        }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }
        /// Nonzero when `word` holds a byte below 0x20, "<", "&", "]" or 0xEF.
        func specialBytes(_ word: UInt64) -> UInt64 {
            ((word &- ones &* 0x20) & ~word & highs) | zeroBytes(word ^ (ones &* 0x3C)) | zeroBytes(word ^ (ones &* 0x26))
                | zeroBytes(word ^ (ones &* 0x5D)) | zeroBytes(word ^ (ones &* 0xEF))
        }
        var lineFeeds = 0
        var hasReferences = false
        var index = start
        while index < end {
            // 32 bytes a step while none needs a look: a loop of fixed length over plain comparisons,
            // which the compiler turns into vector compares (SSE2).
            while index + 32 <= end {
                var found: UInt8 = 0
                for offset in index..<index + 32 {
                    let byte = base[offset]
                    found |=
                        (byte < 0x20 ? 1 : 0) | (byte == UInt8(ascii: "<") ? 1 : 0) | (byte == UInt8(ascii: "&") ? 1 : 0)
                        | (byte == UInt8(ascii: "]") ? 1 : 0) | (byte == 0xEF ? 1 : 0)
                }
                if found != 0 { break }
                index += 32
            }
            let stop = min(index + 32, end)
            while index < stop {
                if index + 8 <= end {
                    // The first byte of the word that needs a look (the lowest flagged byte is exact: a borrow
                    // only moves toward higher bytes).
                    let flagged = specialBytes(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    if flagged == 0 {
                        index += 8
                        continue
                    }
                    index += flagged.trailingZeroBitCount >> 3
                }
                switch base[index] {
                case UInt8(ascii: "<"): return (index, lineFeeds, hasReferences)
                case UInt8(ascii: "&"):
                    guard let reference = reference(base, at: index, end: end) else { return unplanned(from: index) }
                    hasReferences = true
                    index = reference.end
                    continue
                case UInt8(ascii: "]"):
                    if index + 2 < end, base[index + 1] == UInt8(ascii: "]"), base[index + 2] == UInt8(ascii: ">") {
                        return unplanned(from: index)
                    }
                case 0x0A: lineFeeds += 1
                case 0x09: break
                case ..<0x20: return unplanned(from: index)
                case 0xEF:
                    if index + 2 < end, base[index + 1] == 0xBF, base[index + 2] >= 0xBE { return unplanned(from: index) }
                default: break
                }
                index += 1
            }
        }
        return nil
    }

    /// The character a reference at `index` (its "&") stands for and the index just past its ";", when
    /// it is one libxml2 delivers as that character: `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, or
    /// `&#N;` / `&#xH;` for a character XML allows. Nil for anything else (another entity, a malformed or
    /// forbidden reference), which stays for libxml2.
    static func reference(_ base: UnsafePointer<UInt8>, at index: Int, end: Int) -> (scalar: UInt32, end: Int)? {
        var position = index + 1
        guard position < end else { return nil }
        if base[position] == UInt8(ascii: "#") {
            position += 1
            let isHex = position < end && base[position] == UInt8(ascii: "x")
            if isHex { position += 1 }
            let digitsStart = position
            var value: UInt32 = 0
            while position < end, position - digitsStart < 8 {
                let byte = base[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where isHex: digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where isHex: digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: digit = 16
                }
                if digit == 16 { break }
                value = value * (isHex ? 16 : 10) + digit
                position += 1
            }
            guard position > digitsStart, position < end, base[position] == UInt8(ascii: ";") else { return nil }
            switch value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: return (value, position + 1)
            default: return nil
            }
        }
        func named(_ name: StaticString, _ scalar: UInt8) -> (scalar: UInt32, end: Int)? {
            let length = name.utf8CodeUnitCount
            guard position + length <= end, memcmp(base + position, name.utf8Start, length) == 0 else { return nil }
            return (UInt32(scalar), position + length)
        }
        switch base[position] {
        case UInt8(ascii: "l"): return named("lt;", UInt8(ascii: "<"))
        case UInt8(ascii: "g"): return named("gt;", UInt8(ascii: ">"))
        case UInt8(ascii: "q"): return named("quot;", UInt8(ascii: "\""))
        case UInt8(ascii: "a"): return named("amp;", UInt8(ascii: "&")) ?? named("apos;", UInt8(ascii: "'"))
        default: return nil
        }
    }

    /// Appends `text`, a run planned with references, to `output` with each reference replaced by its
    /// character's UTF-8, as libxml2 would have delivered it.
    static func appendDecoding(_ text: UnsafeBufferPointer<UInt8>, to output: inout GrowableBytes) {
        guard let base = text.baseAddress else { return }
        let end = text.count
        var index = 0
        while index < end {
            let stop =
                memchr(base + index, Int32(UInt8(ascii: "&")), end - index)
                .map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? end
            output.append(UnsafeBufferPointer(start: base + index, count: stop - index))
            guard stop < end, let reference = reference(base, at: stop, end: end) else { return }
            appendUTF8(reference.scalar, to: &output)
            index = reference.end
        }
    }

    /// Appends the UTF-8 of `scalar`, a character XML allows.
    @inline(__always) private static func appendUTF8(_ scalar: UInt32, to output: inout GrowableBytes) {
        switch scalar {
        case ..<0x80:
            output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x1_0000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The index of the first byte from 0x80 or "&" in `from..<to`, or nil: where text libxml2 reads
    /// slowly may be. 32 bytes a step in vector compares (SSE2), as in `scanText`.
    static func firstNonASCIIOrAmpersand(_ base: UnsafePointer<UInt8>, from: Int, to end: Int) -> Int? {
        var index = from
        while index + 32 <= end {
            var found: UInt8 = 0
            for offset in index..<index + 32 {
                let byte = base[offset]
                found |= (byte >= 0x80 ? 1 : 0) | (byte == UInt8(ascii: "&") ? 1 : 0)
            }
            if found != 0 { break }
            index += 32
        }
        while index < end {
            if base[index] >= 0x80 || base[index] == UInt8(ascii: "&") { return index }
            index += 1
        }
        return nil
    }

    /// The number of line feeds in `content`, or nil when it holds a carriage return or a character XML forbids.
    ///
    /// 32 bytes, then eight, at a time: bytes with none below 0x20 and no 0xEF (the lead byte of U+FFFE and
    /// U+FFFF) need no closer look.
    static func lineFeedsIfPlain(_ content: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = content.baseAddress else { return 0 }
        let count = content.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        /// Nonzero when `word` has a byte below 0x20 (exact for bytes under 0x80; bytes from 0x80 have their
        /// high bit set and are excluded by `~word`) or a byte equal to 0xEF.
        func flags(_ word: UInt64) -> UInt64 {
            let control = (word &- ones &* 0x20) & ~word & highs
            let notEF = word ^ (ones &* 0xEF)
            return control | ((notEF &- ones) & ~notEF & highs)
        }
        var lineFeeds = 0
        var index = 0
        while index < count {
            // 32 bytes at a time while nothing is found, then 8. A loop of fixed length over plain
            // comparisons, which the compiler turns into vector compares of 16 bytes (SSE2).
            while index + 32 <= count {
                var found: UInt8 = 0
                for offset in index..<index + 32 {
                    let byte = base[offset]
                    found |= (byte < 0x20 ? 1 : 0) | (byte == 0xEF ? 1 : 0)
                }
                if found != 0 { break }
                index += 32
            }
            if index + 8 <= count, flags(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) == 0 {
                index += 8
                continue
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
