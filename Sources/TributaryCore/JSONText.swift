/// A small JSON writer: keys in the order written, two-space indentation (or none, `compact`),
/// strings escaped per RFC 8259. Much faster than JSONSerialization and JSONEncoder on Linux, and the
/// output depends only on the values, so unchanged documents keep their bytes. Used for JSON Feed
/// output, `parse --json` and the store's JSON columns.
public struct JSONText: Sendable {
    /// The document so far, UTF-8.
    public private(set) var bytes: [UInt8] = []
    private var depth = 0
    private var first = [true]
    private let isCompact: Bool

    /// Starts an empty document; `compact` leaves out all whitespace.
    public init(compact: Bool = false) {
        isCompact = compact
        bytes.reserveCapacity(compact ? 256 : 64 * 1024)
    }

    /// The document as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func raw(_ literal: String) { bytes.append(contentsOf: literal.utf8) }

    private mutating func separator() {
        if !first[first.count - 1] { bytes.append(UInt8(ascii: ",")) }
        first[first.count - 1] = false
        if isCompact { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    private mutating func key(_ name: String) {
        separator()
        string(name)
        raw(isCompact ? ":" : ": ")
    }

    /// Opens an object as the value of `name` (or as an array element / the root when nil).
    public mutating func openObject(_ name: String? = nil) {
        if let name { key(name) } else if depth > 0 { separator() }
        raw("{")
        depth += 1
        first.append(true)
    }

    /// Opens an array as the value of `name` (or as an array element / the root when nil).
    public mutating func openArray(_ name: String? = nil) {
        if let name { key(name) } else if depth > 0 { separator() }
        raw("[")
        depth += 1
        first.append(true)
    }

    /// Closes the innermost object.
    public mutating func closeObject() { close("}") }

    /// Closes the innermost array.
    public mutating func closeArray() { close("]") }

    private mutating func close(_ bracket: String) {
        let wasEmpty = first.removeLast()
        depth -= 1
        if !wasEmpty && !isCompact {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        raw(bracket)
    }

    /// `"name": "value"`.
    public mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// `"name": "value"`, or `"name": null`.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { raw("null") }
    }

    /// `"name": 123`, or `"name": null`.
    public mutating func field(_ name: String, _ value: Int?) {
        key(name)
        raw(value.map { String($0) } ?? "null")
    }

    /// An array element that is a string.
    public mutating func element(_ value: String) {
        separator()
        string(value)
    }

    /// Escapes on UTF-8 bytes: only '"', '\\' and C0 controls need it, and none of them can occur
    /// inside a multi-byte sequence. Runs without any are copied whole.
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { source in
            var runStart = 0
            for index in source.indices {
                let byte = source[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
                escape(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            let hex = String(byte, radix: 16)
            raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
        }
    }
}
