import Foundation

/// Parsing of the small value syntaxes used in feeds.yaml.
public enum ValueParsing {
    /// "500ms", "30s", "15m", "2h", "1d" or a bare number of seconds.
    public static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let number = Double(digits), number.isFinite, number >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let seconds: Double
        switch unit {
        case "ms": seconds = number / 1000
        case "", "s", "sec", "secs", "second", "seconds": seconds = number
        case "m", "min", "mins", "minute", "minutes": seconds = number * 60
        case "h", "hour", "hours": seconds = number * 3600
        case "d", "day", "days": seconds = number * 86_400
        default: return nil
        }
        guard seconds < 1e9 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// "20MB", "512KiB", "1GB" or a bare number of bytes (KB/MB/GB are 1024-based, as operators expect).
    public static func size(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1024
        case "m", "mb", "mib": multiplier = 1024 * 1024
        case "g", "gb", "gib": multiplier = 1024 * 1024 * 1024
        default: return nil
        }
        let (result, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }

    /// "host:port" or "[v6]:port".
    public static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// True for `[a-z0-9][a-z0-9_-]{0,63}`.
    public static func isValidCategoryID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            let isAlphanumeric = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            guard isAlphanumeric || (index > 0 && (byte == 0x2D || byte == 0x5F)) else { return false }
        }
        return true
    }
}
