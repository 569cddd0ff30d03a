import Foundation
import TributaryCore

/// When a source is fetched next.
///
/// After a success: the configured interval, stretched by the publisher's hints (Cache-Control
/// max-age or Expires, RSS ttl, sy:updatePeriod), never beyond `maxInterval`; RSS skipHours and
/// skipDays push it past the hours and days the publisher asked to be left alone.
/// After a failure: exponential backoff with ±10 % jitter from the interval, capped at 24 hours,
/// or the server's Retry-After when it gave one. Never "never": a failing source is always retried.
public struct FetchSchedule: Sendable {
    /// Minimum (configured) interval.
    public var interval: Duration
    /// Maximum interval.
    public var maxInterval: Duration

    /// Creates a schedule.
    public init(interval: Duration, maxInterval: Duration) {
        self.interval = interval
        self.maxInterval = maxInterval
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Next fetch after a successful (200 or 304) response.
    public func afterSuccess(now: Date, maxAgeSeconds: Int?, hints: ScheduleHints?) -> Date {
        var wait = Self.seconds(interval)
        if let maxAge = maxAgeSeconds { wait = max(wait, Double(maxAge)) }
        if let ttl = hints?.ttlMinutes, ttl > 0 { wait = max(wait, Double(ttl) * 60) }
        if let update = hints?.updateIntervalSeconds, update > 0 { wait = max(wait, Double(update)) }
        wait = min(wait, Self.seconds(maxInterval))
        var next = now.addingTimeInterval(wait)
        if let hints, !hints.skipHours.isEmpty || !hints.skipDays.isEmpty {
            next = Self.skipping(next, hours: hints.skipHours, days: hints.skipDays, limit: now.addingTimeInterval(Self.seconds(maxInterval)))
        }
        return next
    }

    /// Next attempt after a failure.
    ///
    /// - Parameter failures: consecutive failures including this one (1 for the first).
    public func afterFailure(now: Date, failures: Int, retryAfterSeconds: Int?, jitter: Double = Double.random(in: -0.1...0.1)) -> Date {
        if let retry = retryAfterSeconds { return now.addingTimeInterval(Double(min(retry, 7 * 86_400))) }
        let base = Self.seconds(interval)
        let exponent = min(max(failures - 1, 0), 20)
        let wait = min(base * pow(2, Double(exponent)), 86_400) * (1 + jitter)
        return now.addingTimeInterval(min(wait, 86_400))
    }

    /// Moves `date` forward, hour by hour, out of skipped hours (GMT) and days.
    static func skipping(_ date: Date, hours: Set<Int>, days: Set<String>, limit: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        var candidate = date
        for _ in 0..<(24 * 8) {
            let components = calendar.dateComponents([.hour, .weekday], from: candidate)
            let hour = components.hour ?? 0
            let day = names[(components.weekday ?? 1) - 1]
            if !hours.contains(hour) && !days.contains(day) { return candidate }
            candidate = candidate.addingTimeInterval(3600)
            if candidate > limit { return limit }
        }
        return candidate
    }
}
