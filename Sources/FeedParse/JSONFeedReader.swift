import Foundation
import TributaryCore

/// Reads JSON Feed 1.0 and 1.1 documents.
struct JSONFeedReader {
    let options: FeedParser.Options
    let documentURL: String?

    func read(_ data: [UInt8]) throws(ParseError) -> ParsedFeed {
        try checkDepth(data)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed])
        } catch {
            throw ParseError(.malformed, "the document is not valid JSON (\(Self.describe(error)))")
        }
        guard let root = object as? [String: Any] else {
            throw ParseError(.notAFeed, "the document is JSON but not a JSON Feed (top level is not an object)")
        }
        guard let version = root["version"] as? String, version.contains("jsonfeed.org/version/") else {
            throw ParseError(.notAFeed, "the document is JSON but not a JSON Feed (no jsonfeed.org version)")
        }
        var feed = ParsedFeed(format: version.hasSuffix("/1") ? .json10 : .json11)
        var context = ConversionContext(options: options)
        let base = Self.string(root["feed_url"]).map { URLReference.resolve($0, against: documentURL) } ?? documentURL
        var metadata = FeedMetadata()
        metadata.title = Self.string(root["title"]).flatMap(ConversionContext.collapsed)
        metadata.link = Self.string(root["home_page_url"]).map { URLReference.resolve($0, against: base) }
        metadata.subtitle = Self.string(root["description"]).flatMap(ConversionContext.trimmed).map(HTMLEntities.escape)
        metadata.selfLink = Self.string(root["feed_url"]).map { URLReference.resolve($0, against: documentURL) }
        metadata.id = metadata.selfLink
        metadata.language = Self.string(root["language"])
        metadata.image = (Self.string(root["icon"]) ?? Self.string(root["favicon"])).map {
            URLReference.resolve($0, against: base)
        }
        metadata.authors = Self.people(root, base: base)
        if let hubs = root["hubs"] as? [[String: Any]] {
            metadata.hub = hubs.lazy.compactMap { Self.string($0["url"]) }.first
        }
        feed.metadata = metadata
        if root["items"] != nil, !(root["items"] is [Any]) {
            feed.warnings.append("\"items\" is not an array; no items read")
        }
        for (index, value) in ((root["items"] as? [Any]) ?? []).enumerated() {
            guard let object = value as? [String: Any] else {
                feed.warnings.append("item \(index) is not an object; skipped")
                continue
            }
            feed.items.append(item(object, base: base, context: &context))
        }
        feed.warnings.append(contentsOf: context.warnings)
        return feed
    }

    private func item(_ object: [String: Any], base: String?, context: inout ConversionContext) -> ParsedItem {
        var item = ParsedItem()
        if let id = Self.string(object["id"]) ?? (object["id"] as? NSNumber).map({ "\($0)" }), !id.isEmpty {
            item.id = id
            item.hasDocumentID = true
        }
        item.title = Self.string(object["title"]).flatMap(ConversionContext.collapsed)
        item.link = (Self.string(object["url"]) ?? Self.string(object["external_url"])).map {
            URLReference.resolve($0, against: base)
        }
        if let html = Self.string(object["content_html"]) {
            item.content = context.cleanHTML(html, base: base)
        } else if let text = Self.string(object["content_text"]).flatMap(ConversionContext.trimmed) {
            item.content = HTMLEntities.escape(text)
        }
        item.summary = Self.string(object["summary"]).flatMap(ConversionContext.trimmed).map(HTMLEntities.escape)
        item.published = Self.string(object["date_published"]).flatMap { context.jsonDate($0) }
        item.updated = Self.string(object["date_modified"]).flatMap { context.jsonDate($0) }
        item.authors = Self.people(object, base: base)
        item.categories = (object["tags"] as? [Any])?.compactMap { Self.string($0) } ?? []
        item.image = (Self.string(object["image"]) ?? Self.string(object["banner_image"])).map {
            URLReference.resolve($0, against: base)
        }
        for attachment in (object["attachments"] as? [Any]) ?? [] {
            guard let attachment = attachment as? [String: Any], let url = Self.string(attachment["url"]) else { continue }
            let size = (attachment["size_in_bytes"] as? NSNumber).flatMap { Int(exactly: $0.doubleValue) }
            item.enclosures.append(
                Enclosure(url: URLReference.resolve(url, against: base), type: Self.string(attachment["mime_type"]), length: size))
        }
        return item
    }

    private static func people(_ object: [String: Any], base: String?) -> [Person] {
        var values: [[String: Any]] = (object["authors"] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
        if values.isEmpty, let single = object["author"] as? [String: Any] { values = [single] }
        return values.compactMap { value in
            let person = Person(
                name: string(value["name"]), email: nil,
                uri: string(value["url"]).map { URLReference.resolve($0, against: base) })
            return person.isEmpty ? nil : person
        }
    }

    private static func string(_ value: Any?) -> String? {
        guard let string = value as? String else { return nil }
        return string
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }

    /// Rejects documents nested deeper than the limit before handing them to JSONSerialization.
    private func checkDepth(_ data: [UInt8]) throws(ParseError) {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > options.maxJSONDepth {
                    throw ParseError(.tooLarge, "the JSON document nests deeper than \(options.maxJSONDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }
}

extension ConversionContext {
    /// Parses a JSON Feed date string; unparseable values become a warning.
    mutating func jsonDate(_ text: String) -> Date? {
        if let date = FeedDate.parse(text) { return date }
        warnings.append("unparseable date \"\(text.prefix(60))\"")
        return nil
    }
}
