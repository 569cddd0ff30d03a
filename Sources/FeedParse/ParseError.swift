/// Why a document could not be read as a feed.
public struct ParseError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        /// The document is empty or only whitespace.
        public static let emptyBody = Code(rawValue: "emptyBody")
        /// The document is well-formed data but not a feed (an HTML page, another XML vocabulary).
        public static let notAFeed = Code(rawValue: "notAFeed")
        /// The bytes could not be parsed at all (binary data, hopeless XML or JSON).
        public static let malformed = Code(rawValue: "malformed")
        /// The document exceeds a parser limit (nesting depth, size).
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// Stable name, as used in logs and JSON.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A message a person can act on.
    public var message: String
    /// Feed URLs an HTML page advertises with `<link rel="alternate">`, when the document was such a page.
    public var discoveredFeeds: [String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, discoveredFeeds: [String] = []) {
        self.code = code
        self.message = message
        self.discoveredFeeds = discoveredFeeds
    }

    /// The message, with discovered feed URLs when there are any.
    public var description: String {
        guard !discoveredFeeds.isEmpty else { return message }
        return message + "; it advertises these feeds: " + discoveredFeeds.joined(separator: ", ")
    }
}
