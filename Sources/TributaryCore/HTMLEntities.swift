import Foundation

/// HTML character references: the HTML5 named table, decoding as browsers do, and escaping.
///
/// Decoding follows the HTML5 tokenizer: the longest known name wins, the legacy names (`&amp`,
/// `&nbsp`, `&copy`, ...) also match without a semicolon, and numeric references map invalid code
/// points to U+FFFD and 0x80–0x9F through windows-1252. Unknown references are left as written.
public enum HTMLEntities {
    /// Replacement text for a named reference without '&' and ';' ("nbsp" -> "\u{A0}"), nil when unknown.
    ///
    /// A trailing ';' in `name` is tolerated. Names are case-sensitive (`"Amp"` is unknown).
    public static func character(named name: String) -> String? {
        var key = name
        if key.utf8.last == UInt8(ascii: ";") { key.removeLast() }
        return table.values[key]
    }

    /// Decodes every character reference (&name; &#NN; &#xHH;, plus legacy no-semicolon forms like &amp
    /// and &nbsp as browsers do) in text.
    ///
    /// Text outside attributes is assumed, so `&notit;` decodes to `¬it;` as in a browser.
    /// Complexity: O(n); returns `text` itself when it contains no '&'.
    public static func decode(_ text: String) -> String {
        var text = text
        let decoded: String? = text.withUTF8 { source in
            guard HTMLWriter.find(UInt8(ascii: "&"), in: source, from: 0, to: source.count) != nil else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(source.count)
            appendDecoded(source, 0..<source.count, isAttribute: false, to: &output)
            return String(decoding: output, as: UTF8.self)
        }
        return decoded ?? text
    }

    /// Escapes &, <, >, " for use in HTML/XML text and attribute values.
    ///
    /// Other characters, including `'`, are kept as they are. Returns `text` itself when nothing needs escaping.
    public static func escape(_ text: String) -> String {
        var text = text
        let escaped: String? = text.withUTF8 { source in
            var output: [UInt8] = []
            var runStart = 0
            for index in 0..<source.count where source[index] <= UInt8(ascii: ">") {
                let replacement: StaticString
                switch source[index] {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                default: continue
                }
                if output.isEmpty { output.reserveCapacity(source.count + 16) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
                output.append(replacement)
                runStart = index + 1
            }
            guard runStart > 0 else { return nil }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<source.count]))
            return String(decoding: output, as: UTF8.self)
        }
        return escaped ?? text
    }
}

// MARK: - Byte-level decoding shared with the tokenizer and the sanitizer

extension HTMLEntities {
    /// The parsed named-reference table, built once on first use from `tableSource`.
    struct Table: Sendable {
        /// Replacement text by name without ';'.
        var values: [String: String] = [:]
        /// Names that also match without a semicolon; all are 2...6 ASCII letters or digits.
        var legacyNames: Set<String> = []
        /// Length of the longest name, without ';'.
        var maxNameLength = 0
    }

    static let table: Table = {
        var table = Table()
        table.values.reserveCapacity(2_200)
        for entry in tableSource.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            var name = String(entry[..<equals])
            if name.hasSuffix("*") {
                name.removeLast()
                table.legacyNames.insert(name)
            }
            var value = ""
            for hex in entry[entry.index(after: equals)...].split(separator: ",") {
                if let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) {
                    value.unicodeScalars.append(scalar)
                }
            }
            table.values[name] = value
            table.maxNameLength = max(table.maxNameLength, name.utf8.count)
        }
        return table
    }()

    /// Appends `source[range]` to `output` with character references decoded.
    ///
    /// - Parameters:
    ///   - isAttribute: Applies the attribute-value rule (see `decodeReference`).
    static func appendDecoded(
        _ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, isAttribute: Bool, to output: inout [UInt8]
    ) {
        var runStart = range.lowerBound
        var index = range.lowerBound
        while let ampersand = HTMLWriter.find(UInt8(ascii: "&"), in: source, from: index, to: range.upperBound) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<ampersand]))
            if let end = decodeReference(
                in: source, at: ampersand, end: range.upperBound, isAttribute: isAttribute, into: &output)
            {
                index = end
            } else {
                output.append(UInt8(ascii: "&"))
                index = ampersand + 1
            }
            runStart = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<range.upperBound]))
    }

    /// Decodes the character reference whose '&' is at `start`, appending its UTF-8 replacement to `output`.
    ///
    /// - Parameters:
    ///   - isAttribute: Applies the attribute-value rule: a legacy name without ';' followed by '=' or an
    ///     alphanumeric is not a reference (`?a=1&copy=2` stays as written).
    /// - Returns: The index just past the reference, or nil (and nothing appended) when there is none.
    static func decodeReference(
        in source: UnsafeBufferPointer<UInt8>, at start: Int, end: Int, isAttribute: Bool, into output: inout [UInt8]
    ) -> Int? {
        let nameStart = start + 1
        guard nameStart < end else { return nil }
        if source[nameStart] == UInt8(ascii: "#") {
            return decodeNumericReference(in: source, at: nameStart + 1, end: end, into: &output)
        }
        // Fast path for the references that dominate real content.
        if let (length, replacement) = commonReference(in: source, at: nameStart, end: end) {
            output.append(replacement)
            return nameStart + length + 1
        }
        let table = Self.table
        var runEnd = nameStart
        while runEnd < end, runEnd - nameStart <= table.maxNameLength, source[runEnd].isASCIIAlphanumeric {
            runEnd += 1
        }
        guard runEnd > nameStart else { return nil }
        if runEnd < end, source[runEnd] == UInt8(ascii: ";"),
            let value = table.values[
                String(decoding: UnsafeBufferPointer(rebasing: source[nameStart..<runEnd]), as: UTF8.self)]
        {
            output.append(contentsOf: value.utf8)
            return runEnd + 1
        }
        var length = min(runEnd - nameStart, 6)
        while length >= 2 {
            let name = String(
                decoding: UnsafeBufferPointer(rebasing: source[nameStart..<nameStart + length]), as: UTF8.self)
            if table.legacyNames.contains(name), let value = table.values[name] {
                let next = nameStart + length
                if isAttribute, next < end, source[next] == UInt8(ascii: "=") || source[next].isASCIIAlphanumeric {
                    return nil
                }
                output.append(contentsOf: value.utf8)
                return next
            }
            length -= 1
        }
        return nil
    }

    /// Recognises `amp;`, `lt;`, `gt;`, `quot;` at `index`: returns the name length and its ASCII replacement.
    private static func commonReference(in source: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> (Int, UInt8)?
    {
        func matches(_ name: StaticString) -> Bool {
            let count = name.utf8CodeUnitCount
            guard index + count < end, source[index + count] == UInt8(ascii: ";") else { return false }
            for offset in 0..<count where source[index + offset] != name.utf8Start[offset] { return false }
            return true
        }
        switch source[index] {
        case UInt8(ascii: "a") where matches("amp"): return (3, UInt8(ascii: "&"))
        case UInt8(ascii: "l") where matches("lt"): return (2, UInt8(ascii: "<"))
        case UInt8(ascii: "g") where matches("gt"): return (2, UInt8(ascii: ">"))
        case UInt8(ascii: "q") where matches("quot"): return (4, UInt8(ascii: "\""))
        default: return nil
        }
    }

    /// Decodes the digits of `&#NN;` or `&#xHH;` starting at `index` (just past '#'); ';' is optional.
    private static func decodeNumericReference(
        in source: UnsafeBufferPointer<UInt8>, at index: Int, end: Int, into output: inout [UInt8]
    ) -> Int? {
        var position = index
        var isHex = false
        if position < end, (source[position] | 0x20) == UInt8(ascii: "x") {
            isHex = true
            position += 1
        }
        let digitsStart = position
        var value: UInt32 = 0
        while position < end {
            let byte = source[position]
            let digit: UInt32
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                digit = UInt32(byte - UInt8(ascii: "0"))
            } else if isHex, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "f") {
                digit = UInt32((byte | 0x20) - UInt8(ascii: "a") + 10)
            } else {
                break
            }
            // Saturate above the Unicode range so long digit runs cannot overflow.
            value = min(value * (isHex ? 16 : 10) + digit, 0x11_0000)
            position += 1
        }
        guard position > digitsStart else { return nil }
        if position < end, source[position] == UInt8(ascii: ";") { position += 1 }
        appendUTF8(scalarForNumericReference(value), to: &output)
        return position
    }

    /// The code point a numeric reference stands for, as the HTML5 tokenizer maps it.
    static func scalarForNumericReference(_ value: UInt32) -> UInt32 {
        switch value {
        case 0, 0xD800...0xDFFF, 0x11_0000...: return 0xFFFD
        case 0x80...0x9F:
            let mapped = windows1252[Int(value - 0x80)]
            return mapped == 0 ? value : UInt32(mapped)
        default: return value
        }
    }

    /// windows-1252 meanings of 0x80–0x9F; 0 where the byte is undefined and the code point is kept.
    private static let windows1252: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
        0x0178,
    ]

    /// Appends the UTF-8 encoding of a valid scalar value (not a surrogate, at most 0x10FFFF).
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x1_0000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII letter or digit.
    var isASCIIAlphanumeric: Bool {
        let lower = self | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
    }
}
