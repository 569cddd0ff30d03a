import Foundation
import TributaryCore

/// An article as stored and published.
public struct StoredArticle: Sendable, Equatable {
    /// Row id.
    public var rowID: Int64
    /// Stable id used in generated feeds (`urn:uuid:…`); never changes once assigned.
    public var outputID: String
    /// Plain-text title.
    public var title: String?
    /// Article link.
    public var link: String?
    /// Sanitized summary HTML.
    public var summary: String?
    /// Sanitized content HTML.
    public var content: String?
    /// Publication time as given by the source.
    public var published: Date?
    /// Update time as given by the source.
    public var updated: Date?
    /// When Tributary first saw it.
    public var firstSeen: Date
    /// The time it is ordered by (published, else updated, else first seen; clamped to first seen when in the future).
    public var sortDate: Date
    /// Authors.
    public var authors: [Person]
    /// Category terms.
    public var categories: [String]
    /// Media attachments.
    public var enclosures: [Enclosure]
    /// Image URL.
    public var image: String?
    /// The source it is attributed to first (the original publisher when known).
    public var primarySource: SourceRef
    /// Every source that carried it, primary first.
    public var sources: [SourceRef]
    /// Which dedup rule last matched it ("new", "id", "url", "content").
    public var dedupRule: String
}

/// A reference to a source, for attribution.
public struct SourceRef: Sendable, Equatable, Hashable {
    /// Row id.
    public var rowID: Int64
    /// Feed URL.
    public var url: String
    /// Title (configured, else the feed's own).
    public var title: String?
    /// Site link of the feed.
    public var siteLink: String?
}

/// What the store remembers about a source between runs.
public struct SourceState: Sendable, Equatable {
    /// Row id.
    public var rowID: Int64
    /// Feed URL as configured.
    public var url: String
    /// Title from the feed.
    public var title: String?
    /// Site link from the feed.
    public var siteLink: String?
    /// ETag of the last 200.
    public var etag: String?
    /// Last-Modified of the last 200.
    public var lastModified: String?
    /// "new", "ok", "failed" or "gone".
    public var status: String
    /// Last HTTP status seen.
    public var httpStatus: Int?
    /// Last successful fetch.
    public var lastSuccess: Date?
    /// Last attempt.
    public var lastAttempt: Date?
    /// Last error message.
    public var lastError: String?
    /// Failures in a row.
    public var consecutiveFailures: Int
    /// Not fetched before this time.
    public var nextFetch: Date?
    /// URL recorded after a permanent redirect.
    public var redirectedURL: String?
    /// Articles attributed to this source.
    public var articleCount: Int
}

/// Counts of one ingest.
public struct IngestResult: Sendable, Equatable {
    /// Articles stored for the first time.
    public var inserted = 0
    /// Articles whose title, content or update time changed.
    public var updated = 0
    /// Items merged into an existing article, by rule ("id", "url", "content").
    public var duplicates: [String: Int] = [:]
    /// Items held back by the flood guard.
    public var held = 0
    /// Warnings for the operator (future dates, flood guard).
    public var warnings: [String] = []

    /// Creates an empty result.
    public init() {}
}
