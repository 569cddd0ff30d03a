import CCurl
import Foundation
import Synchronization

/// Drives libcurl's multi interface on one dedicated thread and bridges completions to async callers.
///
/// Submitted transfers wait in a queue until a slot is free under the global and per-host limits
/// (queueing inside libcurl would start their timeouts early). The thread sleeps in
/// `curl_multi_poll` and is woken with `curl_multi_wakeup` when work arrives.
///
/// Back-pressure: a completed transfer's response keeps a slot (a `ResponseLease`) until the caller
/// is done with its body, and no transfer starts while `maxHeld` responses are running or held, or
/// while the bodies held add up to `maxHeldBytes`. When parsing and storing fall behind the downloads
/// (a slow CPU), fetching waits instead of piling up bodies in memory.
///
/// `@unchecked Sendable`: the multi handle and every easy handle are used only on the driver
/// thread; the shared queue is behind a `Mutex`.
final class CurlMulti: @unchecked Sendable {
    private struct Shared {
        var pending: [CurlTransfer] = []
        var isClosed = false
        /// Responses handed to callers and not yet released.
        var held = 0
        /// Bytes of their bodies.
        var heldBytes = 0
    }

    private let multi: UnsafeMutableRawPointer
    private let shared = Mutex(Shared())
    private let concurrency: Int
    private let perHostConcurrency: Int
    private let maxHeld: Int
    private let maxHeldBytes: Int
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]  // Driver thread only.
    private var activePerHost: [String: Int] = [:]  // Driver thread only.
    private var thread: Thread?

    /// - Parameters:
    ///   - maxHeld: most transfers running plus responses held by callers (at least `concurrency`).
    ///   - maxHeldBytes: no transfer starts while the bodies held add up to this many bytes.
    init(concurrency: Int, perHostConcurrency: Int, maxHeld: Int, maxHeldBytes: Int) {
        multi = curl_multi_init()
        self.concurrency = max(1, concurrency)
        self.perHostConcurrency = max(1, perHostConcurrency)
        self.maxHeld = max(self.concurrency, maxHeld)
        self.maxHeldBytes = maxHeldBytes
        _ = tributary_multi_setopt_long(multi, CURLMOPT_PIPELINING, 2)  // CURLPIPE_MULTIPLEX
        _ = tributary_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, self.perHostConcurrency)
        _ = tributary_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, self.concurrency * 2)
        let thread = Thread { [self] in run() }
        thread.name = "tributary-curl"
        self.thread = thread
        thread.start()
    }

    /// Runs one transfer to completion.
    func perform(_ transfer: CurlTransfer) async -> CurlTransfer.Outcome {
        await withCheckedContinuation { continuation in
            transfer.continuation = continuation
            let accepted = shared.withLock { state -> Bool in
                guard !state.isClosed else { return false }
                state.pending.append(transfer)
                return true
            }
            if accepted {
                curl_multi_wakeup(multi)
            } else {
                continuation.resume(returning: transfer.finish(code: CURLE_ABORTED_BY_CALLBACK))
            }
        }
    }

    /// Stops the driver thread; transfers still queued or running complete as aborted.
    func close() {
        shared.withLock { $0.isClosed = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (newTransfers, isClosed) = shared.withLock { state -> ([CurlTransfer], Bool) in
                var slots =
                    state.heldBytes >= maxHeldBytes ? 0 : min(concurrency - active.count, maxHeld - active.count - state.held)
                // Scanned only while there are free slots: this runs after every completion, with up
                // to thousands of transfers queued.
                var taken: [CurlTransfer] = []
                var takenPositions = RangeSet<Int>()
                var perHost = activePerHost
                for (position, transfer) in state.pending.enumerated() {
                    if slots == 0 { break }
                    guard perHost[transfer.host, default: 0] < perHostConcurrency else { continue }
                    taken.append(transfer)
                    takenPositions.insert(position, within: state.pending)
                    perHost[transfer.host, default: 0] += 1
                    slots -= 1
                }
                state.pending.removeSubranges(takenPositions)
                return (taken, state.isClosed)
            }
            if isClosed {
                abortAll()
                break
            }
            for transfer in newTransfers {
                active[transfer.handle] = transfer
                activePerHost[transfer.host, default: 0] += 1
                curl_multi_add_handle(multi, transfer.handle)
            }
            curl_multi_perform(multi, &running)
            var remainingMessages: Int32 = 0
            var completed = 0
            while let message = curl_multi_info_read(multi, &remainingMessages) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                complete(handle: handle, code: message.pointee.data.result)
                completed += 1
            }
            // Finished transfers free slots: start queued ones at once instead of sleeping in poll
            // (which would wait for activity on the remaining sockets, up to a second, while work waits).
            let hasQueued = shared.withLock { !$0.pending.isEmpty }
            if completed > 0 && hasQueued { continue }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        curl_multi_cleanup(multi)
    }

    /// A caller is done with a response of `bytes` bytes: its slot is free.
    fileprivate func release(bytes: Int) {
        let hasQueued = shared.withLock { state -> Bool in
            state.held -= 1
            state.heldBytes -= bytes
            return !state.pending.isEmpty
        }
        if hasQueued { curl_multi_wakeup(multi) }
    }

    private func complete(handle: UnsafeMutableRawPointer, code: CURLcode) {
        curl_multi_remove_handle(multi, handle)
        guard let transfer = active.removeValue(forKey: handle) else { return }
        activePerHost[transfer.host, default: 1] -= 1
        var outcome = transfer.finish(code: code)
        let bytes = outcome.body.count
        shared.withLock { state in
            state.held += 1
            state.heldBytes += bytes
        }
        outcome.lease = ResponseLease(multi: self, bytes: bytes)
        let continuation = transfer.continuation
        transfer.continuation = nil
        continuation?.resume(returning: outcome)
    }

    private func abortAll() {
        for handle in Array(active.keys) { complete(handle: handle, code: CURLE_ABORTED_BY_CALLBACK) }
        let pending = shared.withLock { state -> [CurlTransfer] in
            defer { state.pending.removeAll() }
            return state.pending
        }
        for transfer in pending {
            let continuation = transfer.continuation
            transfer.continuation = nil
            continuation?.resume(returning: transfer.finish(code: CURLE_ABORTED_BY_CALLBACK))
        }
    }
}

/// One of `CurlMulti`'s response slots, freed when the last copy of the response holding it goes:
/// a caller that keeps a response while parsing and storing it holds the slot that long, and one
/// that drops it (an error, a redirect hop) frees it at once. Nothing to call, nothing to forget.
final class ResponseLease: Sendable {
    private let multi: CurlMulti
    private let bytes: Int

    fileprivate init(multi: CurlMulti, bytes: Int) {
        self.multi = multi
        self.bytes = bytes
    }

    deinit { multi.release(bytes: bytes) }
}
