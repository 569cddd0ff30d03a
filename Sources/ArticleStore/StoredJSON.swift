import TributaryCore

/// Reads the store's JSON columns (authors, categories, enclosures) without JSONDecoder, which costs
/// more than reading the row itself. Accepts any JSON of the column's shape, whoever wrote it (this
/// version's `JSONText` or an older version's JSONEncoder, which escapes "/" and sorts keys). Returns
/// nil for anything else; the caller then falls back to JSONDecoder.
enum StoredJSON {
    static func people(_ text: String) -> [Person]? {
        objects(text) { fields in
            var person = Person()
            for (key, value) in fields {
                guard case .string(let string) = value else { continue }
                switch key {
                case "name": person.name = string
                case "email": person.email = string
                case "uri": person.uri = string
                default: break
                }
            }
            return person
        }
    }

    static func strings(_ text: String) -> [String]? {
        array(text) { value in
            guard case .string(let string) = value else { return nil }
            return string
        }
    }

    static func enclosures(_ text: String) -> [Enclosure]? {
        objects(text) { fields in
            var url: String?, type: String?, length: Int?
            for (key, value) in fields {
                switch (key, value) {
                case ("url", .string(let string)): url = string
                case ("type", .string(let string)): type = string
                case ("length", .integer(let number)): length = number
                default: break
                }
            }
            return url.map { Enclosure(url: $0, type: type, length: length) }
        }
    }

    private static func objects<T>(_ text: String, _ make: ([(String, Value)]) -> T?) -> [T]? {
        array(text) { value in
            guard case .object(let fields) = value else { return nil }
            return make(fields)
        }
    }

    /// A JSON array whose every element `element` accepts; nil otherwise.
    private static func array<T>(_ text: String, _ element: (Value) -> T?) -> [T]? {
        var text = text
        return text.withUTF8 { bytes -> [T]? in
            var reader = Reader(bytes: bytes)
            guard case .array(let values)? = reader.document() else { return nil }
            var result: [T] = []
            result.reserveCapacity(values.count)
            for value in values {
                guard let made = element(value) else { return nil }
                result.append(made)
            }
            return result
        }
    }

    enum Value {
        case string(String)
        case integer(Int)
        case array([Value])
        case object([(String, Value)])
        case null
    }

    /// A small recursive-descent JSON reader over UTF-8 bytes (RFC 8259, without fractions,
    /// exponents or booleans, which these columns never hold).
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// One value and nothing after it but whitespace.
        mutating func document() -> Value? {
            guard let value = value(depth: 0) else { return nil }
            skipSpace()
            return index == bytes.count ? value : nil
        }

        private mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        private mutating func value(depth: Int) -> Value? {
            guard depth < 8 else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "["):
                index += 1
                var values: [Value] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(values)
                }
                while true {
                    guard let element = value(depth: depth + 1) else { return nil }
                    values.append(element)
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(values) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "{"):
                index += 1
                var fields: [(String, Value)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(fields)
                }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let field = value(depth: depth + 1) else { return nil }
                    fields.append((key, field))
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(fields) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "n"):
                guard bytes.count - index >= 4, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
                    bytes[index + 3] == UInt8(ascii: "l")
                else { return nil }
                index += 4
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                index += 1
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)).map(Value.integer)
            default:
                return nil
            }
        }

        /// A string starting at the opening quote; escapes decoded (surrogate pairs joined).
        private mutating func string() -> String? {
            index += 1
            var output: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: output, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        output.append(contentsOf: String(Character(unicode)).utf8)
                    default:
                        return nil
                    }
                case 0..<0x20:
                    return nil
                default:
                    output.append(byte)
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
