/// Compressed bodies built byte by byte, so tests need neither zlib nor brotli bindings.
///
/// Foundation on Linux has no compression API, so these write the formats directly: gzip with
/// stored deflate blocks (a real, decodable stream), a gzip bomb made of fixed-Huffman
/// back-references (about 1:158), and brotli with one uncompressed meta-block (RFC 7932 §9.2).
/// They exercise libcurl's real decoders; they do not test compression ratios.
public enum EncodedBodies {
    /// `data` as a gzip member with stored (uncompressed) deflate blocks.
    public static func gzip(_ data: [UInt8]) -> [UInt8] {
        var out = gzipHeader
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let isFinal = offset + count == data.count
            out.append(isFinal ? 1 : 0)  // BFINAL, BTYPE=00 (stored), padded to the byte.
            out += littleEndian(UInt16(count)) + littleEndian(~UInt16(count))
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        out += littleEndian(crc32(data)) + littleEndian(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    /// A valid gzip stream of about `decodedBytes` zero bytes that is about 160 times smaller.
    ///
    /// Each deflate block holds 806 matches of length 258 at distance 1 (13 bits each with the
    /// fixed Huffman code), a count chosen so that every block ends on a byte boundary.
    /// - Returns: the stream and the exact number of bytes it inflates to.
    public static func gzipBomb(decodedBytes: Int) -> (bytes: [UInt8], decodedCount: Int) {
        let matchesPerBlock = 806
        let blocks = max(1, decodedBytes / (matchesPerBlock * 258))
        var writer = BitWriter()
        for block in 0..<blocks {
            writer.write(0, bits: 1)  // BFINAL
            writer.write(1, bits: 2)  // BTYPE=01, fixed Huffman
            if block == 0 { writer.writeCode(0x30, length: 8) }  // Literal 0x00.
            for _ in 0..<matchesPerBlock {
                writer.writeCode(0xC5, length: 8)  // Length symbol 285: 258 bytes.
                writer.writeCode(0, length: 5)  // Distance code 0: distance 1.
            }
            writer.writeCode(0, length: 7)  // End of block.
        }
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)
        writer.writeCode(0, length: 7)  // Final, empty block.
        writer.flush()
        let count = 1 + blocks * matchesPerBlock * 258
        let crc = crc32(zeros: count)
        let bytes = gzipHeader + writer.bytes + littleEndian(crc) + littleEndian(UInt32(truncatingIfNeeded: count))
        return (bytes, count)
    }

    /// `data` (1 to 65,536 bytes) as a brotli stream: one uncompressed meta-block, then an empty last one.
    public static func brotli(_ data: [UInt8]) -> [UInt8] {
        precondition((1...65_536).contains(data.count), "one uncompressed meta-block holds at most 64 KiB")
        // Bit 0: WBITS=16. Bit 1: ISLAST=0. Bits 2-3: MNIBBLES=4. Bits 4-19: MLEN-1. Bit 20: ISUNCOMPRESSED.
        let header = UInt32(data.count - 1) << 4 | 1 << 20
        let headerBytes = [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF)]
        return headerBytes + data + [0x03]  // ISLAST=1, ISLASTEMPTY=1.
    }

    /// CRC-32 (IEEE, as used by gzip).
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static func crc32(zeros count: Int) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for _ in 0..<count { crc = crcTable[Int(crc & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// Magic, CM=8 (deflate), no flags, no mtime, no extra flags, OS unknown.
    private static let gzipHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    /// Deflate's bit order: values least significant bit first, Huffman codes most significant bit first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        private var accumulator: UInt8 = 0
        private var used = 0

        mutating func write(_ value: Int, bits: Int) {
            for index in 0..<bits { append(bit: (value >> index) & 1) }
        }

        mutating func writeCode(_ code: Int, length: Int) {
            for index in stride(from: length - 1, through: 0, by: -1) { append(bit: (code >> index) & 1) }
        }

        mutating func flush() {
            if used > 0 { bytes.append(accumulator) }
            accumulator = 0
            used = 0
        }

        private mutating func append(bit: Int) {
            accumulator |= UInt8(bit) << used
            used += 1
            if used == 8 { flush() }
        }
    }
}
