/// What happened to one source in a run; one object of `tributary fetch --json`.
public struct SourceOutcome: Sendable, Equatable, Codable {
    /// Result of the fetch.
    public enum Status: String, Sendable, Codable {
        case ok
        case notModified = "not_modified"
        case failed
        case gone
        case skipped
        /// The run was stopped (SIGTERM, SIGINT) before this source finished; nothing was recorded for it.
        case interrupted
    }

    /// The configured URL.
    public var url: String
    /// The result.
    public var status: Status
    /// HTTP status of the final response, if any.
    public var httpStatus: Int?
    /// Why it failed, or null.
    public var error: String?
    /// Articles stored for the first time.
    public var newItems: Int
    /// Bytes received (decoded).
    public var bytes: Int

    enum CodingKeys: String, CodingKey {
        case url, status, error, bytes
        case httpStatus = "http_status"
        case newItems = "new_items"
    }

    /// Encodes every key, nulls included, so consumers see a stable shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(status, forKey: .status)
        try container.encode(httpStatus, forKey: .httpStatus)
        try container.encode(error, forKey: .error)
        try container.encode(newItems, forKey: .newItems)
        try container.encode(bytes, forKey: .bytes)
    }
}

/// The result of one run over the configured sources.
public struct RunSummary: Sendable {
    /// One outcome per configured source, in configuration order.
    public var sources: [SourceOutcome]
    /// Operator warnings (permanent redirects, future dates, feeds parsed with problems).
    public var warnings: [String]
    /// Output files that changed.
    public var changedFiles: [String]
    /// The run was stopped by `Aggregator.stop()`; pruning and generation were left to the next run.
    public var wasInterrupted = false

    /// True when any source failed.
    public var hasFailures: Bool { sources.contains { $0.status == .failed } }
}
