import Foundation
import TributaryCore

/// Response header lines, looked up case-insensitively (last value wins).
struct ResponseHeaders {
    private var values: [String: String] = [:]

    init(_ lines: [String]) {
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// The charset parameter of a Content-Type value.
    static func charset(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// Seconds from a Retry-After value: delta-seconds or an HTTP-date.
    static func retryAfterSeconds(_ value: String) -> Int? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        guard let date = FeedDate.parse(value) else { return nil }
        return max(0, Int(date.timeIntervalSinceNow.rounded(.up)))
    }

    /// Freshness lifetime from Cache-Control max-age (preferred) or Expires.
    static func maxAgeSeconds(cacheControl: String?, expires: String?) -> Int? {
        if let cacheControl {
            for directive in cacheControl.split(separator: ",") {
                let parts = directive.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "max-age",
                    let seconds = Int(parts[1].trimmingCharacters(in: .whitespaces))
                {
                    return max(0, seconds)
                }
            }
        }
        if let expires, let date = FeedDate.parse(expires) { return max(0, Int(date.timeIntervalSinceNow)) }
        return nil
    }
}
