/// The head of a plain GET or HEAD, read by `DocumentFastPath` from the first bytes of a connection.
///
/// Strict on purpose: it accepts only the form feed readers send — `GET /name HTTP/1.1`, CRLF line
/// ends, token field names, visible-ASCII values, no body — and calls anything else `.other`, which
/// hands the connection to NIO's full HTTP parser (so every odd or hostile request is judged by one
/// parser, never by two that might disagree about where a request ends).
struct SimpleRequestHead: Equatable {
    /// HEAD rather than GET.
    var isHead: Bool
    /// The path without its leading `/` and query: empty for `/`.
    var name: String
    var ifNoneMatch: String?
    var ifModifiedSince: String?
    var acceptEncoding: String?
    /// `Connection: close` was asked for.
    var closesConnection: Bool

    /// The document asked for: `index.html` for `/`.
    var documentName: String { name.isEmpty ? "index.html" : name }

    /// What the bytes at the front of a connection's input hold.
    enum Parse: Equatable {
        /// A simple request whose head is the first `length` bytes.
        case request(SimpleRequestHead, length: Int)
        /// The head has not fully arrived (and is still under the size limit).
        case incomplete
        /// Anything else: for the full parser.
        case other
    }

    /// The server's header limits: a head or a field over them is `.other`, so the full parser
    /// applies them (and answers 431).
    struct Limits {
        var maxHeadBytes: Int
        var maxFieldBytes: Int
    }

    /// Reads the head at the start of `bytes`.
    ///
    /// - Parameter scannedBytes: how many bytes an earlier call on the same input already searched for
    ///   the end of the head (it resumes there).
    static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits, scannedBytes: Int = 0) -> Parse {
        guard let end = headEnd(bytes, maxBytes: limits.maxHeadBytes, from: max(0, scannedBytes - 3)) else {
            return bytes.count >= limits.maxHeadBytes ? .other : .incomplete
        }
        var reader = LineReader(bytes: bytes, end: end, maxFieldBytes: limits.maxFieldBytes)
        guard var request = reader.requestLine() else { return .other }
        var fields = 0
        while let field = reader.field() {
            fields += 1
            guard fields <= 100 else { return .other }
            switch field.name {
            case .ignored: break
            case .body: return .other
            case .ifNoneMatch:
                guard request.ifNoneMatch == nil else { return .other }
                request.ifNoneMatch = field.value
            case .ifModifiedSince:
                guard request.ifModifiedSince == nil else { return .other }
                request.ifModifiedSince = field.value
            case .acceptEncoding:
                guard request.acceptEncoding == nil else { return .other }
                request.acceptEncoding = field.value
            case .connection:
                if field.value.lowercased().split(separator: ",").contains(where: { $0.trimmingSpaces == "close" }) {
                    request.closesConnection = true
                }
            }
        }
        guard reader.isAtEnd else { return .other }  // A malformed field line stopped the loop.
        return .request(request, length: end + 4)
    }

    /// Offset of the CRLF CRLF that ends the head, if it is within the first `maxBytes`.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer, maxBytes: Int, from start: Int) -> Int? {
        let limit = min(bytes.count, maxBytes)
        var index = start
        while index + 3 < limit {
            if bytes[index] == UInt8(ascii: "\r") && bytes[index + 1] == UInt8(ascii: "\n") && bytes[index + 2] == UInt8(ascii: "\r")
                && bytes[index + 3] == UInt8(ascii: "\n")
            {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// The fields `SimpleRequestHead` looks at; the rest are ignored, except those that announce a body
/// or a protocol change.
private enum FieldName {
    case ifNoneMatch, ifModifiedSince, acceptEncoding, connection
    /// Content-Length, Transfer-Encoding, Expect, Upgrade: not a simple request.
    case body
    case ignored

    init(lowercased name: String) {
        switch name {
        case "if-none-match": self = .ifNoneMatch
        case "if-modified-since": self = .ifModifiedSince
        case "accept-encoding": self = .acceptEncoding
        case "connection": self = .connection
        case "content-length", "transfer-encoding", "expect", "upgrade": self = .body
        default: self = .ignored
        }
    }
}

/// Walks the CRLF-ended lines of a head whose blank line starts at `end`.
private struct LineReader {
    let bytes: UnsafeRawBufferPointer
    let end: Int
    let maxFieldBytes: Int
    var position = 0

    var isAtEnd: Bool { position == end + 2 }

    /// `GET|HEAD SP /target SP HTTP/1.1 CRLF`, the target in visible ASCII, origin form, no `%`
    /// escapes and one path segment; nil for anything else.
    mutating func requestLine() -> SimpleRequestHead? {
        let isHead: Bool
        if matches("GET /") {
            isHead = false
            position += 4
        } else if matches("HEAD /") {
            isHead = true
            position += 5
        } else {
            return nil
        }
        let start = position + 1
        var query: Int?
        while position < end, bytes[position] != UInt8(ascii: " ") {
            let byte = bytes[position]
            guard byte > 0x20, byte < 0x7F else { return nil }
            if query == nil {
                if byte == UInt8(ascii: "?") {
                    query = position
                } else if byte == UInt8(ascii: "%") || (byte == UInt8(ascii: "/") && position >= start) {
                    return nil
                }
            }
            position += 1
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(query ?? position)]), as: UTF8.self)
        guard matches(" HTTP/1.1\r\n") else { return nil }
        position += 11
        return SimpleRequestHead(
            isHead: isHead, name: name, ifNoneMatch: nil, ifModifiedSince: nil,
            acceptEncoding: nil, closesConnection: false)
    }

    /// The next field line: `token ":" OWS visible-ASCII OWS CRLF`. Nil at the blank line that ends
    /// the head, and (leaving `isAtEnd` false) at a malformed line.
    mutating func field() -> (name: FieldName, value: String)? {
        guard position < end else { return nil }
        let nameStart = position
        while position < end, isTokenByte(bytes[position]) { position += 1 }
        guard position > nameStart, position < end, bytes[position] == UInt8(ascii: ":") else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<position]), as: UTF8.self).lowercased()
        position += 1
        var valueStart = position
        while valueStart < end, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
        position = valueStart
        while position < end, bytes[position] != UInt8(ascii: "\r") {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte < 0x7F) else { return nil }
            position += 1
        }
        // Each line but the last ends in CRLF before `end`; the last field's CRLF starts at `end`.
        guard bytes[position] == UInt8(ascii: "\r"), bytes[position + 1] == UInt8(ascii: "\n") else { return nil }
        guard position - nameStart <= maxFieldBytes else { return nil }
        var valueEnd = position
        while valueEnd > valueStart, bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t") { valueEnd -= 1 }
        position += 2
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
        return (FieldName(lowercased: name), value)
    }

    private func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= end + 2 else { return false }
        return literal.withUTF8Buffer { expected in
            expected.indices.allSatisfy { bytes[position + $0] == expected[$0] }
        }
    }

    /// RFC 9110 tchar.
    private func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
