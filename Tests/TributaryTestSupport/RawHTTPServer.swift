import Foundation
import Glibc
import Synchronization

/// A raw TCP server on 127.0.0.1 that answers each path with a byte-level script, for hostile-network tests.
///
/// Unlike `FixtureServer`, nothing here speaks HTTP for the test: a route is a list of steps that
/// write exact bytes, wait, drip bytes slowly or stream until the client hangs up, and the
/// connection closes when the script ends. One thread accepts; each connection gets its own
/// thread. `stop()` wakes every wait, shuts down open connections and joins all threads; call it
/// at the end of every test (the threads keep the server alive until then).
public final class RawHTTPServer: Sendable {
    /// One step of a route's script.
    public enum Step: Sendable {
        /// Writes the bytes at once.
        case write([UInt8])
        /// Waits (ended early by `stop()`).
        case sleep(Duration)
        /// Writes the bytes one at a time, waiting `every` after each.
        case drip([UInt8], every: Duration)
        /// Writes the bytes again and again until the client closes or `maxBytes` have been sent.
        case repeatUntilClosed([UInt8], maxBytes: Int)
        /// Writes the bytes the closure returns when the step runs (a reply that changes between requests).
        case dynamic(@Sendable () -> [UInt8])
    }

    private struct State {
        var isStopped = false
        var connections: Set<Int32> = []
        var threads: [JoinableThread] = []
        var counts: [String: Int] = [:]
        var lastHeads: [String: String] = [:]
        var accepted = 0
    }

    /// Address the server listens on (any of 127.0.0.0/8 works on Linux, for a second "host").
    public let host: String
    /// Port the server listens on.
    public let port: Int
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let routes: [String: [Step]]
    private let state = Mutex(State())
    private let acceptor = Mutex<JoinableThread?>(nil)

    /// Base URL, "http://HOST:PORT".
    public var baseURL: String { "http://\(host):\(port)" }

    /// Starts listening on an ephemeral port; unknown paths get a 404.
    ///
    /// - Parameters:
    ///   - host: IPv4 address to bind.
    ///   - routes: path (without query) → script.
    /// - Throws: `POSIXError` when the socket cannot be set up.
    public init(host: String = "127.0.0.1", routes: [String: [Step]]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(listener)
            throw POSIXError(.EINVAL)
        }
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 64) == 0
                    && getsockname(listener, generic, &length) == 0
            }
        }
        var pipeEnds: [Int32] = [0, 0]
        guard bound, pipe(&pipeEnds) == 0 else {
            let code = errno
            close(listener)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        self.listener = listener
        self.host = host
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.wakeRead = pipeEnds[0]
        self.wakeWrite = pipeEnds[1]
        self.routes = routes
        let thread = JoinableThread { [self] in acceptLoop() }
        acceptor.withLock { $0 = thread }
    }

    /// Requests seen for a path.
    public func requestCount(_ path: String) -> Int { state.withLock { $0.counts[path] ?? 0 } }

    /// TCP connections accepted so far, whatever they sent: zero proves a client never connected.
    public var connectionCount: Int { state.withLock { $0.accepted } }

    /// The head (request line and headers) of the last request for a path, as text.
    public func lastRequestHead(_ path: String) -> String? { state.withLock { $0.lastHeads[path] } }

    /// Waits until the server has read a request for `path`; false after `timeout`.
    public func waitForRequest(_ path: String, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while requestCount(path) == 0 {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Stops accepting, ends every script, closes all sockets and joins all threads. Idempotent.
    public func stop() {
        let alreadyStopped = state.withLock { state -> Bool in
            defer { state.isStopped = true }
            for connection in state.connections { shutdown(connection, Int32(SHUT_RDWR)) }
            return state.isStopped
        }
        guard !alreadyStopped else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // Never read: every later poll on wakeRead returns at once.
        acceptor.withLock { $0 }?.join()
        for thread in state.withLock({ $0.threads }) { thread.join() }
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    // MARK: - Server threads

    private func acceptLoop() {
        while wait(for: listener, timeout: nil) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            // Registered before its thread starts, so the thread's close always follows the insert.
            let isStopped = state.withLock { state -> Bool in
                state.connections.insert(connection)
                state.accepted += 1
                return state.isStopped
            }
            if isStopped { shutdown(connection, Int32(SHUT_RDWR)) }
            let thread = JoinableThread { [self] in serve(connection) }
            state.withLock { $0.threads.append(thread) }
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            state.withLock { state in
                state.connections.remove(connection)
                close(connection)  // Under the lock, so `stop()` never shuts down a reused descriptor.
            }
        }
        guard let (path, head) = readRequestHead(connection) else { return }
        state.withLock { state in
            state.counts[path, default: 0] += 1
            state.lastHeads[path] = head
        }
        let script = routes[path] ?? [.write(Self.head(404, [("Content-Length", "0")]))]
        for step in script {
            guard run(step, on: connection) else { return }
        }
    }

    /// Runs one step; false when the client went away or the server is stopping.
    private func run(_ step: Step, on connection: Int32) -> Bool {
        switch step {
        case .write(let bytes):
            return send(bytes, to: connection)
        case .dynamic(let bytes):
            return send(bytes(), to: connection)
        case .sleep(let duration):
            return !wait(for: nil, timeout: duration)
        case .drip(let bytes, let interval):
            for byte in bytes {
                guard send([byte], to: connection), !wait(for: nil, timeout: interval) else { return false }
            }
            return true
        case .repeatUntilClosed(let bytes, let maxBytes):
            var sent = 0
            while sent < maxBytes, !isStopped {
                guard send(bytes, to: connection) else { return false }
                sent += bytes.count
            }
            return !isStopped
        }
    }

    private var isStopped: Bool { state.withLock { $0.isStopped } }

    /// Reads up to the blank line ending the request head; returns the request line's path and the head.
    private func readRequestHead(_ connection: Int32) -> (path: String, head: String)? {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        while head.count < 65_536 {
            guard wait(for: connection, timeout: .seconds(5)) else { return nil }
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            head += buffer[0..<count]
            if head.count >= 4, head.suffix(4).elementsEqual(terminator) { break }
        }
        let text = String(decoding: head, as: UTF8.self)
        let requestLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        return (String(parts[1].prefix { $0 != "?" }), text)
    }

    private func send(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Polls `descriptor` (if any) together with the stop pipe.
    ///
    /// - Returns: with a descriptor, true when it is readable and the server is not stopping;
    ///   without one, true when the server is stopping (the wait was cut short).
    private func wait(for descriptor: Int32?, timeout: Duration?) -> Bool {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let descriptor { fds.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)) }
        let milliseconds =
            timeout.map { Int32($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }
            ?? -1
        var result: Int32
        repeat { result = poll(&fds, nfds_t(fds.count), milliseconds) } while result < 0 && errno == EINTR
        let stopping = fds[0].revents != 0
        if descriptor == nil { return stopping }
        return !stopping && result > 0 && fds[1].revents != 0
    }

    // MARK: - Building responses

    /// A response head with `Connection: close` appended: "HTTP/1.1 STATUS Reason", the headers, a blank line.
    public static func head(_ status: Int = 200, _ headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// A whole response with a correct Content-Length, written at once.
    public static func response(_ status: Int = 200, headers: [(String, String)] = [], body: [UInt8]) -> [Step] {
        [.write(head(status, headers + [("Content-Length", String(body.count))]) + body)]
    }

    /// One chunk of a `Transfer-Encoding: chunked` body.
    public static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + Array("\r\n".utf8)
    }
}

/// A POSIX thread that can be joined (Foundation's `Thread` cannot).
///
/// `@unchecked Sendable`: it holds only the `pthread_t` value; `join()` is called once, by `stop()`.
private struct JoinableThread: @unchecked Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private var thread = pthread_t()

    init(_ run: @escaping @Sendable () -> Void) {
        // The body is retained here and released by the new thread when it starts.
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        precondition(created == 0, "pthread_create failed: \(created)")
    }

    func join() { pthread_join(thread, nil) }
}
