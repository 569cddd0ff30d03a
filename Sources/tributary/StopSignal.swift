import Dispatch
import Foundation
import Synchronization

/// SIGTERM and SIGINT for a one-shot command: the first asks the work to stop (see `Aggregator.stop`),
/// a second one exits at once. Without this the default action would kill the process mid-run,
/// leaving the store's rollback to the next open.
///
/// `@unchecked Sendable`: `sources` is set in `init` and only cancelled in `deinit`; the rest is behind a `Mutex`.
final class StopSignal: @unchecked Sendable {
    private let state = Mutex<(received: Int32?, action: (@Sendable () -> Void)?)>((nil, nil))
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        self.sources = sources
        for (source, number) in zip(sources, [SIGTERM, SIGINT]) {
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The signal that arrived first, if any.
    var received: Int32? { state.withLock { $0.received } }

    /// Runs `action` when the first signal arrives (at once if one already has).
    func onFirst(_ action: @escaping @Sendable () -> Void) {
        let arrived = state.withLock { state -> Bool in
            state.action = action
            return state.received != nil
        }
        if arrived { action() }
    }

    private func deliver(_ number: Int32) {
        let (isFirst, action) = state.withLock { state -> (Bool, (@Sendable () -> Void)?) in
            guard state.received == nil else { return (false, nil) }
            state.received = number
            return (true, state.action)
        }
        guard isFirst else {
            Diagnostics.line("second signal: exiting now")
            exit(number == SIGINT ? ExitCodes.interrupted : ExitCodes.terminated)
        }
        Diagnostics.line("stopping: aborting transfers; sources being stored finish first (signal again to exit now)")
        action?()
    }
}
