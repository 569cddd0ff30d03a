import CLibXML2

/// Hands a document to libxml2 in chunks through an I/O read callback.
///
/// `xmlCreateMemoryParserCtxt` copies the whole document into libxml2's input buffer, doubling the
/// memory a large feed takes. Reading through a callback lets libxml2 keep only a window of the
/// input while `xmlParseDocument` recovers from damage exactly as it does for a memory document.
final class XMLByteSource {
    /// Bytes handed to libxml2 per read.
    static let chunkBytes = 64 * 1024

    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    /// Sections handed to libxml2 as `<?_?>` instead of as themselves (see `CharacterDataShortcut`).
    private let sections: [CharacterDataShortcut.Section]
    private var nextSection = 0
    /// How much of the instruction standing for `sections[nextSection]` was handed out; nil before it starts.
    private var instructionOffset: Int?

    /// `bytes` must stay valid until the parser context that reads from this source is freed.
    init(_ bytes: UnsafeRawBufferPointer, replacing sections: [CharacterDataShortcut.Section] = []) {
        self.bytes = bytes
        self.sections = sections
    }

    /// A parser context reading from `self`; nil when libxml2 could not create one.
    ///
    /// Lifetime: the context holds an unretained pointer to `self`; the caller keeps `self` alive
    /// (a local in the same scope) until after `xmlFreeParserCtxt`.
    func makeParserContext() -> xmlParserCtxtPtr? {
        let context = Unmanaged.passUnretained(self).toOpaque()
        return xmlCreateIOParserCtxt(
            nil, nil,
            { context, buffer, length in
                guard let context, let buffer, length > 0 else { return 0 }
                let source = Unmanaged<XMLByteSource>.fromOpaque(context).takeUnretainedValue()
                return Int32(source.read(into: UnsafeMutableRawPointer(buffer), capacity: Int(length)))
            },
            nil, context, XML_CHAR_ENCODING_NONE)
    }

    private func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let capacity = min(capacity, Self.chunkBytes)
        var written = 0
        while written < capacity {
            if nextSection < sections.count, offset == sections[nextSection].markup.lowerBound {
                written += writeInstruction(into: buffer + written, capacity: capacity - written)
                continue
            }
            let stop = nextSection < sections.count ? sections[nextSection].markup.lowerBound : bytes.count
            let count = min(capacity - written, stop - offset)
            guard count > 0 else { break }
            (buffer + written).copyMemory(from: base + offset, byteCount: count)
            offset += count
            written += count
        }
        return written
    }

    /// Writes what fits of the instruction standing for the next section (`<?_`, its line
    /// feeds, `?>`); past its end, moves on to the bytes after the section.
    private func writeInstruction(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let section = sections[nextSection]
        let head = CharacterDataShortcut.instructionStart
        let headCount = head.utf8CodeUnitCount
        let length = headCount + section.lineFeeds + 2
        var position = instructionOffset ?? 0
        let output = buffer.assumingMemoryBound(to: UInt8.self)
        var written = 0
        while written < capacity, position < length {
            output[written] =
                position < headCount
                ? head.utf8Start[position]
                : position < headCount + section.lineFeeds
                    ? 0x0A : (position == length - 2 ? UInt8(ascii: "?") : UInt8(ascii: ">"))
            written += 1
            position += 1
        }
        if position == length {
            instructionOffset = nil
            offset = section.markup.upperBound
            nextSection += 1
        } else {
            instructionOffset = position
        }
        return written
    }
}
