import FeedFetch
import Foundation
import TributaryCore

/// Loads one document for `parse` and `sources add`: a local file, or one fetch through libcurl.
enum DocumentLoader {
    /// The document at `source` (http(s) URL, file:// URL or path).
    ///
    /// - Throws: `FetchError` (`.file` for an unreadable file, the fetch's own error otherwise).
    static func load(_ source: String, fetcher: FeedFetcher? = nil) async throws -> FetchResponse {
        if let scheme = URLReference.scheme(of: source), scheme == "http" || scheme == "https" {
            return try await (fetcher ?? FeedFetcher(settings: FetchSettings())).fetchOnce(url: source)
        }
        let path = source.hasPrefix("file://") ? String(source.dropFirst(7)) : source
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FetchError(.file, url: source, "\(path): cannot read the file")
        }
        return FetchResponse(status: 200, finalURL: URL(fileURLWithPath: path).standardizedFileURL.absoluteString, body: [UInt8](data))
    }
}
