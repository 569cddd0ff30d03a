import Foundation
import TributaryCore

extension ParsedFeed {
    /// The normalized JSON form printed by `tributary parse --json` (see the conformance README).
    public func normalizedJSON() -> String {
        var json = JSONText()
        json.openObject()
        json.field("format", format.rawValue)
        json.openObject("feed")
        for (key, value) in [
            ("title", metadata.title), ("link", metadata.link), ("subtitle", metadata.subtitle), ("id", metadata.id),
            ("language", metadata.language), ("updated", metadata.updated.map(FeedDate.rfc3339)),
            ("rights", metadata.rights), ("generator", metadata.generator), ("image", metadata.image),
        ] {
            json.field(key, value)
        }
        Self.people(metadata.authors, into: &json)
        json.closeObject()
        json.openArray("items")
        for item in items {
            json.openObject()
            for (key, value) in [
                ("id", Optional(item.id)), ("title", item.title), ("link", item.link), ("summary", item.summary),
                ("content", item.content), ("published", item.published.map(FeedDate.rfc3339)),
                ("updated", item.updated.map(FeedDate.rfc3339)), ("comments", item.comments),
            ] {
                json.field(key, value)
            }
            Self.people(item.authors, into: &json)
            json.openArray("categories")
            for category in item.categories { json.element(category) }
            json.closeArray()
            json.openArray("enclosures")
            for enclosure in item.enclosures {
                json.openObject()
                json.field("url", enclosure.url)
                json.field("type", enclosure.type)
                json.field("length", enclosure.length)
                json.closeObject()
            }
            json.closeArray()
            json.closeObject()
        }
        json.closeArray()
        json.openArray("warnings")
        for warning in warnings { json.element(warning) }
        json.closeArray()
        json.closeObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func people(_ people: [Person], into json: inout JSONText) {
        json.openArray("authors")
        for person in people {
            json.openObject()
            json.field("name", person.name)
            json.field("email", person.email)
            json.field("uri", person.uri)
            json.closeObject()
        }
        json.closeArray()
    }
}
