import Foundation

/// A feed document after parsing, in Tributary's normalized form.
///
/// Every URL is absolute, every date is UTC, titles are plain text and summaries and content are HTML.
public struct ParsedFeed: Sendable, Equatable {
    /// The syndication format and version detected from the document itself.
    public enum Format: String, Sendable, Codable {
        case rss090, rss091, rss092, rss093, rss094, rss20, rss10
        case atom03, atom10
        case json10, json11
    }

    /// The detected format.
    public var format: Format
    /// Feed-level metadata.
    public var metadata: FeedMetadata
    /// Items in document order.
    public var items: [ParsedItem]
    /// Problems that did not stop the parse (recovered XML damage, unparseable dates, charset fallback).
    public var warnings: [String]
    /// Publisher hints for scheduling (RSS ttl, skipHours, sy:updatePeriod).
    public var schedule: ScheduleHints

    /// Creates a parsed feed.
    public init(
        format: Format, metadata: FeedMetadata = FeedMetadata(), items: [ParsedItem] = [], warnings: [String] = [],
        schedule: ScheduleHints = ScheduleHints()
    ) {
        self.format = format
        self.metadata = metadata
        self.items = items
        self.warnings = warnings
        self.schedule = schedule
    }
}

/// Feed-level fields of a parsed document.
public struct FeedMetadata: Sendable, Equatable {
    /// Plain-text title.
    public var title: String?
    /// The alternate (HTML) link.
    public var link: String?
    /// Subtitle or description, as HTML.
    public var subtitle: String?
    /// Feed id (Atom id, JSON Feed feed_url), if any.
    public var id: String?
    /// Language tag.
    public var language: String?
    /// Last update time.
    public var updated: Date?
    /// Copyright statement.
    public var rights: String?
    /// Generator name.
    public var generator: String?
    /// Logo or image URL.
    public var image: String?
    /// Authors of the feed.
    public var authors: [Person]
    /// Self link (the feed's own URL) when the document declares one.
    public var selfLink: String?
    /// WebSub hub link when the document declares one.
    public var hub: String?

    /// Creates empty metadata.
    public init(
        title: String? = nil, link: String? = nil, subtitle: String? = nil, id: String? = nil,
        language: String? = nil, updated: Date? = nil, rights: String? = nil, generator: String? = nil,
        image: String? = nil, authors: [Person] = [], selfLink: String? = nil, hub: String? = nil
    ) {
        self.title = title
        self.link = link
        self.subtitle = subtitle
        self.id = id
        self.language = language
        self.updated = updated
        self.rights = rights
        self.generator = generator
        self.image = image
        self.authors = authors
        self.selfLink = selfLink
        self.hub = hub
    }
}

/// A person named in a feed (author or contributor).
public struct Person: Sendable, Equatable, Hashable, Codable {
    /// Display name.
    public var name: String?
    /// E-mail address.
    public var email: String?
    /// Home page.
    public var uri: String?

    /// Creates a person.
    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }

    /// True when no field is set.
    public var isEmpty: Bool { name == nil && email == nil && uri == nil }
}

/// A media file attached to an item (podcast episode, image).
public struct Enclosure: Sendable, Equatable, Hashable, Codable {
    /// Absolute URL of the file.
    public var url: String
    /// MIME type, if declared.
    public var type: String?
    /// Size in bytes, if declared.
    public var length: Int?

    /// Creates an enclosure.
    public init(url: String, type: String? = nil, length: Int? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

/// One item (RSS item, Atom entry, JSON Feed item) in normalized form.
public struct ParsedItem: Sendable, Equatable {
    /// Stable id: the guid/id when present, else the link, else a hash of title, date and summary.
    public var id: String
    /// True when `id` came from the document (guid or id element) rather than being derived.
    public var hasDocumentID: Bool
    /// Plain-text title.
    public var title: String?
    /// Alternate (HTML) link, absolute.
    public var link: String?
    /// Short description, HTML.
    public var summary: String?
    /// Full content, HTML.
    public var content: String?
    /// First publication time.
    public var published: Date?
    /// Last update time.
    public var updated: Date?
    /// Comments page URL.
    public var comments: String?
    /// Authors.
    public var authors: [Person]
    /// Category terms.
    public var categories: [String]
    /// Attached media.
    public var enclosures: [Enclosure]
    /// The original article URL when a proxy (FeedBurner) rewrote `link`.
    public var originalLink: String?
    /// Image or thumbnail URL (media:thumbnail, itunes:image, JSON Feed image).
    public var image: String?

    /// Creates an item.
    ///
    /// Inlinable: compiled in another module, the call copied the new item once over (a retain and a
    /// release per field) before the parser had set a field of it.
    @inlinable
    public init(
        id: String = "", hasDocumentID: Bool = false, title: String? = nil, link: String? = nil,
        summary: String? = nil, content: String? = nil, published: Date? = nil, updated: Date? = nil,
        comments: String? = nil, authors: [Person] = [], categories: [String] = [], enclosures: [Enclosure] = [],
        originalLink: String? = nil, image: String? = nil
    ) {
        self.id = id
        self.hasDocumentID = hasDocumentID
        self.title = title
        self.link = link
        self.summary = summary
        self.content = content
        self.published = published
        self.updated = updated
        self.comments = comments
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
        self.originalLink = originalLink
        self.image = image
    }
}

/// Publisher hints that influence when a feed is fetched next.
public struct ScheduleHints: Sendable, Equatable {
    /// RSS `<ttl>` in minutes.
    public var ttlMinutes: Int?
    /// Seconds between updates announced with sy:updatePeriod / sy:updateFrequency.
    public var updateIntervalSeconds: Int?
    /// Hours (0–23, GMT) in which the feed should not be fetched (RSS skipHours).
    public var skipHours: Set<Int>
    /// Days ("Monday"…) in which the feed should not be fetched (RSS skipDays).
    public var skipDays: Set<String>

    /// Creates hints.
    public init(
        ttlMinutes: Int? = nil, updateIntervalSeconds: Int? = nil, skipHours: Set<Int> = [], skipDays: Set<String> = []
    ) {
        self.ttlMinutes = ttlMinutes
        self.updateIntervalSeconds = updateIntervalSeconds
        self.skipHours = skipHours
        self.skipDays = skipDays
    }
}
