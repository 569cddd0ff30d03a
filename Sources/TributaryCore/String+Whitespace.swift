extension String {
    /// `lowercased()`, without its Unicode case tables when there is nothing to lower: attribute values
    /// such as `html` or `false` are nearly always ASCII without capitals.
    public var lowercasedIfNeeded: String {
        let isLower = utf8.withContiguousStorageIfAvailable { utf8 in
            !utf8.contains { $0 >= UInt8(ascii: "A") && ($0 <= UInt8(ascii: "Z") || $0 >= 0x80) }
        }
        return isLower == true ? self : lowercased()
    }

    /// The string without leading and trailing white space (Unicode `White_Space`: the same set as
    /// Foundation's `CharacterSet.whitespacesAndNewlines`).
    ///
    /// Pure Swift and allocation-free when nothing is trimmed; much cheaper than Foundation's
    /// `trimmingCharacters(in:)`, which bridges through `NSString` and UTF-16 on Linux.
    public var trimmingWhitespace: String {
        guard let (first, last) = utf8Ends else { return self }
        // Fast path: an ASCII non-space byte at both ends means there is nothing to trim.
        if first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return self }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }

    /// The string without leading and trailing spaces and tabs (Foundation's `CharacterSet.whitespaces`:
    /// tab and the space separators), keeping line breaks.
    public var trimmingSpaces: String {
        // Fast path, as in `trimmingWhitespace`: an ASCII non-space byte at both ends.
        if let (first, last) = utf8Ends, first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return self
        }
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isSpace($0) })!
        if start == scalars.startIndex, scalars.index(after: end) == scalars.endIndex { return self }
        return String(scalars[start...end])
    }

    /// The first and last UTF-8 bytes, nil for the empty string: read from the string's storage, where
    /// `utf8.last` stepped back through the view one call at a time.
    package var utf8Ends: (first: UInt8, last: UInt8)? {
        let ends = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.isEmpty ? nil : (first: bytes[0], last: bytes[bytes.count - 1])
        }
        if let ends { return ends }
        guard let first = utf8.first, let last = utf8.last else { return nil }
        return (first, last)
    }
}
