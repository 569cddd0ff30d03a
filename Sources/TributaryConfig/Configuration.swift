import Foundation
import TributaryCore

/// Everything feeds.yaml says, validated, with paths made absolute.
public struct Configuration: Sendable {
    /// Absolute path of the file this was loaded from.
    public var path: String
    /// Global settings.
    public var settings: Settings
    /// Categories in file order (an automatic `all` category is added by the generator, not here).
    public var categories: [CategoryConfig]
    /// Sources in file order.
    public var sources: [SourceConfig]

    /// Creates a configuration.
    public init(path: String, settings: Settings, categories: [CategoryConfig], sources: [SourceConfig]) {
        self.path = path
        self.settings = settings
        self.categories = categories
        self.sources = sources
    }
}

/// The `settings:` section.
public struct Settings: Sendable, Equatable {
    /// Absolute path of the SQLite store.
    public var storePath: String
    /// Absolute path of the output directory.
    public var outputPath: String
    /// Public URL of the output directory, ending in "/".
    public var baseURL: String
    /// Title of the site (index page, OPML).
    public var title: String
    /// Host to listen on.
    public var listenHost: String
    /// Port to listen on.
    public var listenPort: Int
    /// Fetcher settings.
    public var fetch: FetchConfig
    /// WebSub hub URL to announce and ping, if any.
    public var websubHub: String?
    /// Store retention and flood guard.
    public var retention = RetentionConfig()

    /// Defaults relative to `directory` (the config file's directory).
    public static func defaults(relativeTo directory: String) -> Settings {
        Settings(
            storePath: directory + "/data/tributary.sqlite", outputPath: directory + "/public",
            baseURL: "http://127.0.0.1:8080/", title: "Tributary", listenHost: "127.0.0.1", listenPort: 8080,
            fetch: FetchConfig(), websubHub: nil)
    }
}

/// The `settings.retention:` section: what the store forgets and what it holds back.
public struct RetentionConfig: Sendable, Equatable {
    /// Articles older than this are pruned (nil: never).
    public var maxAge: Duration? = .seconds(180 * 86_400)
    /// Articles kept per source, newest first (nil: all).
    public var maxPerSource: Int? = 1000
    /// How long pruned articles' keys are remembered.
    public var tombstones: Duration = .seconds(365 * 86_400)
    /// Flood guard: more new items than this at once from an established source are held back.
    public var floodMaxNew = 50
    /// Flood guard: or more than this fraction of a feed's items (feeds of 10 items or more).
    public var floodMaxFraction = 0.8
    /// Window in which two items with the same title and opening words are the same story.
    public var contentWindow: Duration = .seconds(72 * 3600)

    /// Defaults.
    public init() {}
}

/// The `settings.fetch:` section.
public struct FetchConfig: Sendable, Equatable {
    /// Transfers in flight at once.
    public var concurrency = 32
    /// Transfers in flight at once per host.
    public var perHost = 4
    /// Total time for one fetch.
    public var timeout: Duration = .seconds(30)
    /// Time to connect.
    public var connectTimeout: Duration = .seconds(10)
    /// Default (and minimum) time between fetches of a source.
    public var interval: Duration = .seconds(15 * 60)
    /// Longest time between fetches, whatever the feed's hints say.
    public var maxInterval: Duration = .seconds(24 * 3600)
    /// User-Agent; nil means `Tributary/<version> (+<base url>)`.
    public var userAgent: String?
    /// Largest body accepted, after decompression.
    public var maxBodyBytes = 20 * 1024 * 1024
    /// Refuse loopback and private addresses at connect time.
    public var blocksPrivateAddresses = false
    /// Certificate authorities (PEM) to trust instead of the system's; nil: the system's.
    public var caFile: String?

    /// Defaults.
    public init() {}
}

/// How far a category goes to merge duplicate articles.
public enum DedupeLevel: String, Sendable, CaseIterable {
    /// Same source and guid only.
    case id
    /// Also the same canonical URL across sources.
    case url
    /// Also the same normalized title and opening words within a window.
    case content
}

/// One `categories:` entry.
public struct CategoryConfig: Sendable, Equatable {
    /// Categories compare by id and settings; filters by their rules as written.
    public static func == (lhs: CategoryConfig, rhs: CategoryConfig) -> Bool {
        lhs.id == rhs.id && lhs.title == rhs.title && lhs.description == rhs.description && lhs.limit == rhs.limit
            && lhs.dedupe == rhs.dedupe && lhs.matchCategories == rhs.matchCategories && lhs.maxAge == rhs.maxAge
            && lhs.retentionMaxAge == rhs.retentionMaxAge && lhs.retentionMaxCount == rhs.retentionMaxCount
            && lhs.filter.include.map(\.source) == rhs.filter.include.map(\.source)
            && lhs.filter.exclude.map(\.source) == rhs.filter.exclude.map(\.source)
    }

    /// Identifier, used in file names and URLs: `[a-z0-9][a-z0-9_-]*`, at most 64 characters.
    public var id: String
    /// Human title.
    public var title: String
    /// Description for feeds and pages.
    public var description: String
    /// Items per generated feed.
    public var limit: Int
    /// How far to deduplicate.
    public var dedupe: DedupeLevel
    /// Include/exclude rules.
    public var filter: ArticleFilter
    /// Category terms (case-insensitive) that pull an item from any source into this category.
    public var matchCategories: [String]
    /// Articles older than this are left out of the category's documents.
    public var maxAge: Duration?
    /// `retention.max_age`: the category's articles first seen longer ago may be pruned from the store.
    public var retentionMaxAge: Duration?
    /// `retention.max_count`: beyond its newest this many articles, the category's may be pruned.
    /// (An article is pruned only when every category it appears in lets it go.)
    public var retentionMaxCount: Int?
    /// The category has `retention` rules of its own.
    public var hasRetention: Bool { retentionMaxAge != nil || retentionMaxCount != nil }
    /// 1-based line in feeds.yaml.
    public var line: Int

    /// Creates a category.
    public init(
        id: String, title: String, description: String = "", limit: Int = 100, dedupe: DedupeLevel = .content,
        filter: ArticleFilter = ArticleFilter(), matchCategories: [String] = [], maxAge: Duration? = nil, line: Int = 0
    ) {
        self.filter = filter
        self.matchCategories = matchCategories
        self.maxAge = maxAge
        self.id = id
        self.title = title
        self.description = description
        self.limit = limit
        self.dedupe = dedupe
        self.line = line
    }
}

/// One `sources:` entry.
public struct SourceConfig: Sendable, Equatable {
    /// http(s) URL, or an absolute file:// URL for a local source.
    public var url: String
    /// Title override; nil uses the feed's own title.
    public var title: String?
    /// Category ids this source feeds.
    public var categories: [String]
    /// Fetch interval override.
    public var interval: Duration?
    /// Extra request headers.
    public var headers: [String: String]
    /// Basic-auth user.
    public var username: String?
    /// Basic-auth password (from `password` or the variable named by `password_env`).
    public var password: String?
    /// Skip TLS verification.
    public var isInsecure: Bool
    /// 1-based line in feeds.yaml.
    public var line: Int

    /// Creates a source.
    public init(
        url: String, title: String? = nil, categories: [String], interval: Duration? = nil,
        headers: [String: String] = [:], username: String? = nil, password: String? = nil, isInsecure: Bool = false,
        line: Int = 0
    ) {
        self.url = url
        self.title = title
        self.categories = categories
        self.interval = interval
        self.headers = headers
        self.username = username
        self.password = password
        self.isInsecure = isInsecure
        self.line = line
    }
}
