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

    /// `bytes` must stay valid until the parser context that reads from this source is freed.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
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
        let count = min(capacity, Self.chunkBytes, bytes.count - offset)
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        buffer.copyMemory(from: base + offset, byteCount: count)
        offset += count
        return count
    }
}
