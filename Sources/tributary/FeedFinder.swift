import FeedFetch
import FeedParse
import Foundation
import TributaryCore

/// Finds the feed behind a URL: the URL itself, the feeds an HTML page advertises, or the usual paths.
struct FeedFinder {
    let fetcher: FeedFetcher
    static let usualPaths = ["/feed", "/feed.xml", "/rss", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json", "/feeds/posts/default"]

    func find(_ url: String) async throws -> (url: String, feed: ParsedFeed) {
        // Only the page's final URL is kept: the response (and the fetcher's slot it holds) goes
        // before the candidates are fetched.
        let (pageURL, result) = try await { () async throws -> (String, Result<ParsedFeed, ParseError>) in
            let first = try await load(url)
            return (first.finalURL, Self.parse(first))
        }()
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
            guard let response = try? await load(candidate), case .success(let feed) = Self.parse(response) else { continue }
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

    private func load(_ url: String) async throws -> FetchResponse {
        try await DocumentLoader.load(url, fetcher: fetcher)
    }

    static func origin(of url: String) -> String? {
        guard let scheme = URLReference.scheme(of: url), let host = URLReference.host(of: url) else { return nil }
        let afterScheme = url.dropFirst(scheme.count + 3)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return scheme + "://" + (authority.isEmpty ? host : String(authority))
    }
}
