import FeedFetch
import FeedParse
import Foundation
import TributaryCore

/// Finds the feed behind a URL: the URL itself, the feeds an HTML page advertises, or the usual paths.
struct FeedFinder {
    let fetcher: FeedFetcher
    static let usualPaths = ["/feed", "/feed.xml", "/rss", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json", "/feeds/posts/default"]

    func find(_ url: String) async throws -> (url: String, feed: ParsedFeed) {
        let (pageURL, result) = try await loadAndParse(url)
        let error: ParseError
        switch result {
        case .success(let feed): return (pageURL, feed)
        case .failure(let failure): error = failure
        }
        guard error.code == .notAFeed else { throw error }
        var candidates = error.discoveredFeeds
        if candidates.isEmpty {
            // The usual places: beside the page (a blog under /blog/), then at the site's root.
            candidates = Self.usualPaths.map { URLReference.resolve(String($0.dropFirst()), against: pageURL) }
            if let origin = Self.origin(of: pageURL) { candidates += Self.usualPaths.map { origin + $0 } }
            var seen: Set<String> = []
            candidates = candidates.filter { seen.insert($0).inserted }
        }
        for candidate in candidates {
            guard case .success(let feed)? = try? await loadAndParse(candidate).result else { continue }
            return (candidate, feed)
        }
        throw ParseError(.notAFeed, "\(error.message); no feed found on the page or at the usual paths (\(Self.usualPaths.joined(separator: ", ")))")
    }

    static func parse(_ response: FetchResponse) -> Result<ParsedFeed, ParseError> {
        do {
            return .success(try FeedParser().parse(response.body, url: response.finalURL, httpCharset: response.charset))
        } catch {
            return .failure(error)
        }
    }

    /// The final URL of `url` and what parsing its document gave; the response (and the fetcher's
    /// slot it holds) is let go before the caller fetches anything else.
    private func loadAndParse(_ url: String) async throws -> (url: String, result: Result<ParsedFeed, ParseError>) {
        let response = try await DocumentLoader.load(url, fetcher: fetcher)
        return (response.finalURL, Self.parse(response))
    }

    static func origin(of url: String) -> String? {
        guard let scheme = URLReference.scheme(of: url), let host = URLReference.host(of: url) else { return nil }
        let afterScheme = url.dropFirst(scheme.count + 3)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return scheme + "://" + (authority.isEmpty ? host : String(authority))
    }
}
