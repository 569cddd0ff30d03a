/// URL checks for the sanitizer, and the URL-only rewriting pass.
extension HTMLSanitizer {
    /// Whether a kept URL may have this (lowercase) scheme: http, https and mailto; anything else
    /// (javascript, vbscript, data, file, ...) is dropped. Compared, not hashed: it runs for every URL.
    static func isAllowedScheme(_ scheme: String) -> Bool {
        scheme == "https" || scheme == "http" || scheme == "mailto"
    }

    /// `data:` prefixes kept in `img src`, lowercase.
    static let allowedDataImagePrefixes = [
        "data:image/png;base64,", "data:image/gif;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,",
    ]

    /// Attributes `resolvingURLs(in:resolve:)` rewrites.
    static let rewrittenURLAttributes: Set<String> = [
        "href", "src", "srcset", "poster", "cite", "background", "longdesc",
    ]

    /// How a URL string starts, as a browser's URL parser sees it.
    enum URLKind: Equatable {
        /// No scheme: a path, `//host`, `?query` or `#fragment`.
        case relative
        /// `scheme:`, lowercased.
        case scheme(String)
        /// A ':' before any '/', '?' or '#' but not preceded by a valid scheme, such as `java script:`.
        case invalid
    }

    /// Returns the URL to write for `raw` (an entity-decoded attribute value), or nil to drop the attribute.
    ///
    /// The scheme is checked after removing tab, newline and carriage return anywhere and C0 controls and
    /// spaces around the URL, as browsers do; the result of `resolve` is checked again.
    static func safeURL(_ raw: String, allowsDataImage: Bool, resolve: (String) -> String?) -> String? {
        let url = normalizedURL(raw)
        guard !url.isEmpty else { return nil }
        switch urlKind(url) {
        case .invalid: return nil
        case .scheme("data"): return allowsDataImage && isAllowedDataImage(url) ? url : nil
        case .scheme(let scheme) where !isAllowedScheme(scheme): return nil
        case .relative, .scheme: break
        }
        return resolvedSafeURL(url, resolve: resolve)
    }

    /// The second half of `safeURL`: resolves a URL already found safe, and checks the result again.
    static func resolvedSafeURL(_ url: String, resolve: (String) -> String?) -> String? {
        guard let resolved = resolve(url).map(normalizedURL), !resolved.isEmpty else { return nil }
        switch urlKind(resolved) {
        case .relative: return resolved
        case .scheme(let scheme) where isAllowedScheme(scheme): return resolved
        case .scheme, .invalid: return nil
        }
    }

    /// The attribute value in `source[range]` as a string when it is an absolute `http://` or `https://`
    /// URL that `safeURL` would take as it is: no references to decode, no white space or control
    /// characters to strip. Nil for anything else, which takes the general path.
    static func plainWebURL(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        let value = UnsafeBufferPointer(rebasing: source[range])
        guard startsWithWebScheme(value), !value.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "&") }) else {
            return nil
        }
        return String(validUTF8: value)
    }

    /// Whether `source[range]` is an absolute `http://` or `https://` URL of printable ASCII (0x21–0x7E)
    /// without `&`: `URLReference.resolve` returns such a URL unchanged, `normalizedURL` has nothing to
    /// strip from it and `urlKind` finds an allowed scheme.
    static func isPrintableWebURL(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let value = UnsafeBufferPointer(rebasing: source[range])
        return startsWithWebScheme(value) && value.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "&") }
    }

    /// Whether `value` starts with `http://` or `https://` (lowercase, as written) and has more after it.
    private static func startsWithWebScheme(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count > 8, value[0] == UInt8(ascii: "h"), value[1] == UInt8(ascii: "t"), value[2] == UInt8(ascii: "t"),
            value[3] == UInt8(ascii: "p")
        else { return false }
        let schemeEnd = value[4] == UInt8(ascii: "s") ? 5 : 4
        return value[schemeEnd] == UInt8(ascii: ":") && value[schemeEnd + 1] == UInt8(ascii: "/")
            && value[schemeEnd + 2] == UInt8(ascii: "/")
    }

    /// Returns the `srcset` to write, keeping each candidate whose URL passes `safeURL` and whose descriptor
    /// looks like `2x`, `640w` or `1.5x`; nil when no candidate is left.
    static func safeSrcset(_ raw: String, resolve: (String) -> String?) -> String? {
        var kept: [String] = []
        for (url, descriptor) in srcsetCandidates(raw) {
            guard descriptor.utf8.allSatisfy(isDescriptorByte), !hasSchemeAfterComma(url),
                let safe = safeURL(url, allowsDataImage: false, resolve: resolve)
            else { continue }
            kept.append(descriptor.isEmpty ? safe : safe + " " + descriptor)
        }
        return kept.isEmpty ? nil : kept.joined(separator: ", ")
    }

    /// Whether a piece of `url` after a ',' starts with a disallowed scheme (`/a.png,javascript:x`).
    ///
    /// HTML reads such a candidate as one relative URL, but naive srcset parsers split on commas.
    private static func hasSchemeAfterComma(_ url: String) -> Bool {
        url.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).dropFirst().contains { piece in
            if case .scheme(let scheme) = urlKind(normalizedURL(String(decoding: piece, as: UTF8.self))) {
                return !isAllowedScheme(scheme)
            }
            return false
        }
    }

    private static func isDescriptorByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "w"), UInt8(ascii: "x"), UInt8(ascii: "h"),
            UInt8(ascii: " "):
            return true
        default:
            return false
        }
    }

    /// Splits a `srcset` value into (URL, descriptors) pairs following the HTML5 parsing rules:
    /// URLs run to whitespace (trailing commas stripped), descriptors to the next ',' outside parentheses.
    static func srcsetCandidates(_ value: String) -> [(url: String, descriptor: String)] {
        let bytes = Array(value.utf8)
        var candidates: [(url: String, descriptor: String)] = []
        var index = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while true {
            while index < bytes.count, bytes[index].isHTMLWhitespace || bytes[index] == UInt8(ascii: ",") {
                index += 1
            }
            guard index < bytes.count else { break }
            let urlStart = index
            while index < bytes.count, !bytes[index].isHTMLWhitespace { index += 1 }
            var urlEnd = index
            if bytes[urlEnd - 1] == UInt8(ascii: ",") {
                while urlEnd > urlStart, bytes[urlEnd - 1] == UInt8(ascii: ",") { urlEnd -= 1 }
                if urlEnd > urlStart { candidates.append((text(urlStart..<urlEnd), "")) }
                continue
            }
            while index < bytes.count, bytes[index].isHTMLWhitespace { index += 1 }
            let descriptorStart = index
            var isInParentheses = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "(") { isInParentheses = true }
                if byte == UInt8(ascii: ")") { isInParentheses = false }
                if byte == UInt8(ascii: ","), !isInParentheses { break }
                index += 1
            }
            var descriptorEnd = index
            while descriptorEnd > descriptorStart, bytes[descriptorEnd - 1].isHTMLWhitespace { descriptorEnd -= 1 }
            candidates.append((text(urlStart..<urlEnd), text(descriptorStart..<descriptorEnd)))
        }
        return candidates
    }

    /// The URL as a browser reads it: C0 controls and spaces around it and tab, LF, CR anywhere removed.
    static func normalizedURL(_ raw: String) -> String {
        var raw = raw
        let normalized: String? = raw.withUTF8 { bytes in
            guard bytes.contains(where: { $0 <= 0x20 }) else { return nil }
            var start = 0
            var end = bytes.count
            while start < end, bytes[start] <= 0x20 { start += 1 }
            while end > start, bytes[end - 1] <= 0x20 { end -= 1 }
            var output: [UInt8] = []
            output.reserveCapacity(end - start)
            for byte in bytes[start..<end] where byte != 0x09 && byte != 0x0A && byte != 0x0D {
                output.append(byte)
            }
            return String(decoding: output, as: UTF8.self)
        }
        return normalized ?? raw
    }

    /// Classifies a normalized URL by its scheme.
    static func urlKind(_ url: String) -> URLKind {
        var url = url
        return url.withUTF8 { bytes in
            var isValidScheme = bytes.first?.isASCIILetter ?? false
            for index in 0..<bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: ":"):
                    guard isValidScheme else { return .invalid }
                    return .scheme(
                        String(unsafeUninitializedCapacity: index) { buffer in
                            for offset in 0..<index { buffer[offset] = bytes[offset] | 0x20 }
                            return index
                        })
                case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                    return .relative
                case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                    break
                default:
                    if !byte.isASCIIAlphanumeric { isValidScheme = false }
                }
            }
            return .relative
        }
    }

    /// Whether `url` is a base64 PNG, GIF, JPEG or WebP `data:` URL.
    static func isAllowedDataImage(_ url: String) -> Bool {
        let bytes = Array(url.utf8)
        for prefix in allowedDataImagePrefixes {
            let prefixBytes = Array(prefix.utf8)
            guard bytes.count > prefixBytes.count,
                zip(bytes, prefixBytes).allSatisfy({ $0 == $1 || ($1.isASCIILetter && $0 | 0x20 == $1) })
            else { continue }
            return bytes[prefixBytes.count...].allSatisfy {
                $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/")
                    || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: " ")
            }
        }
        return false
    }
}
