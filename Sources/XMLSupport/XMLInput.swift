import Glibc
import TributaryCore

/// Bytes of an XML document made ready for libxml2, with the repairs a feed reader needs.
///
/// libxml2 2.9 drops every entity reference after the first well-formedness error, so a single
/// `&nbsp;` or bare `&` in a feed would silently eat all escaped HTML that follows. The damage
/// readers see most is therefore repaired here, before parsing, each repair reported as a warning:
/// - text is transcoded to UTF-8 (UTF-16/32 by byte order mark or declaration; a document that claims
///   UTF-8 or has no declaration but is not valid UTF-8 is decoded as windows-1252);
/// - HTML named entities that XML does not declare become numeric references;
/// - a bare `&` becomes `&amp;`;
/// - characters illegal in XML 1.0 (C0 controls but tab, LF, CR) are removed;
/// - `&#X41;` (uppercase X: HTML, not XML) becomes `&#x41;`.
/// CDATA sections, comments and the DOCTYPE are left as they are (control characters aside).
///
/// Other encodings are transcoded to UTF-8 here too (ISO-8859-1 as windows-1252, the rest by iconv), not a
/// repair but so that libxml2 always reads UTF-8 it need not check (`isUTF8`); an encoding iconv does not
/// know, or bytes invalid in it, are left to libxml2 as before.
///
/// Whitespace before the XML declaration is dropped silently (it changes nothing a reader sees).
///
/// Encoding precedence: byte order mark (or the zero bytes around the first "<" that give UTF-16/32 away),
/// then the HTTP charset, then the XML declaration, then UTF-8.
public struct XMLInput {
    /// The bytes to hand to libxml2.
    public var bytes: [UInt8]
    /// Encoding to force on libxml2 (overriding the declaration), or nil to let it read the declaration.
    public var encoding: String?
    /// What was repaired.
    public var warnings: [String]
    /// Whether libxml2 reads `bytes` as the valid UTF-8 they are (no transcoding on its side).
    public private(set) var isUTF8 = false
    /// Whether `repairMarkup()` has yet to run: it was deferred, and the encoding is one it works on.
    private var isRepairPending: Bool

    /// Prepares `data`; `httpCharset` is the charset parameter of the response's Content-Type, if any.
    ///
    /// `data` is consumed: when the caller gives up its copy, a repair replaces the only copy of the
    /// document instead of doubling it.
    ///
    /// - Parameter deferringRepair: leaves the markup repairs (entities, bare `&`, control characters)
    ///   to a later `repairMarkup()`, for a caller that first tries libxml2 on the document as it is
    ///   (see `canParseBeforeRepair`).
    public init(_ data: consuming [UInt8], httpCharset: String? = nil, deferringRepair: Bool = false) {
        var bytes = Self.droppingSpaceBeforeDeclaration(consume data)
        var warnings: [String] = []
        let declared = Self.declaredEncoding(in: bytes)
        let chosen: String?
        if let bom = Self.byteOrderMark(of: bytes) {
            chosen = bom
        } else {
            chosen = httpCharset.map(Self.normalized) ?? declared.map(Self.normalized)
        }
        var encoding: String?
        switch chosen {
        case "UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE", "UTF-32", "UCS-2", "UCS-4":
            if let chosen, let utf8 = Self.transcodeWide(bytes, chosen) {
                bytes = utf8
                encoding = "UTF-8"
                isUTF8 = true
            } else {
                encoding = chosen
            }
        case nil, "UTF-8", "US-ASCII":
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            if !Self.isValidUTF8(bytes) {
                bytes = Self.windows1252ToUTF8(bytes)
                let claimed = chosen ?? "no encoding"
                warnings.append("document declares \(claimed) but is not valid UTF-8; decoded as windows-1252")
            }
            encoding = declared.map(Self.normalized).map { $0 == "UTF-8" } == false ? "UTF-8" : nil
            isUTF8 = true
        case "ISO-8859-1", "WINDOWS-1252", "CP1252":
            if httpCharset == nil, !Self.isASCII(bytes), Self.isValidUTF8(bytes) {
                // A document that says Latin-1 but whose bytes are valid UTF-8 was almost surely written as UTF-8.
                warnings.append("document declares \(declared ?? "ISO-8859-1") but is UTF-8; read as UTF-8")
                encoding = "UTF-8"
                isUTF8 = true
            } else {
                // As browsers do: ISO-8859-1 labels mean windows-1252 (smart quotes in 0x80–0x9F).
                if !Self.isASCII(bytes) { bytes = Self.windows1252ToUTF8(bytes) }
                encoding = "UTF-8"
                isUTF8 = true
            }
        default:
            // Transcoded here rather than by libxml2, so that the parse works on UTF-8 (see `isUTF8`); an
            // encoding iconv does not know, or bytes that are not valid in it, are left to libxml2.
            if let chosen, Self.isASCIICompatible(chosen), let utf8 = Self.transcodedToUTF8(bytes, from: chosen) {
                bytes = utf8
                encoding = "UTF-8"
                isUTF8 = true
            } else {
                encoding = (httpCharset != nil) ? chosen : nil
            }
        }
        self.bytes = bytes
        self.encoding = encoding
        self.warnings = warnings
        isRepairPending = encoding.map(Self.isASCIICompatible) ?? true
        if !deferringRepair { repairMarkup() }
    }

    /// Whether libxml2 finding the unrepaired document well-formed proves that `repairMarkup()` would
    /// change nothing: every repair fixes something libxml2 reports as a fatal error, except that a
    /// document with a DOCTYPE may have an external subset, which makes an undeclared entity a
    /// warning that libxml2 silently drops.
    public var canParseBeforeRepair: Bool {
        bytes.withUnsafeBufferPointer { Self.prologEndsWithoutDoctype($0) }
    }

    /// Whether the prolog (declaration, comments, processing instructions, whitespace) leads to a start
    /// tag with no `<!DOCTYPE` on the way; false for anything else (a conservative answer).
    static func prologEndsWithoutDoctype(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func starts(with text: StaticString, at index: Int) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return memcmp(bytes.baseAddress! + index, text.utf8Start, count) == 0
        }
        func end(of terminator: StaticString, from start: Int) -> Int? {
            var index = start
            while index < bytes.count {
                if starts(with: terminator, at: index) { return index + terminator.utf8CodeUnitCount }
                index += 1
            }
            return nil
        }
        var index = starts(with: "\u{FEFF}", at: 0) ? 3 : 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case UInt8(ascii: "<"):
                if starts(with: "<?", at: index) {
                    guard let close = end(of: "?>", from: index + 2) else { return false }
                    index = close
                } else if starts(with: "<!--", at: index) {
                    guard let close = end(of: "-->", from: index + 4) else { return false }
                    index = close
                } else {
                    return index + 1 < bytes.count && bytes[index + 1] != UInt8(ascii: "!")
                }
            default:
                return false
            }
        }
        return false
    }

    /// Applies the markup repairs if they are pending; returns whether they changed the bytes.
    @discardableResult
    public mutating func repairMarkup() -> Bool {
        guard isRepairPending else { return false }
        isRepairPending = false
        return Self.repairMarkup(&bytes, warnings: &warnings)
    }

    /// The document without the whitespace some feeds put before the XML declaration (a fatal error for
    /// libxml2, which would also ignore the encoding it names). A UTF-8 byte order mark is kept in front.
    static func droppingSpaceBeforeDeclaration(_ data: consuming [UInt8]) -> [UInt8] {
        let start = data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var index = start
        while index < data.count, [0x20, 0x09, 0x0A, 0x0D].contains(data[index]) { index += 1 }
        guard index > start, data[index...].starts(with: Array("<?xml".utf8)) else { return data }
        data.removeSubrange(start..<index)
        return data
    }

    static func normalized(_ name: String) -> String {
        let upper = name.trimmingSpaces.uppercased()
        switch upper {
        case "UTF8": return "UTF-8"
        case "ASCII", "US_ASCII", "ANSI_X3.4-1968": return "US-ASCII"
        case "LATIN1", "LATIN-1", "ISO8859-1", "ISO_8859-1", "ISO-8859-1", "L1", "CP819", "IBM819":
            return "ISO-8859-1"
        case "UTF16": return "UTF-16"
        default: return upper
        }
    }

    static func isASCIICompatible(_ encoding: String) -> Bool {
        !(encoding.hasPrefix("UTF-16") || encoding.hasPrefix("UTF-32") || encoding.hasPrefix("UCS")
            || encoding.hasPrefix("EBCDIC") || encoding.hasPrefix("CP037"))
    }

    static func byteOrderMark(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "UTF-8" }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return "UTF-32BE" }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32LE" }
        // No BOM, but "<" in UTF-32 (checked before UTF-16, whose little-endian BOM is a prefix of UTF-32LE's).
        if bytes.starts(with: [0x00, 0x00, 0x00, 0x3C]) { return "UTF-32BE" }
        if bytes.starts(with: [0x3C, 0x00, 0x00, 0x00]) { return "UTF-32LE" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        // No BOM, but "<?" in a wide encoding.
        if bytes.starts(with: [0x00, 0x3C, 0x00, 0x3F]) { return "UTF-16BE" }
        if bytes.starts(with: [0x3C, 0x00, 0x3F, 0x00]) { return "UTF-16LE" }
        return nil
    }

    /// The encoding named in the XML declaration, if any.
    static func declaredEncoding(in bytes: [UInt8]) -> String? {
        let head = bytes.prefix(512)
        guard head.starts(with: Array("<?xml".utf8)) || head.starts(with: [0xEF, 0xBB, 0xBF, 0x3C, 0x3F]) else {
            return nil
        }
        guard let end = head.firstIndex(of: UInt8(ascii: ">")) else { return nil }
        // Byte by byte: Foundation's `range(of:)` on a String was most of a small feed's setup.
        let declaration = head[..<end]
        let keyword = Array("encoding".utf8)
        guard let keywordStart = declaration.indices.first(where: { declaration[$0...].starts(with: keyword) })
        else { return nil }
        var rest = declaration[(keywordStart + keyword.count)...].drop {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\t")
        }
        guard let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        rest = rest.dropFirst()
        let value = rest.prefix { $0 != quote }
        return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    }

    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer -> Bool in
            var combined: UInt8 = 0
            for byte in buffer { combined |= byte }
            return combined < 0x80
        }
    }

    /// True when `bytes` are well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
    ///
    /// ASCII runs are skipped 32 bytes a step, then eight.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            let count = buffer.count
            let high: UInt64 = 0x8080_8080_8080_8080
            var index = 0
            while index < count {
                // ASCII runs: 32 bytes a step, then 8; a word with a high bit set says where its first
                // non-ASCII byte is.
                while index + 32 <= count {
                    let chunk = UnsafeRawPointer(base + index)
                    let combined =
                        chunk.loadUnaligned(as: UInt64.self) | chunk.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        | chunk.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                        | chunk.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                    if combined & high != 0 { break }
                    index += 32
                }
                while index + 8 <= count {
                    let nonASCII = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & high
                    if nonASCII != 0 {
                        index += nonASCII.trailingZeroBitCount >> 3  // little-endian: the lowest byte comes first
                        break
                    }
                    index += 8
                }
                guard index < count else { break }
                let lead = base[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                // Two- and three-byte sequences (Latin, Cyrillic, Greek; CJK and punctuation) first, their
                // continuation bytes tested without a loop.
                if lead >= 0xC2, lead <= 0xDF {
                    guard index + 1 < count, base[index + 1] & 0xC0 == 0x80 else { return false }
                    index += 2
                    continue
                }
                if lead & 0xF0 == 0xE0 {
                    guard index + 2 < count else { return false }
                    let second = base[index + 1]
                    let lower: UInt8 = lead == 0xE0 ? 0xA0 : 0x80  // no overlong forms
                    let upper: UInt8 = lead == 0xED ? 0x9F : 0xBF  // no surrogates
                    guard second >= lower, second <= upper, base[index + 2] & 0xC0 == 0x80 else { return false }
                    index += 3
                    continue
                }
                guard lead >= 0xF0, lead <= 0xF4, index + 3 < count else { return false }
                let second = base[index + 1]
                let lower: UInt8 = lead == 0xF0 ? 0x90 : 0x80  // no overlong forms
                let upper: UInt8 = lead == 0xF4 ? 0x8F : 0xBF  // nothing above U+10FFFF
                guard second >= lower, second <= upper, base[index + 2] & 0xC0 == 0x80, base[index + 3] & 0xC0 == 0x80
                else { return false }
                index += 4
            }
            return true
        }
    }

    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// windows-1252 as a `SingleByteTable`: ASCII, its characters at 0x80–0x9F (the bytes it leaves unused
    /// stay the C1 controls, so every byte is defined), Latin-1 above.
    private static let windows1252Table: SingleByteTable = {
        var table = SingleByteTable()
        for byte in 0...255 {
            let scalar = byte >= 0x80 && byte < 0xA0 ? windows1252High[byte - 0x80] : UInt32(byte)
            let utf8 = Array(String(Unicode.Scalar(scalar)!).utf8)
            for (offset, unit) in utf8.enumerated() { table.utf8[byte * 8 + offset] = unit }
            table.lengths[byte] = utf8.count
        }
        return table
    }()

    static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        transcoded(bytes, by: windows1252Table)!  // never nil: every byte is defined
    }

    /// Copies `input` to `output`, ASCII eight bytes at a time, each other byte written by `convert`
    /// (given it and the output offset, it returns how many bytes it wrote, or nil to stop); returns the
    /// count written, or nil when `convert` stopped.
    static func copyingASCIIWords(
        _ input: UnsafeBufferPointer<UInt8>, to output: UnsafeMutableBufferPointer<UInt8>,
        converting convert: (UInt8, Int) -> Int?
    ) -> Int? {
        guard let source = input.baseAddress, let target = output.baseAddress else { return 0 }
        var index = 0
        var written = 0
        while index < input.count {
            if index + 8 <= input.count {
                let word = UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    UnsafeMutableRawPointer(target + written).storeBytes(of: word, as: UInt64.self)
                    index += 8
                    written += 8
                    continue
                }
            }
            let byte = source[index]
            index += 1
            if byte < 0x80 {
                target[written] = byte
                written += 1
            } else {
                guard let length = convert(byte, written) else { return nil }
                written += length
            }
        }
        return written
    }

    /// `bytes` converted from `encoding` to UTF-8 by iconv, or nil when iconv does not know the encoding
    /// or the bytes are not valid in it.
    static func transcodedToUTF8(_ bytes: [UInt8], from encoding: String) -> [UInt8]? {
        let converter = iconv_open("UTF-8", encoding)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        if bytes.count >= 4096, let table = singleByteTable(converter) { return transcoded(bytes, by: table) }
        var capacity = bytes.count + bytes.count / 2 + 64
        while true {
            var outcome: Int32 = 0  // 0, or the errno of a failed conversion
            let output = [UInt8](unsafeUninitializedCapacity: capacity) { output, count in
                bytes.withUnsafeBufferPointer { input in
                    // iconv's input pointer is not const, but it does not write through it.
                    var inputPointer = UnsafeMutableRawPointer(mutating: input.baseAddress)?.assumingMemoryBound(to: CChar.self)
                    var inputLeft = input.count
                    var outputPointer = UnsafeMutableRawPointer(output.baseAddress)?.assumingMemoryBound(to: CChar.self)
                    var outputLeft = output.count
                    outcome = iconv(converter, &inputPointer, &inputLeft, &outputPointer, &outputLeft) == -1 ? errno : 0
                    count = outcome == 0 ? output.count - outputLeft : 0
                }
            }
            switch outcome {
            case 0: return Self.isValidUTF8(output) ? output : nil
            case E2BIG:
                iconv(converter, nil, nil, nil, nil)  // back to the initial shift state
                capacity *= 2
            default: return nil
            }
        }
    }

    /// The UTF-8 of each byte value in a single-byte encoding, eight bytes per value (see `singleByteTable`).
    struct SingleByteTable {
        /// `lengths[b]` bytes of UTF-8 for byte `b` start at `utf8[b * 8]`; a length of 0 is a byte the
        /// encoding leaves undefined.
        var utf8 = [UInt8](repeating: 0, count: 256 * 8)
        var lengths = [Int](repeating: 0, count: 256)
    }

    /// The table of the single-byte encoding `converter` reads, asked of iconv one byte at a time; nil
    /// for an encoding that needs more than one byte for some character or keeps a shift state.
    ///
    /// iconv goes through UCS-4 for every character; the table is one lookup per byte. Building it costs
    /// about what iconv spends on a few kilobytes, so only larger documents use it.
    static func singleByteTable(_ converter: iconv_t?) -> SingleByteTable? {
        var table = SingleByteTable()
        defer { iconv(converter, nil, nil, nil, nil) }
        for value in 0...255 {
            iconv(converter, nil, nil, nil, nil)  // the initial state for each byte
            var input = CChar(bitPattern: UInt8(value))
            let length: Int? = table.utf8.withUnsafeMutableBufferPointer { utf8 in
                withUnsafeMutablePointer(to: &input) { input in
                    var inputPointer: UnsafeMutablePointer<CChar>? = input
                    var inputLeft = 1
                    let start = UnsafeMutableRawPointer(utf8.baseAddress! + value * 8).assumingMemoryBound(to: CChar.self)
                    var outputPointer: UnsafeMutablePointer<CChar>? = start
                    var outputLeft = 8
                    if iconv(converter, &inputPointer, &inputLeft, &outputPointer, &outputLeft) == -1 {
                        return errno == EILSEQ ? 0 : nil  // EILSEQ: undefined; EINVAL: the lead of a longer sequence
                    }
                    let written = 8 - outputLeft
                    // A byte that gives no character (a shift), or after which iconv has more to write
                    // when flushed (a state), is not single-byte.
                    guard written > 0, iconv(converter, nil, nil, &outputPointer, &outputLeft) == 0,
                        8 - outputLeft == written
                    else { return nil }
                    return written
                }
            }
            guard let length else { return nil }
            table.lengths[value] = length
        }
        return table
    }

    /// `bytes` transcoded by a `singleByteTable`, or nil when one of them is undefined in it.
    static func transcoded(_ bytes: [UInt8], by table: SingleByteTable) -> [UInt8]? {
        let longest = table.lengths.max() ?? 0
        var isDefined = true
        let output = [UInt8](unsafeUninitializedCapacity: bytes.count * max(longest, 1)) { output, count in
            table.utf8.withUnsafeBufferPointer { utf8 in
                table.lengths.withUnsafeBufferPointer { lengths in
                    bytes.withUnsafeBufferPointer { input in
                        func convert(_ byte: UInt8, _ written: Int) -> Int? {
                            let length = lengths[Int(byte)]
                            guard length > 0 else { return nil }
                            let from = utf8.baseAddress! + Int(byte) * 8
                            for offset in 0..<length { output[written + offset] = from[offset] }
                            return length
                        }
                        // ASCII words are copied as they stand when the encoding keeps ASCII (nearly all do).
                        let keepsASCII = (0..<0x80).allSatisfy { lengths[$0] == 1 && utf8[$0 * 8] == UInt8($0) }
                        var written: Int? = 0
                        if keepsASCII {
                            written = copyingASCIIWords(input, to: output, converting: convert)
                        } else {
                            for byte in input {
                                guard let length = convert(byte, written!) else {
                                    written = nil
                                    break
                                }
                                written! += length
                            }
                        }
                        isDefined = written != nil
                        count = written ?? 0
                    }
                }
            }
        }
        return isDefined ? output : nil
    }

    /// UTF-8 text with the C1 controls U+0080–U+009F replaced by the windows-1252 characters of the same
    /// byte (U+0092 becomes U+2019), or nil when there are none.
    ///
    /// Publishers that paste windows-1252 text into UTF-8 or write `&#146;` mean the smart quote, never a
    /// control character, so readers map these everywhere in character data.
    static func mappingC1Controls(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let first = c1Offset(in: utf8, from: 0) else { return nil }
        var output = Array(utf8[..<first])
        output.reserveCapacity(utf8.count + 8)
        var index = first
        while let next = c1Offset(in: utf8, from: index) {
            output.append(contentsOf: utf8[index..<next])
            let scalar = windows1252High[Int(utf8[next + 1] - 0x80)]
            output.append(contentsOf: Unicode.Scalar(scalar).flatMap(UTF8.encode).map(Array.init) ?? [])
            index = next + 2
        }
        output.append(contentsOf: utf8[index...])
        return output
    }

    /// Offset of the next UTF-8 encoded C1 control (C2 80 – C2 9F) at or after `start`.
    private static func c1Offset(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = utf8.baseAddress else { return nil }
        var index = start
        while index + 1 < utf8.count {
            // memchr is vectorised; most text has no 0xC2 at all.
            guard let found = memchr(base + index, 0xC2, utf8.count - index - 1) else { return nil }
            index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if utf8[index + 1] >= 0x80, utf8[index + 1] <= 0x9F { return index }
            index += 1
        }
        return nil
    }

    static func transcodeWide(_ bytes: [UInt8], _ encoding: String) -> [UInt8]? {
        var body = bytes[...]
        var bigEndian = encoding.hasSuffix("BE")
        let isUTF32 = encoding.contains("32") || encoding == "UCS-4"
        if isUTF32 {
            if body.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { body = body.dropFirst(4); bigEndian = true }
            else if body.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { body = body.dropFirst(4); bigEndian = false }
            var scalars = String.UnicodeScalarView()
            var index = body.startIndex
            while index + 3 < body.endIndex {
                let b = (0..<4).map { UInt32(body[index + $0]) }
                let value = bigEndian ? (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) : (b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0])
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                index += 4
            }
            return Self.rewriteDeclaration(Array(String(scalars).utf8))
        }
        if body.starts(with: [0xFE, 0xFF]) { body = body.dropFirst(2); bigEndian = true }
        else if body.starts(with: [0xFF, 0xFE]) { body = body.dropFirst(2); bigEndian = false }
        else if encoding == "UTF-16", body.first == 0x3C { bigEndian = false }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index + 1 < body.endIndex {
            let high = UInt16(body[index]), low = UInt16(body[index + 1])
            units.append(bigEndian ? (high << 8 | low) : (low << 8 | high))
            index += 2
        }
        return Self.rewriteDeclaration(Array(String(decoding: units, as: UTF16.self).utf8))
    }

    /// Replaces the encoding named in the declaration of an already transcoded document with UTF-8.
    private static func rewriteDeclaration(_ bytes: [UInt8]) -> [UInt8] {
        guard let declared = declaredEncoding(in: bytes) else { return bytes }
        let text = String(decoding: bytes.prefix(512), as: UTF8.self)
        guard let range = text.range(of: declared) else { return bytes }
        let prefixCount = text[..<range.lowerBound].utf8.count
        return Array(bytes[..<prefixCount]) + Array("UTF-8".utf8) + Array(bytes[(prefixCount + declared.utf8.count)...])
    }
}
