import Foundation

/// Runs blocking work (a subprocess, a sleep-wait) on its own thread and awaits it, so it never holds
/// one of the few threads of Swift's cooperative pool: with 2 cores, two blocked tests would stall
/// every other test's tasks and turn timing bounds into failures.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
