/// RFC 3986 URI reference resolution, done on strings.
///
/// Everything here works on the UTF-8 bytes of the string and never goes through
/// `Foundation.URL`. Parsing is the RFC 3986 Appendix B split (scheme, authority, path,
/// query, fragment): characters are neither validated nor percent-encoded or decoded, so
/// non-ASCII text and odd characters pass through unchanged. A scheme counts only when it
/// is valid (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), so `"1a:b"` is a relative path.
///
/// Surrounding whitespace (ASCII controls, space, Unicode white space, BOM) is ignored by
/// every function, so `isAbsolute(x)` tells whether `resolve(x, against:)` resolves `x`.
public enum URLReference {
    /// Resolves `reference` against `base` (RFC 3986 §5.2, including dot-segment removal).
    ///
    /// Handles protocol-relative (`"//host/x"`), query-only (`"?q"`) and fragment-only
    /// (`"#f"`) references; an empty reference gives the base without its fragment. The
    /// parser is strict: `"http:g"` is absolute and comes back as is.
    ///
    /// - Parameters:
    ///   - reference: The link as found in the document. Surrounding whitespace is trimmed.
    ///   - base: The absolute URL to resolve against, such as the document URL or an
    ///     already resolved `xml:base`. Its fragment is ignored.
    /// - Returns: The resolved URL; or the trimmed `reference`, not resolved and with its dot
    ///   segments kept, when it is already absolute or when `base` is nil or not absolute.
    public static func resolve(_ reference: String, against base: String?) -> String {
        let trimmedReference = trimmed(reference)
        // An absolute reference is returned as is: no need to split it into components.
        guard schemeLength(trimmedReference) == nil, let base else { return String(trimmedReference) }
        let ref = Components(trimmedReference)
        let baseParts = Components(trimmed(base))
        guard baseParts.scheme != nil else { return String(trimmedReference) }

        var target = Components(scheme: baseParts.scheme, authority: baseParts.authority, path: "")
        if ref.authority != nil {
            target.authority = ref.authority
            target.path = removeDotSegments(ref.path)
            target.query = ref.query
        } else if ref.path.isEmpty {
            target.path = baseParts.path
            target.query = ref.query ?? baseParts.query
        } else {
            if ref.path.utf8.first == ASCII.slash {
                target.path = removeDotSegments(ref.path)
            } else {
                target.path = removeDotSegments(merge(base: baseParts, path: ref.path))
            }
            target.query = ref.query
        }
        target.fragment = ref.fragment
        return target.recomposed()
    }

    /// True when the string starts with a valid scheme followed by `:`.
    public static func isAbsolute(_ s: String) -> Bool {
        schemeLength(trimmed(s)) != nil
    }

    /// Lower-cased scheme (`"http"`), or nil when the string has no valid scheme.
    public static func scheme(of s: String) -> String? {
        Components(trimmed(s)).scheme?.lowercased()
    }

    /// Host part (lower-cased, without userinfo or port, IPv6 without brackets), or nil.
    ///
    /// Works for protocol-relative references too (`"//cdn.example.org/x"`). Returns nil
    /// when there is no authority, when the host is empty (`"file:///etc"`) or when an IPv6
    /// literal has no closing bracket.
    public static func host(of s: String) -> String? {
        guard let (host, _) = hostAndPort(of: s), !host.isEmpty else { return nil }
        return host.lowercased()
    }

    /// Explicit port number (`8080` in `"http://example.org:8080/"`), or nil when the URL has none
    /// (or it is not a number).
    public static func port(of s: String) -> Int? {
        hostAndPort(of: s)?.port.flatMap { Int($0) }
    }

    /// Host (IPv6 without brackets) and the text after its ":", from the authority without userinfo.
    private static func hostAndPort(of s: String) -> (host: Substring, port: Substring?)? {
        guard let authority = Components(trimmed(s)).authority else { return nil }
        var hostPort = authority
        if let at = hostPort.utf8.lastIndex(of: ASCII.at) {
            hostPort = hostPort[hostPort.utf8.index(after: at)...]
        }
        var rest: Substring
        let host: Substring
        if hostPort.utf8.first == ASCII.openBracket {
            guard let close = hostPort.utf8.firstIndex(of: ASCII.closeBracket) else { return nil }
            host = hostPort[hostPort.utf8.index(after: hostPort.startIndex)..<close]
            rest = hostPort[hostPort.utf8.index(after: close)...]
        } else {
            let colon = hostPort.utf8.firstIndex(of: ASCII.colon) ?? hostPort.endIndex
            host = hostPort[..<colon]
            rest = hostPort[colon...]
        }
        guard rest.utf8.first == ASCII.colon else { return (host, nil) }
        rest.removeFirst()
        return (host, rest.isEmpty ? nil : rest)
    }

    // MARK: - Internals shared with CanonicalURL

    /// The string without surrounding whitespace and control characters.
    static func trimmed(_ s: String) -> Substring {
        if let (first, last) = s.utf8Ends, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return s[...]
        }
        let scalars = s.unicodeScalars
        guard let start = scalars.firstIndex(where: { !isTrimmable($0) }) else { return s[s.endIndex...] }
        let last = scalars.lastIndex(where: { !isTrimmable($0) }) ?? start
        return s[start...last]
    }

    private static func isTrimmable(_ c: Unicode.Scalar) -> Bool {
        c.value <= 0x20 || c.value == 0x7F || c.value == 0xFEFF || c.properties.isWhitespace
    }

    /// Number of bytes of a valid scheme when `s` starts with one followed by `:`.
    static func schemeLength(_ s: Substring) -> Int? {
        var count = 0
        for byte in s.utf8 {
            if byte == ASCII.colon { return count == 0 ? nil : count }
            let isAlpha = ASCII.isAlpha(byte)
            guard isAlpha || (count > 0 && (ASCII.isDigit(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E))
            else { return nil }
            count += 1
        }
        return nil
    }

    /// RFC 3986 §5.2.3: the base path up to its last "/", followed by `path`.
    private static func merge(base: Components, path: Substring) -> Substring {
        if base.authority != nil && base.path.isEmpty { return Substring("/" + path) }
        guard let slash = base.path.utf8.lastIndex(of: ASCII.slash) else { return path }
        return Substring(base.path[...slash] + path)
    }

    /// RFC 3986 §5.2.4 `remove_dot_segments`, run on bytes.
    static func removeDotSegments(_ path: Substring) -> Substring {
        guard path.utf8.contains(ASCII.dot) else { return path }
        let slash = ASCII.slash, dot = ASCII.dot
        var input = Array(path.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        let n = input.count
        while i < n {
            let remaining = n - i
            let c0 = input[i]
            let c1 = remaining > 1 ? input[i + 1] : 0
            let c2 = remaining > 2 ? input[i + 2] : 0
            let c3 = remaining > 3 ? input[i + 3] : 0
            if c0 == dot && c1 == dot && c2 == slash {  // A: "../"
                i += 3
            } else if c0 == dot && c1 == slash {  // A: "./"
                i += 2
            } else if c0 == slash && c1 == dot && c2 == slash {  // B: "/./" -> "/"
                i += 2
            } else if c0 == slash && c1 == dot && remaining == 2 {  // B: "/." -> "/"
                input[i + 1] = slash
                i += 1
            } else if c0 == slash && c1 == dot && c2 == dot && (remaining == 3 || c3 == slash) {  // C: "/../", "/.."
                if remaining == 3 {
                    input[i + 2] = slash
                    i += 2
                } else {
                    i += 3
                }
                if let last = output.lastIndex(of: slash) {
                    output.removeSubrange(last...)
                } else {
                    output.removeAll(keepingCapacity: true)
                }
            } else if (remaining == 1 && c0 == dot) || (remaining == 2 && c0 == dot && c1 == dot) {  // D
                break
            } else {  // E: move the first segment, with its leading "/", to the output
                var j = c0 == slash ? i + 1 : i
                while j < n && input[j] != slash { j += 1 }
                output.append(contentsOf: input[i..<j])
                i = j
            }
        }
        return Substring(String(decoding: output, as: UTF8.self))
    }
}

extension URLReference {
    /// The five RFC 3986 components of a URI reference; nil means "not present", which differs from empty.
    struct Components {
        var scheme: Substring?
        var authority: Substring?
        var path: Substring
        var query: Substring?
        var fragment: Substring?

        init(
            scheme: Substring?, authority: Substring?, path: Substring, query: Substring? = nil,
            fragment: Substring? = nil
        ) {
            self.scheme = scheme
            self.authority = authority
            self.path = path
            self.query = query
            self.fragment = fragment
        }

        /// Splits `s` as in RFC 3986 Appendix B, accepting only valid schemes.
        init(_ s: Substring) {
            let utf8 = s.utf8
            var rest = s
            if let length = URLReference.schemeLength(s) {
                let colon = utf8.index(utf8.startIndex, offsetBy: length)
                scheme = s[..<colon]
                rest = s[utf8.index(after: colon)...]
            }
            if let hash = rest.utf8.firstIndex(of: ASCII.hash) {
                fragment = rest[rest.utf8.index(after: hash)...]
                rest = rest[..<hash]
            }
            if let question = rest.utf8.firstIndex(of: ASCII.question) {
                query = rest[rest.utf8.index(after: question)...]
                rest = rest[..<question]
            }
            if rest.utf8.starts(with: [ASCII.slash, ASCII.slash]) {
                let hostStart = rest.utf8.index(rest.startIndex, offsetBy: 2)
                let pathStart = rest.utf8[hostStart...].firstIndex(of: ASCII.slash) ?? rest.endIndex
                authority = rest[hostStart..<pathStart]
                rest = rest[pathStart...]
            }
            path = rest
        }

        /// RFC 3986 §5.3 component recomposition.
        func recomposed() -> String {
            var out = ""
            out.reserveCapacity(
                (scheme?.utf8.count ?? 0) + (authority?.utf8.count ?? 0) + path.utf8.count + (query?.utf8.count ?? 0)
                    + (fragment?.utf8.count ?? 0) + 5)
            if let scheme { out += scheme + ":" }
            if let authority { out += "//" + authority }
            out += path
            if let query { out += "?" + query }
            if let fragment { out += "#" + fragment }
            return out
        }
    }
}

extension URLReference {
    /// ASCII byte constants and classes used by the URL code.
    enum ASCII {
        static let slash = UInt8(ascii: "/")
        static let dot = UInt8(ascii: ".")
        static let colon = UInt8(ascii: ":")
        static let at = UInt8(ascii: "@")
        static let hash = UInt8(ascii: "#")
        static let question = UInt8(ascii: "?")
        static let percent = UInt8(ascii: "%")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")

        static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
        static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        static func lowercased(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

        /// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
        static func isUnreserved(_ b: UInt8) -> Bool {
            isAlpha(b) || isDigit(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
        }

        /// RFC 3986 sub-delims: "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=".
        static func isSubDelimiter(_ b: UInt8) -> Bool {
            switch b {
            case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true
            default: false
            }
        }

        /// Value of a hexadecimal digit, or nil.
        static func hexValue(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: b - 0x30
            case 0x41...0x46: b - 0x41 + 10
            case 0x61...0x66: b - 0x61 + 10
            default: nil
            }
        }

        /// Upper-case hexadecimal digit for a value 0...15.
        static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
    }
}
