import Foundation
import Glibc

/// A port on 127.0.0.1 that never completes a TCP handshake, for connect-timeout tests.
///
/// A listening socket with a backlog of 0 that never accepts: once one connection fills its
/// queue, Linux drops further SYNs, so a client's `connect` hangs until its own timeout.
public final class BlackholePort: Sendable {
    /// The port that swallows connection attempts.
    public let port: Int
    private let listener: Int32
    private let filler: Int32

    /// Base URL, "http://127.0.0.1:PORT".
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Opens the listener and fills its queue.
    ///
    /// - Throws: `POSIXError` when a socket cannot be set up.
    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let isReady =
            listener >= 0 && filler >= 0
            && withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    bind(listener, generic, length) == 0 && listen(listener, 0) == 0
                        && getsockname(listener, generic, &length) == 0 && connect(filler, generic, length) == 0
                }
            }
        guard isReady else {
            let code = errno
            close(listener)
            close(filler)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        self.listener = listener
        self.filler = filler
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(filler)
        close(listener)
    }
}
