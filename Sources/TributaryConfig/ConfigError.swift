/// Every problem found in a configuration file, each with its position.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// One problem.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// File name as given.
        public var file: String
        /// 1-based line (0 when unknown).
        public var line: Int
        /// 1-based column (0 when unknown).
        public var column: Int
        /// What is wrong and what to do.
        public var message: String

        /// "feeds.yaml:12:5: message".
        public var description: String { "\(file):\(line):\(column): \(message)" }
    }

    /// All problems, in file order.
    public var problems: [Problem]

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
