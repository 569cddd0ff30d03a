/// Why the store could not be opened or written.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// Stable name.
        public let rawValue: String
        /// The file is not a database or is damaged.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The file or its directory is not writable.
        public static let readOnly = Code(rawValue: "readOnly")
        /// The database was written by a newer Tributary.
        public static let newerSchema = Code(rawValue: "newerSchema")
        /// The disk is full.
        public static let full = Code(rawValue: "full")
        /// Another process held the database too long.
        public static let busy = Code(rawValue: "busy")
        /// Anything else SQLite reported.
        public static let sqlite = Code(rawValue: "sqlite")
        /// The stable name.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The database file.
    public var path: String
    /// What happened and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// "PATH: message".
    public var description: String { "\(path): \(message)" }
}
