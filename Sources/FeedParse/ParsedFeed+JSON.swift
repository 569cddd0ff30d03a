import Foundation
import TributaryCore

extension ParsedFeed {
    /// The normalized JSON form printed by `tributary parse --json` (see the conformance README).
    public func normalizedJSON() -> String {
        let out = JSONOutput()
        out.object {
            out.field("format") { out.string(format.rawValue) }
            out.field("feed") {
                out.object {
                    for (key, value) in [
                        ("title", metadata.title), ("link", metadata.link), ("subtitle", metadata.subtitle),
                        ("id", metadata.id), ("language", metadata.language),
                        ("updated", metadata.updated.map(FeedDate.rfc3339)), ("rights", metadata.rights),
                        ("generator", metadata.generator), ("image", metadata.image),
                    ] {
                        out.field(key) { out.optional(value) }
                    }
                    out.field("authors") { out.people(metadata.authors) }
                }
            }
            out.field("items") {
                out.array(items) { item in
                    out.object {
                        for (key, value) in [
                            ("id", Optional(item.id)), ("title", item.title), ("link", item.link),
                            ("summary", item.summary), ("content", item.content),
                            ("published", item.published.map(FeedDate.rfc3339)),
                            ("updated", item.updated.map(FeedDate.rfc3339)), ("comments", item.comments),
                        ] {
                            out.field(key) { out.optional(value) }
                        }
                        out.field("authors") { out.people(item.authors) }
                        out.field("categories") { out.array(item.categories) { out.string($0) } }
                        out.field("enclosures") {
                            out.array(item.enclosures) { enclosure in
                                out.object {
                                    out.field("url") { out.string(enclosure.url) }
                                    out.field("type") { out.optional(enclosure.type) }
                                    out.field("length") { out.raw(enclosure.length.map { "\($0)" } ?? "null") }
                                }
                            }
                        }
                    }
                }
            }
            out.field("warnings") { out.array(warnings) { out.string($0) } }
        }
        return out.text
    }
}

/// A minimal streaming JSON writer with stable key order.
final class JSONOutput {
    private(set) var text = ""
    private var needsComma = [false]

    func raw(_ value: String) { text += value }

    func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    func optional(_ value: String?) {
        if let value { string(value) } else { text += "null" }
    }

    func object(_ body: () -> Void) {
        text += "{"
        needsComma.append(false)
        body()
        needsComma.removeLast()
        text += "}"
    }

    func field(_ key: String, _ value: () -> Void) {
        if needsComma[needsComma.count - 1] { text += ", " }
        needsComma[needsComma.count - 1] = true
        string(key)
        text += ": "
        value()
    }

    func array<T>(_ values: [T], _ element: (T) -> Void) {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += ", " }
            element(value)
        }
        text += "]"
    }

    func people(_ people: [Person]) {
        array(people) { person in
            object {
                field("name") { optional(person.name) }
                field("email") { optional(person.email) }
                field("uri") { optional(person.uri) }
            }
        }
    }
}
