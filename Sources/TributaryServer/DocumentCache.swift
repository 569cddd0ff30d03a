import CompressNIO
import Foundation
import Hummingbird
import Synchronization
import TributaryCore

/// A generated document held in memory, ready to send: bodies and answers built once per generation,
/// shared by every request (a lookup costs one reference, a request copies no header).
public final class ServedDocument: Sendable {
    /// The bytes.
    public let body: ByteBuffer
    /// The bytes gzip-compressed once, when worth it.
    public let gzipBody: ByteBuffer?
    /// Strong ETag of `body`.
    public let etag: String
    /// Last-Modified (RFC 822) of the file.
    public let lastModified: String
    /// Modification time, for If-Modified-Since.
    public let modified: Date
    /// Content-Type.
    public let contentType: String
    /// 200 with the plain body's length.
    public let plainResponse: HTTPResponse
    /// 200 with the gzip body's length, when there is a gzip body.
    public let gzipResponse: HTTPResponse?
    /// 304: validators, type, Vary, CORS and Cache-Control, no length.
    public let notModifiedResponse: HTTPResponse
    /// The three heads serialized for HTTP/1.1 (status line and fields, without the Date field and
    /// the blank line that ends a head), for `DocumentFastPath`.
    let plainHead: [UInt8]
    let gzipHead: [UInt8]?
    let notModifiedHead: [UInt8]
    /// The bodies in the generation's file for sendfile(2), when larger than `fileThreshold` (see
    /// `DocumentFile`).
    let plainFile: FileSlice?
    let gzipFile: FileSlice?
    /// Cache-Control it is sent with.
    let cacheControl: String
    /// A feed (CORS open), not a page.
    let isFeed: Bool
    /// Below this, writing from memory costs less than a file region (`Benchmarks/serve-bench.sh`:
    /// the 37 KB gzip body of a 200 KB feed went at 1.00x nginx's rate from memory, 0.80x by sendfile;
    /// the 200 KB plain body at 0.83x by sendfile, 0.66x from memory).
    static let fileThreshold = 64 * 1024

    init(
        body: ByteBuffer, gzipBody: ByteBuffer?, etag: String, modified: Date, contentType: String, cacheControl: String,
        isFeed: Bool, plainFile: FileSlice? = nil, gzipFile: FileSlice? = nil
    ) {
        self.body = body
        self.gzipBody = gzipBody
        self.etag = etag
        self.modified = modified
        self.contentType = contentType
        self.lastModified = FeedDate.rfc822(modified)
        var headers: HTTPFields = [
            .contentType: contentType, .eTag: etag, .lastModified: lastModified, .vary: "Accept-Encoding",
            .cacheControl: cacheControl,
        ]
        if isFeed { headers[.accessControlAllowOrigin] = "*" }
        notModifiedResponse = HTTPResponse(status: .notModified, headerFields: headers)
        var plain = headers
        plain[.contentLength] = "\(body.readableBytes)"
        plainResponse = HTTPResponse(status: .ok, headerFields: plain)
        gzipResponse = gzipBody.map { gzip in
            var fields = headers
            fields[.contentEncoding] = "gzip"
            fields[.contentLength] = "\(gzip.readableBytes)"
            return HTTPResponse(status: .ok, headerFields: fields)
        }
        plainHead = Self.serialize(plainResponse)
        gzipHead = gzipResponse.map(Self.serialize)
        notModifiedHead = Self.serialize(notModifiedResponse)
        self.plainFile = plainFile
        self.gzipFile = gzipFile
        self.cacheControl = cacheControl
        self.isFeed = isFeed
    }

    /// What a GET of this variant sends: the head (typed and serialized for HTTP/1.1), and the body,
    /// from the generation's file when it is there. Shared by the router and `DocumentFastPath`.
    func answer(for variant: FeedRoutes.Variant) -> (response: HTTPResponse, head: [UInt8], body: ByteBuffer?, file: FileSlice?) {
        switch variant {
        case .notModified: (notModifiedResponse, notModifiedHead, nil, nil)
        case .gzip: (gzipResponse ?? plainResponse, gzipHead ?? plainHead, gzipBody, gzipFile)
        case .plain: (plainResponse, plainHead, body, plainFile)
        }
    }

    /// The same document with its large bodies in `file`'s slices.
    func withFiles(plain: FileSlice?, gzip: FileSlice?) -> ServedDocument {
        ServedDocument(
            body: body, gzipBody: gzipBody, etag: etag, modified: modified, contentType: contentType,
            cacheControl: cacheControl, isFeed: isFeed, plainFile: plain, gzipFile: gzip)
    }

    static func serialize(_ response: HTTPResponse) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)\r\n"
        for field in response.headerFields { text += "\(field.name.rawName): \(field.value)\r\n" }
        return Array(text.utf8)
    }
}

/// Every generated document by name, swapped as a whole after each generation so a reader
/// sees the old set or the new set, never a mix. No file-system path is ever built from a request:
/// requests only look names up here.
public final class DocumentCache: Sendable {
    private let documents = Mutex<[String: ServedDocument]>([:])
    /// Cache-Control of every document.
    let cacheControl: String

    /// Creates an empty cache whose documents tell clients to keep them `maxAgeSeconds`
    /// (the server ties this to the fetch interval).
    public init(maxAgeSeconds: Int = 60) {
        cacheControl = "public, max-age=\(maxAgeSeconds)"
    }

    /// The document with this name, if generated.
    public func document(named name: String) -> ServedDocument? {
        documents.withLock { $0[name] }
    }

    /// Names of every document.
    public var names: [String] { documents.withLock { Array($0.keys) } }

    static func contentType(for name: String) -> String? {
        switch (name as NSString).pathExtension {
        case "xml": return "application/rss+xml; charset=utf-8"
        case "atom": return "application/atom+xml; charset=utf-8"
        case "json": return "application/feed+json; charset=utf-8"
        case "html": return "text/html; charset=utf-8"
        case "opml": return "text/x-opml; charset=utf-8"
        default: return nil
        }
    }

    /// Reloads every document from the output directory, reusing entries whose bytes did not change;
    /// when anything changed, the large bodies of the new set go into one new `DocumentFile`.
    public func reload(from directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let previous = documents.withLock { $0 }
        var fresh: [String: ServedDocument] = [:]
        var changed = false
        for name in names where !name.hasPrefix(".") {
            guard let type = Self.contentType(for: name) else { continue }
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let bytes = [UInt8](data)
            let etag = "\"" + Self.hash(bytes) + "\""
            if let old = previous[name], old.etag == etag {
                fresh[name] = old
                continue
            }
            changed = true
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            var body = ByteBuffer(bytes: bytes)
            var gzip: ByteBuffer?
            if bytes.count > 512, var copy = Optional(body), let compressed = try? copy.compress(with: .gzip()) {
                gzip = compressed
            }
            body.moveReaderIndex(to: 0)
            let whole = Date(timeIntervalSince1970: modified.timeIntervalSince1970.rounded(.down))
            fresh[name] = ServedDocument(
                body: body, gzipBody: gzip, etag: etag, modified: whole, contentType: type, cacheControl: cacheControl,
                isFeed: !name.hasSuffix(".html"))
        }
        guard changed || fresh.count != previous.count else { return }
        let swapped = Self.withGenerationFile(fresh)
        documents.withLock { $0 = swapped }
    }

    /// The documents with every body over `ServedDocument.fileThreshold` in one new file (unchanged
    /// documents too, so the previous generation's file closes once its last answer is sent).
    static func withGenerationFile(_ documents: [String: ServedDocument]) -> [String: ServedDocument] {
        let threshold = ServedDocument.fileThreshold
        let large = { (body: ByteBuffer?) in body.flatMap { $0.readableBytes > threshold ? $0 : nil } }
        let ordered = documents.sorted { $0.key < $1.key }
        let bodies = ordered.flatMap { [large($0.value.body), large($0.value.gzipBody)].compactMap { $0 } }
        guard !bodies.isEmpty, let slices = DocumentFile.slices(of: bodies) else {
            return documents.mapValues { $0.withFiles(plain: nil, gzip: nil) }
        }
        var next = slices.makeIterator()  // In the order `bodies` was built.
        var result: [String: ServedDocument] = [:]
        for (name, document) in ordered {
            let plain = large(document.body) != nil ? next.next() : nil
            let gzip = large(document.gzipBody) != nil ? next.next() : nil
            result[name] = document.withFiles(plain: plain, gzip: gzip)
        }
        return result
    }

    /// 128-bit FNV-1a digest as hex, for strong ETags.
    static func hash(_ bytes: [UInt8]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return String(first, radix: 16) + String(second, radix: 16)
    }
}
