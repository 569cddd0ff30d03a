/// Why a fetch failed.
public struct FetchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure, stable for logs, JSON and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// Stable name.
        public let rawValue: String
        /// The decoded body passed the size limit (or Content-Length declared more), or the headers passed 256 KiB.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// Connect, total or low-speed timeout.
        public static let timeout = Code(rawValue: "timeout")
        /// More redirects than allowed, or a loop.
        public static let tooManyRedirects = Code(rawValue: "tooManyRedirects")
        /// A URL or redirect target with a scheme other than http/https.
        public static let blockedScheme = Code(rawValue: "blockedScheme")
        /// A link-local (or, when configured, private or loopback) address was refused.
        public static let blockedAddress = Code(rawValue: "blockedAddress")
        /// The host name did not resolve.
        public static let dns = Code(rawValue: "dns")
        /// The TCP connection could not be made.
        public static let connect = Code(rawValue: "connect")
        /// TLS handshake or certificate verification failed.
        public static let tls = Code(rawValue: "tls")
        /// The transfer ended before the declared length.
        public static let partial = Code(rawValue: "partial")
        /// The server answered with an HTTP error status.
        public static let httpStatus = Code(rawValue: "httpStatus")
        /// The body was empty.
        public static let emptyBody = Code(rawValue: "emptyBody")
        /// The body used a content encoding that could not be decoded.
        public static let badEncoding = Code(rawValue: "badEncoding")
        /// A local file source could not be read.
        public static let file = Code(rawValue: "file")
        /// The URL is malformed.
        public static let badURL = Code(rawValue: "badURL")
        /// The transfer was cancelled (shutdown).
        public static let cancelled = Code(rawValue: "cancelled")
        /// Any other transport failure.
        public static let transport = Code(rawValue: "transport")
        /// The stable name.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The URL whose fetch failed.
    public var url: String
    /// A message a person can act on.
    public var message: String
    /// HTTP status, when a response was received.
    public var httpStatus: Int?

    /// Creates an error.
    public init(_ code: Code, url: String, _ message: String, httpStatus: Int? = nil) {
        self.code = code
        self.url = url
        self.message = message
        self.httpStatus = httpStatus
    }

    /// The message.
    public var description: String { message }
}
