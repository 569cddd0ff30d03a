/// Canonical form of an article URL, used as a cross-source dedup key.
///
/// Only `http` and `https` URLs with a non-empty host are accepted. The canonical form:
///
/// - keeps the scheme, lower-cased: `http` and `https` may serve different things, and the
///   canonical form should still be a URL that can be fetched. Use ``key(for:)`` when the
///   two should count as the same article;
/// - drops userinfo (article identity never depends on credentials, and keys are stored
///   and may be logged), the default port (80 for http, 443 for https), an empty port and
///   the fragment; lower-cases the host and writes other ports without leading zeros;
/// - removes dot segments from the path; an empty path becomes `/`; trailing slashes stay;
/// - normalises percent-encoding in host, path and query: escapes of unreserved characters
///   are decoded, other escapes get upper-case hex digits, a `%` not followed by two hex
///   digits becomes `%25`, and bytes that may not appear in a URI are encoded (non-ASCII,
///   space, `"`, `<`, `>`, `[`, `\`, `]`, `^`, backtick, `{`, `|`, `}`);
/// - drops tracking parameters (`utm_*` and the IDs listed at `isTrackingParameter`) and
///   empty `&&` pieces, sorts what is left by name (stable, so repeated names keep their
///   order) and drops an empty `?`.
///
/// Input with control characters inside, an invalid host or port (above 65535 or not
/// digits) gives nil. Surrounding whitespace is trimmed. The result is idempotent:
/// canonicalising a canonical URL returns it unchanged.
public enum CanonicalURL {
    private typealias ASCII = URLReference.ASCII
    private typealias Components = URLReference.Components

    /// The canonical form of an http(s) URL, or nil for other schemes and garbage.
    ///
    /// `"HTTP://Example.org:80/a/./b?utm_source=rss&z=1&a=2#top"` becomes
    /// `"http://example.org/a/b?a=2&z=1"`. Runs in time linear in the URL length, plus
    /// sorting the query parameters.
    public static func canonicalize(_ url: String) -> String? {
        guard let parts = canonicalParts(url) else { return nil }
        return parts.scheme + ":" + parts.body
    }

    /// Dedup key: canonical form with the scheme removed (`"//example.org/a?b=1"`), so
    /// http/https variants collide. Nil when not canonicalizable.
    public static func key(for url: String) -> String? {
        canonicalParts(url)?.body
    }

    /// The site a URL belongs to, for "is this the original publisher": its host without a leading
    /// `www.`, `feeds.`, `feed.`, `rss.` or `m.`, so `www.example.org`, `feeds.example.org` and
    /// `example.org` are one site while `a.github.io` and `b.github.io` stay two. Nil without a host.
    public static func siteKey(of url: String) -> String? {
        guard var host = URLReference.host(of: url) else { return nil }
        for prefix in ["www.", "feeds.", "feed.", "rss.", "m."] where host.hasPrefix(prefix) && host.count > prefix.count {
            host.removeFirst(prefix.count)
            break
        }
        return host
    }

    /// True when a query parameter name is a known tracking parameter (case-insensitive).
    /// Internal: the list is a policy of this type, not API.
    ///
    /// Matches every `utm_*` name and `fbclid`, `gclid`, `dclid`, `gbraid`, `wbraid`, `yclid`,
    /// `msclkid`, `mc_cid`, `mc_eid`, `_hsenc`, `_hsmi`, `igshid`, `ref_src`, `ref_url`, `spm`,
    /// `__s`, `vero_id`, `oly_enc_id`, `oly_anon_id`, `mkt_tok`, `s_cid`, `cmpid`, `ncid`.
    /// The name is compared as written; ``canonicalize(_:)`` decodes escaped unreserved
    /// characters first, so `utm%5Fsource` is caught there.
    static func isTrackingParameter(_ name: some StringProtocol) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("utm_") || trackingParameterNames.contains(lower)
    }

    private static let trackingParameterNames: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "yclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
        "igshid", "ref_src", "ref_url", "spm", "__s", "vero_id", "oly_enc_id", "oly_anon_id", "mkt_tok", "s_cid",
        "cmpid", "ncid",
    ]

    /// Lower-cased scheme and everything after its ":" ("//host/path?query"), both canonical.
    static func canonicalParts(_ url: String) -> (scheme: String, body: String)? {
        simpleParts(url) ?? generalParts(url)
    }

    /// The common case, already canonical: `http(s)://host/path` with a lower-case host of letters,
    /// digits, dots and hyphens and a path of unreserved characters and slashes, without dot
    /// segments, port, userinfo, query, fragment or escapes. Nil for anything else (the general
    /// parse then decides); for what it accepts it returns what the general parse would.
    static func simpleParts(_ url: String) -> (scheme: String, body: String)? {
        var url = url
        return url.withUTF8 { bytes -> (scheme: String, body: String)? in
            let isHTTPS: Bool
            if bytes.starts(with: "https://".utf8) {
                isHTTPS = true
            } else if bytes.starts(with: "http://".utf8) {
                isHTTPS = false
            } else {
                return nil
            }
            let hostStart = isHTTPS ? 8 : 7
            var index = hostStart
            while index < bytes.count, bytes[index] != UInt8(ascii: "/") {
                let byte = bytes[index]
                guard (0x61...0x7A).contains(byte) || ASCII.isDigit(byte) || byte == ASCII.dot || byte == UInt8(ascii: "-")
                else { return nil }
                index += 1
            }
            guard index > hostStart else { return nil }
            let host = String(decoding: UnsafeBufferPointer(rebasing: bytes[hostStart..<index]), as: UTF8.self)
            guard index < bytes.count else { return (isHTTPS ? "https" : "http", "//" + host + "/") }
            let pathStart = index
            var segmentLength = 0
            var segmentDots = 0
            for byte in bytes[pathStart...] {
                if byte == UInt8(ascii: "/") {
                    if segmentLength > 0 && segmentLength <= 2 && segmentDots == segmentLength { return nil }
                    segmentLength = 0
                    segmentDots = 0
                    continue
                }
                guard ASCII.isUnreserved(byte) else { return nil }
                segmentLength += 1
                if byte == ASCII.dot { segmentDots += 1 }
            }
            // A "." or ".." segment needs dot-segment removal: left to the general parse.
            if segmentLength > 0 && segmentLength <= 2 && segmentDots == segmentLength { return nil }
            let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[pathStart...]), as: UTF8.self)
            return (isHTTPS ? "https" : "http", "//" + host + path)
        }
    }

    /// `canonicalParts` for any URL.
    static func generalParts(_ url: String) -> (scheme: String, body: String)? {
        let trimmed = URLReference.trimmed(url)
        guard !trimmed.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        let parts = Components(trimmed)
        guard let rawScheme = parts.scheme, let authority = parts.authority else { return nil }
        let scheme = rawScheme.lowercased()
        let defaultPort: Int
        switch scheme {
        case "http": defaultPort = 80
        case "https": defaultPort = 443
        default: return nil
        }
        guard let hostPort = canonicalAuthority(authority, defaultPort: defaultPort) else { return nil }
        var path = URLReference.removeDotSegments(Substring(normalizedPercentEncoding(parts.path)))
        if path.isEmpty { path = "/" }
        var body = "//" + hostPort + path
        if let query = parts.query {
            let canonicalQuery = canonicalQuery(query)
            if !canonicalQuery.isEmpty { body += "?" + canonicalQuery }
        }
        return (scheme, body)
    }

    /// Host (lower-cased) and non-default port, without userinfo; nil when invalid.
    private static func canonicalAuthority(_ authority: Substring, defaultPort: Int) -> String? {
        var hostPort = authority
        if let at = hostPort.utf8.lastIndex(of: ASCII.at) {
            hostPort = hostPort[hostPort.utf8.index(after: at)...]
        }
        var host: String
        var port: Substring?
        if hostPort.utf8.first == ASCII.openBracket {
            guard let close = hostPort.utf8.firstIndex(of: ASCII.closeBracket) else { return nil }
            let literal = hostPort[hostPort.utf8.index(after: hostPort.startIndex)..<close]
            guard !literal.isEmpty,
                literal.utf8.allSatisfy({ ASCII.hexValue($0) != nil || $0 == ASCII.colon || $0 == ASCII.dot })
            else { return nil }
            host = "[" + literal.lowercased() + "]"
            let rest = hostPort[hostPort.utf8.index(after: close)...]
            if rest.utf8.first == ASCII.colon {
                port = rest.dropFirst()
            } else if !rest.isEmpty {
                return nil
            }
        } else {
            let colon = hostPort.utf8.firstIndex(of: ASCII.colon)
            guard let name = canonicalRegisteredName(hostPort[..<(colon ?? hostPort.endIndex)]) else { return nil }
            host = name
            if let colon { port = hostPort[hostPort.utf8.index(after: colon)...] }
        }
        guard !host.isEmpty else { return nil }
        if let port, !port.isEmpty {
            guard port.utf8.allSatisfy(ASCII.isDigit) else { return nil }
            let digits = port.drop(while: { $0 == "0" })
            guard digits.utf8.count <= 5, let value = Int(digits.isEmpty ? "0" : digits), value <= 65535 else {
                return nil
            }
            if value != defaultPort { host += ":" + String(value) }
        }
        return host
    }

    /// A reg-name host, lower-cased with escapes normalised; nil when it holds characters
    /// a host may not have (space, `<`, a bad escape, ...). Non-ASCII is kept, lower-cased.
    private static func canonicalRegisteredName(_ name: Substring) -> String? {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        let scalars = Array(name.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].isASCII, scalars[i + 2].isASCII,
                    let high = ASCII.hexValue(UInt8(scalars[i + 1].value)),
                    let low = ASCII.hexValue(UInt8(scalars[i + 2].value))
                else { return nil }
                let byte = high << 4 | low
                if ASCII.isUnreserved(byte) {
                    out.unicodeScalars.append(Unicode.Scalar(ASCII.lowercased(byte)))
                } else {
                    out += "%"
                    out.unicodeScalars.append(Unicode.Scalar(ASCII.hexDigit(high)))
                    out.unicodeScalars.append(Unicode.Scalar(ASCII.hexDigit(low)))
                }
                i += 3
                continue
            }
            if c.isASCII {
                let byte = UInt8(c.value)
                guard ASCII.isUnreserved(byte) || ASCII.isSubDelimiter(byte) else { return nil }
                out.unicodeScalars.append(Unicode.Scalar(ASCII.lowercased(byte)))
            } else {
                out += c.properties.lowercaseMapping
            }
            i += 1
        }
        return out
    }

    /// Query without tracking parameters or empty pieces, sorted by name; "" when nothing is left.
    private static func canonicalQuery(_ query: Substring) -> String {
        var kept: [(name: Substring, index: Int, text: Substring)] = []
        for (index, piece) in query.split(separator: "&").enumerated() {
            let text = Substring(normalizedPercentEncoding(piece))
            let name = text[..<(text.utf8.firstIndex(of: UInt8(ascii: "=")) ?? text.endIndex)]
            if isTrackingParameter(name) { continue }
            kept.append((name, index, text))
        }
        if kept.count > 1 {
            kept.sort {
                $0.name != $1.name ? $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) : $0.index < $1.index
            }
        }
        return kept.map(\.text).joined(separator: "&")
    }

    /// Path or query text with escapes normalised and characters a URI may not hold encoded.
    private static func normalizedPercentEncoding(_ s: Substring) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == ASCII.percent, i + 2 < bytes.count,
                let high = ASCII.hexValue(bytes[i + 1]), let low = ASCII.hexValue(bytes[i + 2])
            {
                let decoded = high << 4 | low
                if ASCII.isUnreserved(decoded) {
                    out.append(decoded)
                } else {
                    out += [ASCII.percent, ASCII.hexDigit(high), ASCII.hexDigit(low)]
                }
                i += 3
                continue
            }
            if byte != ASCII.percent
                && (ASCII.isUnreserved(byte) || ASCII.isSubDelimiter(byte) || byte == ASCII.colon
                    || byte == ASCII.at || byte == ASCII.slash || byte == ASCII.question)
            {
                out.append(byte)
            } else {
                out += [ASCII.percent, ASCII.hexDigit(byte >> 4), ASCII.hexDigit(byte & 0x0F)]
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
