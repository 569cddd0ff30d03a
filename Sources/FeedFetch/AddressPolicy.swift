/// Which IP addresses a fetch may connect to.
///
/// Link-local addresses (169.254.0.0/16 — cloud metadata services — and fe80::/10) are always refused.
/// Loopback, private (RFC 1918, 100.64/10 CGNAT, fc00::/7) and unspecified addresses are refused when
/// `blocksPrivate` is set. IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4 address.
public enum AddressPolicy {
    /// An IPv4 address in host byte order.
    public struct IPv4: CustomStringConvertible, Sendable {
        /// The address as a number.
        public var value: UInt32
        /// Creates an address.
        public init(_ value: UInt32) { self.value = value }
        /// Dotted quad.
        public var description: String {
            "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        }
    }

    /// An IPv6 address as 16 bytes.
    public struct IPv6: CustomStringConvertible, Sendable {
        /// The bytes, network order.
        public var bytes: [UInt8]
        /// Creates an address.
        public init(_ bytes: [UInt8]) { self.bytes = bytes }
        /// The embedded IPv4 address of ::ffff:a.b.c.d and ::a.b.c.d forms.
        var embeddedIPv4: IPv4? {
            guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }) else { return nil }
            let mapped = bytes[10] == 0xFF && bytes[11] == 0xFF
            let compatible = bytes[10] == 0 && bytes[11] == 0 && bytes[12...].contains { $0 != 0 }
                && !(bytes[12...14].allSatisfy { $0 == 0 } && bytes[15] <= 1)
            guard mapped || compatible else { return nil }
            return IPv4(UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15]))
        }
        /// Colon-hex form (uncompressed).
        public var description: String {
            stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
    }

    /// True when a connection to this IPv4 address must be refused.
    public static func isRefused(_ address: IPv4, blocksPrivate: Bool) -> Bool {
        let value = address.value
        if value >> 16 == 0xA9FE { return true }  // 169.254.0.0/16
        guard blocksPrivate else { return false }
        return value >> 24 == 127 || value >> 24 == 10 || value >> 24 == 0 || value >> 20 == 0xAC1  // 172.16/12
            || value >> 16 == 0xC0A8 || value >> 22 == (100 << 2 | 1)  // 192.168/16, 100.64/10
    }

    /// True when a connection to this IPv6 address must be refused.
    public static func isRefused(_ address: IPv6, blocksPrivate: Bool) -> Bool {
        if let ipv4 = address.embeddedIPv4 { return isRefused(ipv4, blocksPrivate: blocksPrivate) }
        let bytes = address.bytes
        guard bytes.count == 16 else { return true }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10
        guard blocksPrivate else { return false }
        let isLoopbackOrUnspecified = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] <= 1
        return isLoopbackOrUnspecified || bytes[0] & 0xFE == 0xFC  // fc00::/7
    }
}
