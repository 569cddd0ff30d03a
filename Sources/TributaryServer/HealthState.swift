import Foundation
import Synchronization
import TributaryCore

/// What `/healthz` reports: whether the store answers and how old the last good fetch cycle is.
public final class HealthState: Sendable {
    struct State {
        var lastCycle: Date?
        var lastError: String?
    }

    private let state = Mutex(State())
    private let staleAfter: TimeInterval

    /// Creates a state; the server is unhealthy when no cycle succeeded within `staleAfter`.
    public init(staleAfter: TimeInterval) {
        self.staleAfter = staleAfter
    }

    /// Records a finished cycle.
    public func recordCycle(at date: Date, error: String?) {
        state.withLock {
            if error == nil { $0.lastCycle = date }
            $0.lastError = error
        }
    }

    struct Report {
        var isHealthy: Bool
        var json: String
    }

    func report(now: Date = Date()) -> Report {
        let current = state.withLock { $0 }
        let age = current.lastCycle.map { now.timeIntervalSince($0) }
        let healthy = age.map { $0 <= staleAfter } ?? false
        var object: [String: Any] = ["status": healthy ? "ok" : "stale"]
        object["last_cycle"] = current.lastCycle.map(FeedDate.rfc3339) ?? NSNull()
        object["last_cycle_age_seconds"] = age.map { Int($0) } ?? NSNull()
        object["last_error"] = current.lastError ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Report(isHealthy: healthy, json: String(decoding: data, as: UTF8.self))
    }
}
