extension HTMLSanitizer {
    /// Only rewrites URL attributes (href, src, srcset, poster, cite, background, longdesc) with `resolve`,
    /// keeping all other markup byte-for-byte. Fast path: returns the input unchanged when no such attribute occurs.
    ///
    /// `resolve` gets each entity-decoded, trimmed value (each candidate of a `srcset`), except empty and
    /// `data:` ones, which are kept. A changed value is written double-quoted and escaped; nil removes the
    /// attribute (or the `srcset` candidate). No safety checks are made: this is not a sanitizer.
    ///
    /// Complexity: O(n). Returns `html` itself when nothing changed.
    public static func resolvingURLs(in html: String, resolve: (String) -> String?) -> String {
        guard mayContainURLAttribute(html) else { return html }
        var tokenizer = HTMLTokenizer(html)
        let bytes = tokenizer.bytes
        let rewritten: String? = bytes.withUnsafeBufferPointer { source in
            var output = GrowableBytes()
            var copied = 0
            var scratch: [UInt8] = []
            while let token = tokenizer.next() {
                guard case .startTag(let tag) = token else { continue }
                for attribute in tag.attributes where rewrittenURLAttributes.contains(attribute.name) {
                    guard let valueRange = attribute.valueRange else { continue }
                    scratch.removeAll(keepingCapacity: true)
                    HTMLEntities.appendDecoded(source, valueRange, isAttribute: true, to: &scratch)
                    let value = String(decoding: scratch, as: UTF8.self)
                    let replacement =
                        attribute.name == "srcset"
                        ? resolvedSrcset(value, resolve: resolve) : resolvedURL(value, resolve: resolve)
                    guard replacement != value else { continue }
                    if copied == 0 { output = GrowableBytes(capacity: source.count + 256) }
                    if let replacement {
                        let isQuoted = attribute.range.upperBound > valueRange.upperBound
                        let start = isQuoted ? valueRange.lowerBound - 1 : valueRange.lowerBound
                        output.append(UnsafeBufferPointer(rebasing: source[copied..<start]))
                        output.append(UInt8(ascii: "\""))
                        HTMLWriter.appendEscaped(replacement, to: &output)
                        output.append(UInt8(ascii: "\""))
                    } else {
                        var start = attribute.range.lowerBound
                        while start > copied, source[start - 1].isHTMLWhitespace { start -= 1 }
                        output.append(UnsafeBufferPointer(rebasing: source[copied..<start]))
                    }
                    copied = attribute.range.upperBound
                }
            }
            guard copied > 0 else { return nil }
            output.append(UnsafeBufferPointer(rebasing: source[copied...]))
            return output.withBytes { String(decoding: $0, as: UTF8.self) }
        }
        return rewritten ?? html
    }

    private static func resolvedURL(_ value: String, resolve: (String) -> String?) -> String? {
        let url = normalizedURL(value)
        if url.isEmpty || urlKind(url) == .scheme("data") { return value }
        return resolve(url)
    }

    private static func resolvedSrcset(_ value: String, resolve: (String) -> String?) -> String? {
        var kept: [String] = []
        for (url, descriptor) in srcsetCandidates(value) {
            guard let resolved = urlKind(url) == .scheme("data") ? url : resolve(url) else { continue }
            kept.append(descriptor.isEmpty ? resolved : resolved + " " + descriptor)
        }
        if kept.isEmpty { return nil }
        let joined = kept.joined(separator: ", ")
        return normalizedURL(value) == joined ? value : joined
    }

    /// Lowercase names checked by the fast path of `resolvingURLs`.
    private static let rewrittenURLAttributeBytes: [[UInt8]] = rewrittenURLAttributes.map { Array($0.utf8) }

    /// Whether some '=' in `html` follows one of `rewrittenURLAttributes` (ignoring case and whitespace).
    ///
    /// A quick, conservative filter: `data-src=` also matches and merely takes the slow path.
    static func mayContainURLAttribute(_ html: String) -> Bool {
        var html = html
        return html.withUTF8 { source in
            var index = 0
            while let equals = HTMLWriter.find(UInt8(ascii: "="), in: source, from: index, to: source.count) {
                var end = equals
                while end > index, source[end - 1].isHTMLWhitespace { end -= 1 }
                for name in rewrittenURLAttributeBytes where end >= name.count {
                    var matches = true
                    for offset in 0..<name.count where source[end - name.count + offset] | 0x20 != name[offset] {
                        matches = false
                        break
                    }
                    if matches { return true }
                }
                index = equals + 1
            }
            return false
        }
    }
}
