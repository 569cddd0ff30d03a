import Foundation

/// How the store guards, deduplicates and forgets.
public struct StorePolicy: Sendable, Equatable {
    /// Two items further apart than this never match by content fingerprint.
    public var contentWindow: TimeInterval
    /// A source with history that suddenly brings more new items than this is held back.
    public var floodMaxNew: Int
    /// …or more than this fraction of its items (when it has at least `floodMinItems`).
    public var floodMaxFraction: Double
    /// Feeds with fewer items are never judged by fraction.
    public var floodMinItems: Int
    /// Articles first seen longer ago than this are pruned; nil keeps them forever.
    public var maxAge: TimeInterval?
    /// At most this many articles are kept per source (newest first); nil keeps all.
    public var maxPerSource: Int?
    /// Pruned articles' keys are remembered this long, so a reappearing old item is not new again.
    public var tombstoneLifetime: TimeInterval

    /// The defaults documented in README.md.
    public init(
        contentWindow: TimeInterval = 72 * 3600, floodMaxNew: Int = 50, floodMaxFraction: Double = 0.8,
        floodMinItems: Int = 10, maxAge: TimeInterval? = 180 * 86_400, maxPerSource: Int? = 1000,
        tombstoneLifetime: TimeInterval = 365 * 86_400
    ) {
        self.contentWindow = contentWindow
        self.floodMaxNew = floodMaxNew
        self.floodMaxFraction = floodMaxFraction
        self.floodMinItems = floodMinItems
        self.maxAge = maxAge
        self.maxPerSource = maxPerSource
        self.tombstoneLifetime = tombstoneLifetime
    }
}
