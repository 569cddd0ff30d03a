/// One source to fetch, with what the store remembers about it.
public struct FetchRequest: Sendable {
    /// http(s) URL, or a file:// URL of a local source.
    public var url: String
    /// ETag from the last 200 response, sent as If-None-Match.
    public var etag: String?
    /// Last-Modified from the last 200 response, sent as If-Modified-Since.
    public var lastModified: String?
    /// Extra request headers (name, value).
    public var headers: [(String, String)]
    /// Basic-auth user name.
    public var username: String?
    /// Basic-auth password.
    public var password: String?
    /// Skip TLS verification for this source (logged as a warning by the caller).
    public var isInsecure: Bool
    /// An `application/x-www-form-urlencoded` body: when set, the request is a POST (WebSub pings).
    public var formBody: String?

    /// Creates a request.
    public init(
        url: String, etag: String? = nil, lastModified: String? = nil, headers: [(String, String)] = [],
        username: String? = nil, password: String? = nil, isInsecure: Bool = false, formBody: String? = nil
    ) {
        self.formBody = formBody
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.headers = headers
        self.username = username
        self.password = password
        self.isInsecure = isInsecure
    }
}

/// What a fetch returned.
public struct FetchResponse: Sendable {
    /// HTTP status of the final response (200 for a local file).
    public var status: Int
    /// URL after redirects.
    public var finalURL: String
    /// Decoded body; empty for 304.
    public var body: [UInt8]
    /// ETag of the response.
    public var etag: String?
    /// Last-Modified of the response.
    public var lastModified: String?
    /// Content-Type of the response.
    public var contentType: String?
    /// Charset parameter of Content-Type.
    public var charset: String?
    /// Seconds from Retry-After (429/503), if given.
    public var retryAfterSeconds: Int?
    /// Freshness lifetime from Cache-Control max-age or Expires, in seconds.
    public var maxAgeSeconds: Int?
    /// The new URL when the chain contained only permanent redirects (301/308).
    public var permanentRedirect: String?
    /// Bytes received after decoding.
    public var bytes: Int { body.count }
    /// The fetcher's slot for this response, freed when the last copy of the response goes (see
    /// `CurlMulti`): keep the response while its body is being parsed and stored.
    var lease: ResponseLease?

    /// Creates a response.
    public init(
        status: Int, finalURL: String, body: [UInt8], etag: String? = nil, lastModified: String? = nil,
        contentType: String? = nil, charset: String? = nil, retryAfterSeconds: Int? = nil, maxAgeSeconds: Int? = nil,
        permanentRedirect: String? = nil
    ) {
        self.status = status
        self.finalURL = finalURL
        self.body = body
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.charset = charset
        self.retryAfterSeconds = retryAfterSeconds
        self.maxAgeSeconds = maxAgeSeconds
        self.permanentRedirect = permanentRedirect
    }

    /// True for 304.
    public var isNotModified: Bool { status == 304 }
}
