import Foundation

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

    /// Creates a value.
    public init(rowID: Int64, outputID: String, title: String?, link: String?, summary: String?, content: String?, published: Date?, updated: Date?, firstSeen: Date, sortDate: Date, authors: [Person], categories: [String], enclosures: [Enclosure], image: String?, primarySource: SourceRef, sources: [SourceRef], dedupRule: String) {
        self.rowID = rowID
        self.outputID = outputID
        self.title = title
        self.link = link
        self.summary = summary
        self.content = content
        self.published = published
        self.updated = updated
        self.firstSeen = firstSeen
        self.sortDate = sortDate
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
        self.image = image
        self.primarySource = primarySource
        self.sources = sources
        self.dedupRule = dedupRule
    }
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

    /// Creates a value.
    public init(rowID: Int64, url: String, title: String?, siteLink: String?) {
        self.rowID = rowID
        self.url = url
        self.title = title
        self.siteLink = siteLink
    }
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

    /// Creates a value.
    public init(rowID: Int64, url: String, title: String?, siteLink: String?, etag: String?, lastModified: String?, status: String, httpStatus: Int?, lastSuccess: Date?, lastAttempt: Date?, lastError: String?, consecutiveFailures: Int, nextFetch: Date?, redirectedURL: String?, articleCount: Int) {
        self.rowID = rowID
        self.url = url
        self.title = title
        self.siteLink = siteLink
        self.etag = etag
        self.lastModified = lastModified
        self.status = status
        self.httpStatus = httpStatus
        self.lastSuccess = lastSuccess
        self.lastAttempt = lastAttempt
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.nextFetch = nextFetch
        self.redirectedURL = redirectedURL
        self.articleCount = articleCount
    }
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
