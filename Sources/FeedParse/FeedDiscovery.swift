import Foundation
import TributaryCore

/// Finds the feeds an HTML page advertises.
public enum FeedDiscovery {
    private static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml", "application/xml", "text/xml",
    ]

    /// Absolute URLs of `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href>` in an HTML page.
    public static func alternateLinks(inHTML data: [UInt8], baseURL: String?) -> [String] {
        var base = baseURL
        var links: [String] = []
        let tokenizer = HTMLTokenizer(bytes: Array(data.prefix(1 << 20)))
        for token in tokenizer {
            guard case .startTag(let tag) = token, tag.name == "link" || tag.name == "base" else { continue }
            var attributes: [String: String] = [:]
            for attribute in tag.attributes where attributes[attribute.name] == nil {
                attributes[attribute.name] = tokenizer.value(of: attribute) ?? ""
            }
            if tag.name == "base", let href = attributes["href"] {
                base = URLReference.resolve(href, against: baseURL)
                continue
            }
            let rel = attributes["rel"]?.lowercased().split(separator: " ") ?? []
            guard rel.contains("alternate"), let type = attributes["type"]?.lowercased(),
                feedTypes.contains(type.trimmingSpaces), let href = attributes["href"]
            else { continue }
            let absolute = URLReference.resolve(href, against: base)
            if !links.contains(absolute) { links.append(absolute) }
        }
        return links
    }
}
