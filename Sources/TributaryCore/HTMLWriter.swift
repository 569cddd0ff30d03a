import Foundation

/// Byte-level output helpers shared by the sanitizer: escaping, reference decoding and XML 1.0 filtering.
enum HTMLWriter {
    /// Appends `source[range]` escaped for HTML/XML text and double-quoted attribute values.
    ///
    /// `&`, `<`, `>`, `"` become references; characters illegal in XML 1.0 (C0 controls other than tab,
    /// newline and carriage return; U+FFFE; U+FFFF) are dropped. The input must be valid UTF-8.
    static func appendEscaped(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to output: inout GrowableBytes) {
        var index = range.lowerBound
        var runStart = index
        let end = range.upperBound
        while index < end {
            index = firstSpecialByte(in: source, from: index, to: end)
            guard index < end else { break }
            let byte = source[index]
            if byte > UInt8(ascii: ">") && byte != 0xEF {  // the common case: nothing to do
                index += 1
                continue
            }
            let replacement: StaticString
            var length = 1
            switch byte {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                guard index + 2 < end, source[index + 1] == 0xBF, source[index + 2] & 0xFE == 0xBE else {
                    index += 1
                    continue
                }
                replacement = ""
                length = 3
            case 0x09, 0x0A, 0x0D, 0x20...:
                index += 1
                continue
            default:
                replacement = ""  // C0 control
            }
            output.append(UnsafeBufferPointer(rebasing: source[runStart..<index]))
            output.append(replacement)
            index += length
            runStart = index
        }
        output.append(UnsafeBufferPointer(rebasing: source[runStart..<end]))
    }

    /// The first byte at or after `index` that `appendEscaped` acts on (a C0 control, tab and line breaks
    /// included, `&`, `<`, `>`, `"` or 0xEF), or `end`. Bytes are tested eight at a time in a UInt64. In
    /// the last word, which overlaps bytes before `index`, a borrow from one of those can flag a byte that
    /// is none of these: the caller looks at the byte it gets before acting.
    private static func firstSpecialByte(in source: UnsafeBufferPointer<UInt8>, from index: Int, to end: Int) -> Int {
        guard let base = source.baseAddress else { return index }
        var index = index
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        /// Nonzero when some byte of `word` is zero.
        func zeroByte(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & high }
        /// A high bit set in the bytes of `word` that are special (and possibly in bytes above one).
        @inline(__always) func specialBytes(_ word: UInt64) -> UInt64 {
            let control = (word &- ones &* 0x20) & ~word & high  // some byte < 0x20
            return control | zeroByte(word ^ (ones &* 0x26)) | zeroByte(word ^ (ones &* 0x3C))
                | zeroByte(word ^ (ones &* 0x3E)) | zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0xEF))
        }
        while index &+ 32 <= end, !blockHasSpecialByte(base + index) { index &+= 32 }
        while index &+ 8 <= end {
            let special = specialBytes(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            // The lowest flagged byte is exact (a borrow only moves toward higher bytes).
            if special != 0 { return index &+ special.trailingZeroBitCount >> 3 }
            index &+= 8
        }
        // The tail: the word ending at `end`, its bytes before `index` masked off (they may be ones
        // already handled), so no byte-by-byte loop.
        guard index < end, end >= 8 else { return index }
        let start = end &- 8
        var special = specialBytes(UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self))
        special &= ~0 << UInt64((index &- start) &* 8)
        return special == 0 ? end : start &+ special.trailingZeroBitCount >> 3
    }

    /// Whether one of the 32 bytes at `block` is one `firstSpecialByte` looks for. A loop of fixed length
    /// over plain comparisons, which the compiler turns into vector compares of 16 bytes (SSE2): about
    /// half the instructions of the eight-byte word tests.
    @inline(__always) private static func blockHasSpecialByte(_ block: UnsafePointer<UInt8>) -> Bool {
        var found: UInt8 = 0
        for offset in 0..<32 {
            let byte = block[offset]
            found |=
                (byte < 0x20 ? 1 : 0) | (byte == UInt8(ascii: "&") ? 1 : 0) | (byte == UInt8(ascii: "<") ? 1 : 0)
                | (byte == UInt8(ascii: ">") ? 1 : 0) | (byte == UInt8(ascii: "\"") ? 1 : 0) | (byte == 0xEF ? 1 : 0)
        }
        return found != 0
    }

    /// Appends `source[range]` with character references decoded, then escaped as by `appendEscaped(_:_:to:)`.
    ///
    /// - Parameters:
    ///   - isAttribute: Applies the attribute-value rule for legacy references (`?a=1&copy=2` keeps `&copy`).
    ///   - scratch: Reusable storage for one decoded reference.
    static func appendEscaped(
        _ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, decoding: Bool, isAttribute: Bool = false,
        to output: inout GrowableBytes, scratch: inout [UInt8]
    ) {
        guard decoding else { return appendEscaped(source, range, to: &output) }
        var index = range.lowerBound
        var runStart = index
        while let ampersand = find(UInt8(ascii: "&"), in: source, from: index, to: range.upperBound) {
            scratch.removeAll(keepingCapacity: true)
            guard
                let end = HTMLEntities.decodeReference(
                    in: source, at: ampersand, end: range.upperBound, isAttribute: isAttribute, into: &scratch)
            else {
                index = ampersand + 1
                continue
            }
            appendEscaped(source, runStart..<ampersand, to: &output)
            scratch.withUnsafeBufferPointer { appendEscaped($0, 0..<$0.count, to: &output) }
            index = end
            runStart = end
        }
        appendEscaped(source, runStart..<range.upperBound, to: &output)
    }

    /// Appends `text` escaped as by `appendEscaped(_:_:to:)`.
    static func appendEscaped(_ text: String, to output: inout GrowableBytes) {
        var text = text
        text.withUTF8 { appendEscaped($0, 0..<$0.count, to: &output) }
    }

    /// The index of the first `byte` in `source[index..<end]`.
    static func find(_ byte: UInt8, in source: UnsafeBufferPointer<UInt8>, from index: Int, to end: Int) -> Int? {
        guard index < end, let base = source.baseAddress, let match = memchr(base + index, Int32(byte), end - index)
        else { return nil }
        return UnsafeRawPointer(match) - UnsafeRawPointer(base)
    }
}

extension [UInt8] {
    /// Appends the bytes of a constant string.
    mutating func append(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
