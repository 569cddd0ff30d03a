import CCurl
import Foundation

/// One HTTP exchange (one hop of a redirect chain) on a libcurl easy handle.
///
/// `@unchecked Sendable`: after `CurlMulti.submit` the transfer is touched only on the multi
/// thread (callbacks and completion); the submitting task only reads `outcome` after the
/// continuation resumes, which happens-after the last write.
final class CurlTransfer: @unchecked Sendable {
    struct Outcome: Sendable {
        var code: CURLcode
        var status: Int
        var headers: [String]
        var body: [UInt8]
        var exceededLimit: Bool
        var blockedAddress: String?
        var errorText: String
        var primaryIP: String
        /// The response headers passed `maxHeaderBytes`.
        var exceededHeaderLimit: Bool
        /// Time libcurl spent on this hop, from start to completion (queueing in `CurlMulti` excluded).
        var elapsed: Duration
        /// Holds one of `CurlMulti`'s response slots while the body is being used (see `ResponseLease`).
        var lease: ResponseLease? = nil
    }

    /// Most header bytes accepted per response, below libcurl's own 300 KB limit (which only patched
    /// 7.88 builds have, CVE-2023-38039), so an endless header stream stops here with a clear error.
    static let maxHeaderBytes = 256 * 1024

    let url: String
    let host: String
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    private let maxBodyBytes: Int
    private let blocksPrivateAddresses: Bool
    var body: [UInt8] = []
    var headers: [String] = []
    var exceededLimit = false
    var headerBytes = 0
    var exceededHeaderLimit = false
    var blockedAddress: String?
    var continuation: CheckedContinuation<Outcome, Never>?

    /// - Parameter timeout: time allowed for this hop: what is left of `settings.totalTimeout`.
    init?(url: String, host: String, request: FetchRequest, settings: FetchSettings, timeout: Duration) {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.url = url
        self.host = host
        self.maxBodyBytes = settings.maxBodyBytes
        self.blocksPrivateAddresses = settings.blocksPrivateAddresses
        configure(request: request, settings: settings, timeout: timeout)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    private func configure(request: FetchRequest, settings: FetchSettings, timeout: Duration) {
        setString(CURLOPT_URL, url)
        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_FOLLOWLOCATION, 0)  // Redirects are followed by FeedFetcher, hop by hop.
        setString(CURLOPT_PROTOCOLS_STR, "http,https")
        setString(CURLOPT_ACCEPT_ENCODING, "")  // Everything the linked libcurl decodes.
        setString(CURLOPT_USERAGENT, settings.userAgent)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeout.milliseconds)
        setLong(CURLOPT_TIMEOUT_MS, max(1, timeout.milliseconds))  // 0 would mean no timeout at all.
        setLong(CURLOPT_LOW_SPEED_LIMIT, settings.lowSpeedBytesPerSecond)
        // Whole seconds, rounded up: 0 would turn the rule off.
        setLong(CURLOPT_LOW_SPEED_TIME, max(1, (settings.lowSpeedTime.milliseconds + 999) / 1000))
        _ = tributary_easy_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(settings.maxBodyBytes))
        setLong(CURLOPT_SSL_VERIFYPEER, request.isInsecure ? 0 : 1)
        setLong(CURLOPT_SSL_VERIFYHOST, request.isInsecure ? 0 : 2)
        if let caFile = settings.caFile { setString(CURLOPT_CAINFO, caFile) }
        // PIPEWAIT makes a second transfer to a host wait until libcurl knows whether the first
        // connection multiplexes. Over TLS that is known after ALPN, bounded by the connect timeout;
        // over plain HTTP (no h2c) only once the first response's status line arrives, so a server
        // dripping its headers would stall every other feed of that host.
        setLong(CURLOPT_PIPEWAIT, url.lowercased().hasPrefix("https:") ? 1 : 0)
        if let username = request.username { setString(CURLOPT_USERNAME, username) }
        if let password = request.password { setString(CURLOPT_PASSWORD, password) }
        if let form = request.formBody { setString(CURLOPT_COPYPOSTFIELDS, form) }  // libcurl copies the body.
        var lines = ["Accept: application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"]
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lastModified = request.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
        for (name, value) in request.headers { lines.append("\(name): \(value)") }
        for line in lines { headerList = curl_slist_append(headerList, line) }
        _ = tributary_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = tributary_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
        }
        // The transfer outlives its easy handle's use: CurlMulti keeps it alive until completion.
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = tributary_easy_setopt_pointer(handle, CURLOPT_PRIVATE, context)
        _ = tributary_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = tributary_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = tributary_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
        _ = tributary_easy_setopt_write(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.receive(body: UnsafeRawBufferPointer(start: data, count: size * count))
        }
        _ = tributary_easy_setopt_write(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.receive(header: UnsafeRawBufferPointer(start: data, count: size * count))
        }
        _ = tributary_easy_setopt_opensocket(handle) { context, purpose, address in
            guard let context, let address else { return CURL_SOCKET_BAD }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.openSocket(purpose: purpose, address: address)
        }
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = tributary_easy_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        _ = tributary_easy_setopt_string(handle, option, value)  // libcurl copies strings.
    }

    /// Counts decoded bytes and stops the transfer at the limit (libcurl's own limit sees only Content-Length).
    private func receive(body chunk: UnsafeRawBufferPointer) -> Int {
        if body.count + chunk.count > maxBodyBytes {
            exceededLimit = true
            return 0  // Makes libcurl abort with CURLE_WRITE_ERROR.
        }
        body.append(contentsOf: chunk)
        return chunk.count
    }

    /// Keeps the header lines of the last response; stops the transfer past `maxHeaderBytes`.
    private func receive(header chunk: UnsafeRawBufferPointer) -> Int {
        headerBytes += chunk.count
        if headerBytes > Self.maxHeaderBytes {
            exceededHeaderLimit = true
            return 0  // Makes libcurl abort with CURLE_WRITE_ERROR.
        }
        let line = String(decoding: chunk, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") { headers.removeAll() }
        if !line.isEmpty, headers.count < 200 { headers.append(line) }
        return chunk.count
    }

    /// Checks the resolved address before connecting; refuses link-local always and private ranges when asked.
    private func openSocket(purpose: curlsocktype, address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        var description = ""
        var refused = false
        withUnsafePointer(to: &address.pointee.addr) { raw in
            if family == AF_INET {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    let value = UInt32(bigEndian: ipv4.pointee.sin_addr.s_addr)
                    let ip = AddressPolicy.IPv4(value)
                    description = ip.description
                    refused = AddressPolicy.isRefused(ip, blocksPrivate: blocksPrivateAddresses)
                }
            } else if family == AF_INET6 {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    let bytes = withUnsafeBytes(of: ipv6.pointee.sin6_addr) { Array($0) }
                    let ip = AddressPolicy.IPv6(bytes)
                    description = ip.description
                    refused = AddressPolicy.isRefused(ip, blocksPrivate: blocksPrivateAddresses)
                }
            }
        }
        if refused {
            blockedAddress = description
            return CURL_SOCKET_BAD
        }
        return socket(family, address.pointee.socktype, address.pointee.protocol)
    }

    /// Collects the result on the multi thread when libcurl reports the transfer done.
    func finish(code: CURLcode) -> Outcome {
        var status = 0
        _ = tributary_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var ipPointer: UnsafeMutablePointer<CChar>?
        _ = tributary_easy_getinfo_string(handle, CURLINFO_PRIMARY_IP, &ipPointer)
        var microseconds: curl_off_t = 0
        _ = tributary_easy_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &microseconds)
        let errorText = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return Outcome(
            code: code, status: status, headers: headers, body: body, exceededLimit: exceededLimit,
            blockedAddress: blockedAddress, errorText: errorText,
            primaryIP: ipPointer.map { String(cString: $0) } ?? "", exceededHeaderLimit: exceededHeaderLimit,
            elapsed: .microseconds(microseconds))
    }
}
