import ArgumentParser
import FeedFetch
import Foundation

/// Loads one document for `parse` and `sources add`: a local file, or one fetch through libcurl.
enum DocumentLoader {
    static func load(_ source: String) async throws -> (bytes: [UInt8], url: String?, charset: String?) {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            let fetcher = FeedFetcher(settings: FetchSettings())
            let response = try await fetcher.fetchOnce(url: source)
            return (response.body, response.finalURL, response.charset)
        }
        let path = source.hasPrefix("file://") ? String(source.dropFirst(7)) : source
        guard let data = FileManager.default.contents(atPath: path) else {
            Diagnostics.error("\(path): cannot read the file")
            throw ExitCode(1)
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.absoluteString
        return ([UInt8](data), absolute, nil)
    }
}
