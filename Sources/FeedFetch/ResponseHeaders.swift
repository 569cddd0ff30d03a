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

    /// The server's clock when it answered (the Date header), if it sent a readable one.
    ///
    /// Retry-After and Expires dates are on the server's clock: measured from its Date rather than from
    /// ours, a skew between the two clocks does not shorten or lengthen the wait.
    var serverDate: Date? { values["date"].flatMap(FeedDate.parse) }

    /// Seconds from a Retry-After value: delta-seconds or an HTTP-date, the latter counted from
    /// `serverDate` (the response's Date) when given, else from now.
    static func retryAfterSeconds(_ value: String, serverDate: Date? = nil) -> Int? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        guard let date = FeedDate.parse(value) else { return nil }
        return max(0, Int(date.timeIntervalSince(serverDate ?? Date()).rounded(.up)))
    }

    /// Freshness left: the lifetime from Cache-Control max-age (preferred) or Expires, the latter counted
    /// from `serverDate` (the response's Date) when given, else from now (RFC 9111, 4.2.1), less the
    /// `age` a cache in between reported (4.2.3).
    static func maxAgeSeconds(cacheControl: String?, expires: String?, serverDate: Date? = nil, age: String? = nil) -> Int? {
        let age = age.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) } ?? 0
        return lifetimeSeconds(cacheControl: cacheControl, expires: expires, serverDate: serverDate).map { max(0, $0 - age) }
    }

    private static func lifetimeSeconds(cacheControl: String?, expires: String?, serverDate: Date?) -> Int? {
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
        if let expires, let date = FeedDate.parse(expires) { return max(0, Int(date.timeIntervalSince(serverDate ?? Date()))) }
        return nil
    }
}
