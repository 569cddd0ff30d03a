import CCurl
import Foundation
import TributaryCore

/// Fetches feeds over HTTP(S) through libcurl, or from local files, honouring Tributary's limits.
///
/// Redirects are followed here, one hop at a time, so that every hop is checked: at most
/// `maxRedirects`, only http and https targets, and the connect-time address policy applies to
/// each. A chain of only permanent redirects (301, 308) is reported in `permanentRedirect`.
public final class FeedFetcher: Sendable {
    private let settings: FetchSettings
    private let multi: CurlMulti

    /// Initializes libcurl; call once from `main` before any thread starts.
    public static func initializeLibrary() {
        curl_global_init(tributary_curl_global_default)
    }

    /// Version string of the linked libcurl ("libcurl/7.88.1 OpenSSL/3.0 zlib brotli zstd nghttp2").
    public static var libraryVersion: String { String(cString: curl_version()) }

    /// Creates a fetcher with its own connection pool and driver thread.
    public init(settings: FetchSettings) {
        self.settings = settings
        // Room for two of the largest bodies: a caller that keeps one response while it fetches another
        // (following a page to its feed) never waits on itself.
        let twoBodies = settings.maxBodyBytes.multipliedReportingOverflow(by: 2)
        self.multi = CurlMulti(
            concurrency: settings.concurrency, perHostConcurrency: settings.perHostConcurrency,
            maxHeld: settings.maxHeldResponses ?? settings.concurrency * 8,
            maxHeldBytes: max(settings.maxHeldBytes, twoBodies.overflow ? .max : twoBodies.partialValue))
    }

    deinit {
        multi.close()
    }

    /// Aborts the transfers in flight and refuses new ones with `FetchError.Code.cancelled` (shutdown;
    /// cannot be undone).
    public func stop() {
        multi.close()
    }

    /// Fetches a URL without validators (for `tributary parse URL` and discovery).
    public func fetchOnce(url: String) async throws(FetchError) -> FetchResponse {
        let response = try await fetch(FetchRequest(url: url))
        guard (200..<300).contains(response.status) else {
            throw FetchError(.httpStatus, url: url, "HTTP \(response.status)", httpStatus: response.status)
        }
        return response
    }

    /// Fetches one source.
    ///
    /// - Returns: the final response. Statuses other than 2xx and 304 are returned too (the caller
    ///   decides between gone, backoff and retry-after), with whatever body came.
    /// - Throws: `FetchError` for transport failures, limits, refused redirects and empty bodies.
    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResponse {
        if request.url.hasPrefix("file://") { return try readFile(request.url) }
        var currentURL = request.url
        var current = request
        var onlyPermanent = true
        var visited: Set<String> = [currentURL]
        // The total timeout covers the whole chain: each hop gets what the earlier ones left.
        // Time spent queued for a free slot in `CurlMulti` is not the server's and does not count.
        var remaining = settings.totalTimeout
        for hop in 0...settings.maxRedirects {
            guard let scheme = URLReference.scheme(of: currentURL), scheme == "http" || scheme == "https" else {
                throw FetchError(.blockedScheme, url: request.url, "refused to fetch \(Self.redacted(currentURL)): only http and https are allowed")
            }
            let host = Self.connectionKey(of: currentURL)
            guard remaining > .zero else {
                let message = "timed out: redirects used up the \(settings.totalTimeout) total timeout"
                throw FetchError(.timeout, url: request.url, message)
            }
            guard
                let transfer = CurlTransfer(
                    url: currentURL, host: host, request: current, settings: settings, timeout: remaining)
            else {
                throw FetchError(.transport, url: request.url, "could not create a libcurl handle")
            }
            let outcome = await multi.perform(transfer)
            remaining -= outcome.elapsed
            if let error = Self.error(for: outcome, url: request.url, settings: settings) { throw error }
            let headers = ResponseHeaders(outcome.headers)
            if [301, 302, 303, 307, 308].contains(outcome.status), let location = headers["location"] {
                let target = URLReference.resolve(location, against: currentURL)
                if hop == settings.maxRedirects || visited.contains(target) {
                    let what = visited.contains(target) ? "a redirect loop" : "more than \(settings.maxRedirects) redirects"
                    throw FetchError(.tooManyRedirects, url: request.url, "stopped after \(what) (last: \(Self.redacted(target)))", httpStatus: outcome.status)
                }
                if outcome.status != 301 && outcome.status != 308 { onlyPermanent = false }
                visited.insert(target)
                currentURL = target
                current.url = target
                // Validators belong to the original URL's representation; keep them, they are harmless elsewhere.
                continue
            }
            return try Self.response(from: outcome, headers: headers, finalURL: currentURL, original: request.url, permanent: onlyPermanent && currentURL != request.url)
        }
        throw FetchError(.tooManyRedirects, url: request.url, "more than \(settings.maxRedirects) redirects")
    }

    private static func response(
        from outcome: CurlTransfer.Outcome, headers: ResponseHeaders, finalURL: String, original: String, permanent: Bool
    ) throws(FetchError) -> FetchResponse {
        let contentType = headers["content-type"]
        let serverDate = headers.serverDate
        var response = FetchResponse(
            status: outcome.status, finalURL: finalURL, body: outcome.body, etag: headers["etag"],
            lastModified: headers["last-modified"], contentType: contentType,
            charset: contentType.flatMap(ResponseHeaders.charset),
            retryAfterSeconds: headers["retry-after"].flatMap { ResponseHeaders.retryAfterSeconds($0, serverDate: serverDate) },
            maxAgeSeconds: ResponseHeaders.maxAgeSeconds(
                cacheControl: headers["cache-control"], expires: headers["expires"], serverDate: serverDate,
                age: headers["age"]),
            permanentRedirect: permanent ? finalURL : nil)
        if response.status == 200, response.body.isEmpty {
            throw FetchError(.emptyBody, url: original, "the server answered 200 with an empty body", httpStatus: 200)
        }
        if response.status == 304 { response.body = [] }
        response.lease = outcome.lease
        return response
    }

    private func readFile(_ url: String) throws(FetchError) -> FetchResponse {
        let path = String(url.dropFirst("file://".count)).removingPercentEncoding ?? String(url.dropFirst(7))
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw FetchError(.file, url: url, "cannot read \(path): no such file")
        }
        if let size = attributes[.size] as? Int, size > settings.maxBodyBytes {
            throw FetchError(.tooLarge, url: url, "\(path) is \(size) bytes, over the \(settings.maxBodyBytes)-byte limit")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FetchError(.file, url: url, "cannot read \(path)")
        }
        if data.isEmpty { throw FetchError(.emptyBody, url: url, "\(path) is empty") }
        return FetchResponse(status: 200, finalURL: url, body: [UInt8](data))
    }

    /// What the per-host limit counts by: host and port ("example.org:443"), so two servers on one
    /// host name but different ports are limited separately, and explicit default ports match.
    static func connectionKey(of url: String) -> String {
        let port = URLReference.port(of: url) ?? (URLReference.scheme(of: url) == "https" ? 443 : 80)
        return (URLReference.host(of: url) ?? "") + ":" + String(port)
    }

    /// URL without userinfo, for messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let authorityEnd = url[schemeEnd.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < authorityEnd else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(url[url.index(after: at)...])
    }

    static func error(for outcome: CurlTransfer.Outcome, url: String, settings: FetchSettings) -> FetchError? {
        let code = outcome.code
        if code == CURLE_OK { return nil }
        let status = outcome.status == 0 ? nil : outcome.status
        let detail = outcome.errorText.isEmpty ? String(cString: curl_easy_strerror(code)) : outcome.errorText
        if outcome.exceededHeaderLimit {
            let message = "response headers exceeded \(CurlTransfer.maxHeaderBytes) bytes; transfer stopped"
            return FetchError(.tooLarge, url: url, message, httpStatus: status)
        }
        if outcome.exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return FetchError(.tooLarge, url: url, "body exceeded \(settings.maxBodyBytes) bytes after decompression; transfer stopped", httpStatus: status)
        }
        if let address = outcome.blockedAddress {
            return FetchError(.blockedAddress, url: url, "refused to connect to \(address): address not allowed", httpStatus: status)
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return FetchError(.timeout, url: url, "timed out: \(detail)", httpStatus: status)
        case CURLE_COULDNT_RESOLVE_HOST:
            return FetchError(.dns, url: url, "host not found: \(detail)")
        case CURLE_COULDNT_CONNECT:
            return FetchError(.connect, url: url, "could not connect: \(detail)")
        case CURLE_PARTIAL_FILE:
            return FetchError(.partial, url: url, "the transfer ended early: \(detail)", httpStatus: status)
        case CURLE_BAD_CONTENT_ENCODING:
            return FetchError(.badEncoding, url: url, "could not decode the body: \(detail)", httpStatus: status)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return FetchError(.blockedScheme, url: url, "refused: \(detail)")
        case CURLE_URL_MALFORMAT:
            return FetchError(.badURL, url: url, "malformed URL: \(detail)")
        case CURLE_ABORTED_BY_CALLBACK:
            return FetchError(.cancelled, url: url, "the fetch was cancelled")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return FetchError(.tls, url: url, "TLS failed: \(detail)")
        default:
            return FetchError(.transport, url: url, "\(detail) (curl error \(code.rawValue))", httpStatus: status)
        }
    }
}
