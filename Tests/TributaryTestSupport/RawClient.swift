import Foundation

/// A plain TCP client for tests that must misbehave: drip bytes, send oversized headers, hold
/// connections open, or vanish mid-response.
public final class RawClient: @unchecked Sendable {
    // Used from one test task at a time.
    private let descriptor: Int32

    /// Connects to 127.0.0.1:port; `receiveBufferBytes` caps the socket's receive buffer (a slow reader
    /// then keeps the server's data waiting on the server's side).
    public init(port: Int, receiveBufferBytes: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBufferBytes {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "connect failed: errno \(errno)"])
        }
    }

    deinit { close(descriptor) }

    /// Sends bytes; false when the peer has closed.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads exactly up to `count` bytes at most, waiting up to `timeout`; what arrived (empty when closed).
    public func readSome(_ count: Int, timeout: Duration) -> [UInt8] {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, max(1, milliseconds)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return received > 0 ? Array(buffer[..<received]) : []
    }

    /// Closes the sending side (half-close): the peer reads end of input, and can still answer.
    public func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads until the peer closes, `marker` has arrived, or `timeout` passes; returns what arrived
    /// and whether the peer closed.
    public func read(until marker: String? = nil, timeout: Duration) -> (data: String, closed: Bool) {
        var collected = [UInt8]()
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let remaining = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&poller, 1, milliseconds) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (String(decoding: collected, as: UTF8.self), true) }
            collected += buffer[0..<count]
            if let marker, String(decoding: collected, as: UTF8.self).contains(marker) {
                return (String(decoding: collected, as: UTF8.self), false)
            }
        }
        return (String(decoding: collected, as: UTF8.self), false)
    }
}
