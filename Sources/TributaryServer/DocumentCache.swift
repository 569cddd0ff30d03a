import CompressNIO
import Foundation
import Hummingbird
import Synchronization
import TributaryCore

/// A generated document held in memory, ready to send.
public struct ServedDocument: Sendable {
    /// The bytes.
    public var body: ByteBuffer
    /// The bytes gzip-compressed once, when worth it.
    public var gzipBody: ByteBuffer?
    /// Strong ETag of `body`.
    public var etag: String
    /// Last-Modified (RFC 822) of the file.
    public var lastModified: String
    /// Modification time, for If-Modified-Since.
    public var modified: Date
    /// Content-Type.
    public var contentType: String
    /// Headers every response for this document carries (type, validators, Vary, CORS), built once.
    public var baseHeaders: HTTPFields
}

/// Every generated document by name, swapped as a whole after each generation so a reader
/// sees the old set or the new set, never a mix. No file-system path is ever built from a request:
/// requests only look names up here.
public final class DocumentCache: Sendable {
    private let documents = Mutex<[String: ServedDocument]>([:])

    /// Creates an empty cache.
    public init() {}

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

    /// Reloads every document from the output directory, reusing entries whose bytes did not change.
    public func reload(from directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let previous = documents.withLock { $0 }
        var fresh: [String: ServedDocument] = [:]
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
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            var body = ByteBuffer(bytes: bytes)
            var gzip: ByteBuffer?
            if bytes.count > 512, var copy = Optional(body), let compressed = try? copy.compress(with: .gzip()) {
                gzip = compressed
            }
            body.moveReaderIndex(to: 0)
            let whole = Date(timeIntervalSince1970: modified.timeIntervalSince1970.rounded(.down))
            let lastModified = FeedDate.rfc822(whole)
            var headers: HTTPFields = [.contentType: type, .eTag: etag, .lastModified: lastModified, .vary: "Accept-Encoding"]
            if !name.hasSuffix(".html") { headers[.accessControlAllowOrigin] = "*" }
            fresh[name] = ServedDocument(
                body: body, gzipBody: gzip, etag: etag, lastModified: lastModified, modified: whole, contentType: type,
                baseHeaders: headers)
        }
        documents.withLock { $0 = fresh }
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
