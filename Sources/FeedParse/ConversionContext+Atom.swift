import Foundation
import TributaryCore
import XMLSupport

extension ConversionContext {
    /// The preferred alternate link among Atom `link` elements: rel="alternate" (or none) with an HTML type first.
    func alternateLink(in node: XMLNode) -> String? {
        var fallback: String?
        for child in node.children where child.name == "link" && isCore(child) {
            let rel = child.attribute(.rel)?.trimmingSpaces ?? "alternate"
            guard rel == "alternate" || rel == "http://www.iana.org/assignments/relation/alternate" else { continue }
            guard let href = url(child.attribute(.href) ?? child.text, base: child.base) else { continue }
            let type = child.attribute(.type)?.lowercasedIfNeeded
            if type == nil || type == "text/html" || type == "application/xhtml+xml" { return href }
            if fallback == nil { fallback = href }
        }
        return fallback
    }

    /// Fills `item`, a new `ParsedItem()`, from an entry element.
    mutating func atomEntry(from node: XMLNode, into item: inout ParsedItem) {
        item.link = alternateLink(in: node)
        for child in node.children {
            guard isCore(child) else {
                applyEntryExtension(child, to: &item)
                continue
            }
            let element = namespaces.atomEntryElement(child)
            switch element {
            case .id:
                if item.id.isEmpty, let value = Self.trimmed(child.text) {
                    item.id = value
                    item.hasDocumentID = true
                }
            case .title: if item.title == nil { item.title = constructText(child) }
            case .summary: if item.summary == nil { item.summary = constructHTML(child) }
            case .content:
                if item.content == nil {
                    if let source = child.attribute(.src), !child.hasText, !child.hasChildren {
                        if item.link == nil { item.link = url(source, base: child.base) }
                    } else {
                        item.content = constructHTML(child)
                    }
                }
            // A repeated date element replaces the earlier value (as feedparser does); `created` is only
            // a fallback for the publication date.
            case .published, .issued: if let value = date(child) { item.published = value }
            case .updated, .modified: if let value = date(child) { item.updated = value }
            case .created: if item.published == nil { item.published = date(child) }
            case .author, .contributor:
                if element == .author || item.authors.isEmpty, let person = person(fromAtom: child),
                    !item.authors.contains(person)
                {
                    item.authors.append(person)
                }
            case .category:
                if let term = child.attribute(.term).flatMap(Self.collapsed) ?? Self.collapsedText(child) {
                    Self.appendCategory(term, to: &item.categories)
                }
            case .link:
                let rel = child.attribute(.rel) ?? "alternate"
                if rel == "enclosure", let href = url(child.attribute(.href), base: child.base),
                    !item.enclosures.contains(where: { $0.url == href })
                {
                    item.enclosures.append(
                        Enclosure(url: href, type: child.attribute(.type), length: Self.integer(child.attribute(.length))))
                }
                if rel == "replies", item.comments == nil, child.attribute(.type).map({ $0.contains("html") }) ?? true {
                    item.comments = url(child.attribute(.href), base: child.base)
                }
            default: break
            }
        }
    }

    /// Extensions inside an Atom entry (dc:, media:, itunes:, feedburner:).
    private mutating func applyEntryExtension(_ child: XMLNode, to item: inout ParsedItem) {
        rssExtension(child, into: &item)
    }

    mutating func atomMetadata(of feed: inout ParsedFeed, root: XMLNode) {
        var metadata = FeedMetadata()
        metadata.language = root.language.flatMap(Self.language)
        metadata.link = alternateLink(in: root)
        for child in root.children {
            if NS.dcAny.contains(child.namespace) {
                if child.name == "language", metadata.language == nil { metadata.language = Self.language(child.text) }
                if child.name == "rights", metadata.rights == nil { metadata.rights = Self.collapsedInnerText(child) }
                continue
            }
            guard isCore(child) else { continue }
            switch child.name {
            case "title": Self.fill(&metadata.title, with: constructText(child))
            case "subtitle", "tagline": Self.fill(&metadata.subtitle, with: constructHTML(child))
            case "id": if metadata.id == nil { metadata.id = Self.trimmed(child.text) }
            case "updated", "modified": if let value = date(child) { metadata.updated = value }
            case "rights", "copyright": if metadata.rights == nil { metadata.rights = constructHTML(child) }
            case "generator":
                if metadata.generator == nil { metadata.generator = Self.collapsedInnerText(child) }
            case "logo": metadata.image = url(child.text, base: child.base)
            case "icon": if metadata.image == nil { metadata.image = url(child.text, base: child.base) }
            case "author":
                if let person = person(fromAtom: child), !metadata.authors.contains(person) {
                    metadata.authors.append(person)
                }
            case "link":
                let rel = child.attribute(.rel) ?? "alternate"
                if rel == "self" { metadata.selfLink = url(child.attribute(.href), base: child.base) }
                if rel == "hub" { metadata.hub = url(child.attribute(.href), base: child.base) }
            default: break
            }
        }
        feed.metadata = metadata
    }
}
