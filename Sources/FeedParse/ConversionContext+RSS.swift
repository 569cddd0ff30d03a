import Foundation
import TributaryCore
import XMLSupport

extension ConversionContext {
    /// Converts an item or entry element into `item`, a new `ParsedItem()`.
    ///
    /// The item is filled in place (the caller passes the array element it will be): returned, it was
    /// copied once over, a retain and a release for each of its strings.
    mutating func convertItem(_ node: XMLNode, dialect: Dialect, into item: inout ParsedItem) {
        switch dialect {
        case .rss: rssItem(from: node, into: &item)
        case .atom: atomEntry(from: node, into: &item)
        }
    }

    /// Fills feed-level metadata from the root (channel fields for RSS, feed fields for Atom).
    mutating func fillMetadata(of feed: inout ParsedFeed, root: XMLNode, dialect: Dialect) {
        switch dialect {
        case .rss: rssMetadata(of: &feed, root: root)
        case .atom: atomMetadata(of: &feed, root: root)
        }
    }

    /// Applies an extension element (dc:, content:, media:, itunes:, feedburner:, atom: inside RSS) to an item.
    mutating func rssExtension(_ child: XMLNode, into item: inout ParsedItem) {
        _ = applyCommonExtension(child, to: &item)
    }

    /// Fields shared by RSS items and channels, and Atom elements found inside RSS.
    private mutating func applyCommonExtension(_ child: XMLNode, to item: inout ParsedItem) -> Bool {
        let family = namespaces.classify(child).family
        if family == .dublinCore {
            switch child.name {
            case "creator", "author", "contributor":
                if let person = Self.person(fromText: child.innerText) { appendUnique(person, to: &item.authors) }
            case "date", "modified":
                if item.updated == nil { item.updated = date(child) }
            case "issued", "created":
                if item.published == nil { item.published = date(child) }
            case "subject":
                if let term = Self.collapsedInnerText(child) { Self.appendCategory(term, to: &item.categories) }
            case "description", "abstract":
                if item.summary == nil { item.summary = html(child) }
            case "title":
                if item.title == nil { item.title = plainTitle(child) }
            case "identifier":
                break
            default: return false
            }
            return true
        }
        if family == .content, child.name == "encoded" {
            if item.content == nil { item.content = html(child) }
            return true
        }
        if family == .media {
            applyMedia(child, to: &item)
            return true
        }
        if family == .itunes {
            switch child.name {
            case "author":
                if item.authors.isEmpty, let person = Self.person(fromText: child.innerText) { item.authors.append(person) }
            case "summary", "subtitle":
                if item.summary == nil, let text = Self.trimmed(child.innerText) {
                    item.summary = HTMLEntities.escape(text)
                }
            case "image":
                if item.image == nil { item.image = url(child.attribute(.href) ?? child.text, base: child.base) }
            case "keywords":
                appendTerms(child.innerText, to: &item.categories)
            default: break
            }
            return true
        }
        if family == .xhtml, child.name == "body" {
            // Full content as inline XHTML (`<xhtml:body>` in an RSS 2.0 item).
            if item.content == nil { item.content = cleanHTML(child.innerMarkup, base: child.base) }
            return true
        }
        if family == .feedburner, child.name == "origLink" {
            item.originalLink = url(child.text, base: child.base)
            return true
        }
        if family == .atom {
            switch child.name {
            case "link":
                let rel = child.attribute(.rel) ?? "alternate"
                if rel == "alternate", item.link == nil { item.link = url(child.attribute(.href), base: child.base) }
                if rel == "enclosure", let href = url(child.attribute(.href), base: child.base) {
                    appendEnclosure(
                        Enclosure(url: href, type: child.attribute(.type), length: Self.integer(child.attribute(.length))),
                        to: &item)
                }
            case "author":
                if let person = person(fromAtom: child) { appendUnique(person, to: &item.authors) }
            case "updated":
                if item.updated == nil { item.updated = date(child) }
            case "published":
                if item.published == nil { item.published = date(child) }
            case "summary":
                if item.summary == nil { item.summary = constructHTML(child) }
            case "content":
                if item.content == nil { item.content = constructHTML(child) }
            default: break
            }
            return true
        }
        return false
    }

    private func applyMedia(_ child: XMLNode, to item: inout ParsedItem) {
        switch child.name {
        case "content":
            if let href = url(child.attribute(.url), base: child.base) {
                appendEnclosure(
                    Enclosure(url: href, type: child.attribute(.type), length: Self.integer(child.attribute(.fileSize))),
                    to: &item)
            }
            for grandchild in child.children where grandchild.name == "thumbnail" && item.image == nil {
                item.image = url(grandchild.attribute(.url), base: grandchild.base)
            }
        case "group":
            for grandchild in child.children { applyMedia(grandchild, to: &item) }
        case "thumbnail":
            if item.image == nil { item.image = url(child.attribute(.url), base: child.base) }
        case "description":
            if item.summary == nil, let text = Self.trimmed(child.innerText) {
                item.summary = child.attribute(.type) == "html" ? cleanHTML(text, base: child.base) : HTMLEntities.escape(text)
            }
        case "title":
            if item.title == nil { item.title = Self.collapsedInnerText(child) }
        default: break
        }
    }

    /// Appends the comma-separated terms of a keywords or tags element, skipping ones already present.
    private func appendTerms(_ text: String, to categories: inout [String]) {
        for keyword in text.split(separator: ",") {
            if let term = Self.collapsed(String(keyword)), !categories.contains(term) { categories.append(term) }
        }
    }

    /// Whether `value` is an absolute http or https URL.
    static func hasWebScheme(_ value: String) -> Bool {
        let utf8 = value.utf8
        // A value that does not start with a letter (leading controls or spaces) is left to the URL parser.
        guard let first = utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20) else {
            return URLReference.isAbsolute(value)
                && URLReference.scheme(of: value).map { $0 == "http" || $0 == "https" } == true
        }
        var scheme = utf8.prefix(6).makeIterator()
        for expected in "http".utf8 where scheme.next().map({ $0 | 0x20 }) != expected { return false }
        switch scheme.next() {
        case UInt8(ascii: ":"): return true
        case UInt8(ascii: "s"), UInt8(ascii: "S"): return scheme.next() == UInt8(ascii: ":")
        default: return false
        }
    }

    static func integer(_ text: String?) -> Int? {
        guard let text = text?.trimmingSpaces, !text.isEmpty else { return nil }
        return Int(text)
    }

    private func appendEnclosure(_ enclosure: Enclosure, to item: inout ParsedItem) {
        if let index = item.enclosures.firstIndex(where: { $0.url == enclosure.url }) {
            if item.enclosures[index].type == nil { item.enclosures[index].type = enclosure.type }
            if item.enclosures[index].length == nil { item.enclosures[index].length = enclosure.length }
            return
        }
        item.enclosures.append(enclosure)
    }

    private func appendUnique(_ person: Person, to people: inout [Person]) {
        if !people.contains(person) { people.append(person) }
    }

    private mutating func rssItem(from node: XMLNode, into item: inout ParsedItem) {
        var guidIsPermaLink = false
        var guidValue: String?
        for child in node.children {
            guard isCore(child) else {
                _ = applyCommonExtension(child, to: &item)
                continue
            }
            switch namespaces.rssItemElement(child) {
            case .title:
                if item.title == nil { item.title = plainTitle(child) }
            case .link:
                if item.link == nil { item.link = url(child.innerText, base: child.base) }
            case .description:
                if item.summary == nil { item.summary = html(child) }
            case .guid:
                if guidValue == nil, let value = Self.trimmed(child.text) {
                    guidValue = value
                    let permaLink = child.attribute(.isPermaLink)?.lowercasedIfNeeded
                    guidIsPermaLink = permaLink != "false" && Self.hasWebScheme(value)
                }
            case .pubDate:
                if let value = date(child) { item.published = value }
            case .author:
                if let person = Self.person(fromText: child.innerText) { appendUnique(person, to: &item.authors) }
            case .category:
                if let term = Self.collapsedInnerText(child) { Self.appendCategory(term, to: &item.categories) }
            case .tags:
                appendTerms(child.innerText, to: &item.categories)
            case .fullItem:
                if item.content == nil { item.content = html(child) }
            case .comments:
                if item.comments == nil { item.comments = url(child.text, base: child.base) }
            case .enclosure:
                if let href = url(child.attribute(.url), base: child.base) {
                    appendEnclosure(
                        Enclosure(url: href, type: child.attribute(.type), length: Self.integer(child.attribute(.length))),
                        to: &item)
                }
            default: break  // source, ttl and the rest
            }
        }
        if let guidValue {
            item.id = guidValue
            item.hasDocumentID = true
            if item.link == nil, guidIsPermaLink { item.link = guidValue }
        } else if let about = node.attribute("about", namespace: NS.rdf), let about = Self.trimmed(about) {
            item.id = URLReference.resolve(about, against: node.base)
            item.hasDocumentID = true
        }
    }

    private mutating func rssMetadata(of feed: inout ParsedFeed, root: XMLNode) {
        let channel = root.children.first { $0.name == "channel" && isCore($0) } ?? root
        var metadata = FeedMetadata()
        var holder = ParsedItem()
        var syndicationPeriod: Int?
        var syndicationFrequency: Int?
        metadata.language = (channel.language ?? root.language).flatMap(Self.language)
        for child in channel.children {
            if isCore(child) {
                switch child.lowercasedName {
                case "title": Self.fill(&metadata.title, with: plainTitle(child))
                case "link": if metadata.link == nil { metadata.link = url(child.innerText, base: child.base) }
                case "description": Self.fill(&metadata.subtitle, with: html(child))
                case "language": if let value = Self.language(child.text) { metadata.language = value }
                case "copyright": if metadata.rights == nil { metadata.rights = Self.collapsedInnerText(child) }
                case "generator": if metadata.generator == nil { metadata.generator = Self.collapsedInnerText(child) }
                case "lastbuilddate": if metadata.updated == nil { metadata.updated = date(child) }
                case "pubdate": if metadata.updated == nil { metadata.updated = date(child) }
                case "managingeditor", "webmaster":
                    if let person = Self.person(fromText: child.innerText), !metadata.authors.contains(person),
                        child.lowercasedName == "managingeditor" || metadata.authors.isEmpty
                    {
                        metadata.authors.append(person)
                    }
                case "image":
                    if metadata.image == nil, let urlNode = child.children.first(where: { $0.name == "url" }) {
                        metadata.image = url(urlNode.text, base: urlNode.base)
                    }
                case "ttl": feed.schedule.ttlMinutes = Self.integer(child.text)
                case "skiphours":
                    feed.schedule.skipHours = Set(child.children.compactMap { Self.integer($0.text) }.filter { (0...24).contains($0) }.map { $0 % 24 })
                case "skipdays":
                    feed.schedule.skipDays = Set(child.children.compactMap { Self.collapsedText($0)?.capitalized })
                default: break
                }
                continue
            }
            if child.namespace == NS.sy {
                if child.name == "updatePeriod" { syndicationPeriod = Self.syndicationPeriodSeconds(child.text) }
                if child.name == "updateFrequency" { syndicationFrequency = Self.integer(child.text) }
                continue
            }
            if NS.atomAny.contains(child.namespace), child.name == "link" {
                let rel = child.attribute(.rel) ?? "alternate"
                if rel == "self" { metadata.selfLink = url(child.attribute(.href), base: child.base) }
                if rel == "hub" { metadata.hub = url(child.attribute(.href), base: child.base) }
                if rel == "alternate", metadata.link == nil { metadata.link = url(child.attribute(.href), base: child.base) }
                continue
            }
            if NS.dcAny.contains(child.namespace) {
                switch child.name {
                case "language":
                    if metadata.language == nil || child.language == nil {
                        metadata.language = Self.language(child.text)
                    }
                case "rights": if metadata.rights == nil { metadata.rights = Self.collapsedInnerText(child) }
                case "publisher", "creator", "author":
                    if let person = Self.person(fromText: child.innerText), !metadata.authors.contains(person) {
                        metadata.authors.append(person)
                    }
                case "date", "modified": if metadata.updated == nil { metadata.updated = date(child) }
                case "title": if metadata.title == nil { metadata.title = plainTitle(child) }
                case "description": if metadata.subtitle == nil { metadata.subtitle = html(child) }
                default: break
                }
                continue
            }
            if NS.itunesAny.contains(child.namespace) {
                switch child.name {
                case "author":
                    if metadata.authors.isEmpty, let person = Self.person(fromText: child.innerText) {
                        metadata.authors.append(person)
                    }
                case "image": if metadata.image == nil { metadata.image = url(child.attribute(.href), base: child.base) }
                case "summary", "subtitle":
                    if metadata.subtitle == nil, let text = Self.trimmed(child.innerText) {
                        metadata.subtitle = HTMLEntities.escape(text)
                    }
                default: break
                }
                continue
            }
            if child.namespace == NS.admin, child.name == "generatorAgent", metadata.generator == nil {
                metadata.generator = url(child.attribute("resource", namespace: NS.rdf), base: child.base)
            }
            _ = applyCommonExtension(child, to: &holder)
        }
        // RSS 1.0 keeps <image> beside <channel>.
        if metadata.image == nil, let image = root.children.first(where: { $0.name == "image" }),
            let urlNode = image.children.first(where: { $0.name == "url" })
        {
            metadata.image = url(urlNode.text, base: urlNode.base)
        }
        if let syndicationPeriod {
            feed.schedule.updateIntervalSeconds = syndicationPeriod / max(1, syndicationFrequency ?? 1)
        }
        feed.metadata = metadata
    }

    /// Seconds per period named by sy:updatePeriod.
    static func syndicationPeriodSeconds(_ text: String) -> Int? {
        switch collapsed(text)?.lowercased() {
        case "hourly": return 3600
        case "daily": return 86_400
        case "weekly": return 604_800
        case "monthly": return 2_592_000
        case "yearly": return 31_536_000
        default: return nil
        }
    }
}
