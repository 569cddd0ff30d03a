/// Limits and identity shared by every fetch of a run.
public struct FetchSettings: Sendable {
    /// Transfers in flight at once.
    public var concurrency: Int
    /// Transfers in flight at once to one host.
    public var perHostConcurrency: Int
    /// Time allowed to establish a connection.
    public var connectTimeout: Duration
    /// Time allowed for the whole transfer, redirects included (waiting for a free connection slot is not counted).
    public var totalTimeout: Duration
    /// A transfer slower than `lowSpeedBytesPerSecond` for `lowSpeedTime` is aborted.
    public var lowSpeedBytesPerSecond: Int
    /// See `lowSpeedBytesPerSecond`.
    public var lowSpeedTime: Duration
    /// Largest body accepted, counted after decompression.
    public var maxBodyBytes: Int
    /// Redirects followed at most.
    public var maxRedirects: Int
    /// User-Agent header.
    public var userAgent: String
    /// Refuse loopback and private (RFC 1918, ULA) addresses, checked at connect time on every hop.
    public var blocksPrivateAddresses: Bool
    /// PEM file of certificate authorities to trust instead of the system's (an internal CA); nil: the system's.
    public var caFile: String?
    /// Back-pressure: no transfer starts while this many are running or their responses are still held
    /// by callers (parsing and storing them); nil for eight times `concurrency`. The store commits the
    /// refreshes that wait for it together, in batches of 50–150 on a cold run of 2,000 sources; while
    /// it does, downloads go on into the room left. With four times the concurrency that room was
    /// full at times (every slot held by a parsed response waiting for the store). Six alternating runs
    /// took 7.1–8.4 s (mean 7.9) with four times, 7.2–8.7 s (mean 7.7) with eight; peak RSS went from
    /// 199–209 MB to 203–245 MB.
    public var maxHeldResponses: Int?
    /// Back-pressure on memory: no transfer starts while the bodies held by callers add up to this many
    /// bytes (a few large feeds wait instead of filling memory); never less than twice `maxBodyBytes`.
    public var maxHeldBytes: Int

    /// Creates settings; the defaults are those documented in feeds.yaml.
    public init(
        concurrency: Int = 32, perHostConcurrency: Int = 4, connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(30), lowSpeedBytesPerSecond: Int = 64, lowSpeedTime: Duration = .seconds(15),
        maxBodyBytes: Int = 20 * 1024 * 1024, maxRedirects: Int = 5,
        userAgent: String = "Tributary/\(TributaryVersion.string)", blocksPrivateAddresses: Bool = false,
        caFile: String? = nil, maxHeldResponses: Int? = nil, maxHeldBytes: Int = 64 * 1024 * 1024
    ) {
        self.concurrency = concurrency
        self.perHostConcurrency = perHostConcurrency
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
        self.lowSpeedTime = lowSpeedTime
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
        self.userAgent = userAgent
        self.blocksPrivateAddresses = blocksPrivateAddresses
        self.caFile = caFile
        self.maxHeldResponses = maxHeldResponses
        self.maxHeldBytes = maxHeldBytes
    }
}

/// Tributary's version, used in the User-Agent and `--version`.
public enum TributaryVersion {
    /// Semantic version.
    public static let string = "0.1.0"
}
