import XMLSupport

/// Namespace URIs of the feed formats and extensions the parser reads.
enum NS {
    static let atom10 = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let rss2Userland = "http://backend.userland.com/rss2"
    static let rss2Userland2 = "http://blogs.law.harvard.edu/tech/rss"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let dcterms = "http://purl.org/dc/terms/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let media = "http://search.yahoo.com/mrss/"
    static let mediaNoSlash = "http://search.yahoo.com/mrss"
    static let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"
    static let itunesAlt = "http://www.itunes.com/DTDs/Podcast-1.0.dtd"
    static let slash = "http://purl.org/rss/1.0/modules/slash/"
    static let sy = "http://purl.org/rss/1.0/modules/syndication/"
    static let feedburner = "http://rssnamespace.org/feedburner/ext/1.0"
    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let admin = "http://webns.net/mvcb/"

    /// Namespaces whose elements count as core RSS elements.
    static let rssCore: Set<String?> = [nil, rss10, rss090, rss2Userland, rss2Userland2]
    /// Both Atom namespaces (Atom elements embedded in RSS, atom:source, Atom 0.3).
    static let atomAny: Set<String?> = [atom10, atom03]
    static let dcAny: Set<String?> = [dc, dcterms]
    static let mediaAny: Set<String?> = [media, mediaNoSlash]
    static let itunesAny: Set<String?> = [itunes, itunesAlt]
    /// Namespaces that are never a feed format's own vocabulary (extensions, RDF, XHTML).
    static let foreign: Set<String?> = [
        rdf, dc, dcterms, content, media, mediaNoSlash, itunes, itunesAlt, slash, sy, feedburner, xhtml, admin,
    ]
}

/// The namespaces of one document, each classified once: whether it is the format's own, and which
/// extension it belongs to.
///
/// Elements carry a number for their namespace (`XMLNode.namespaceNumber`), so classifying an element
/// is an array lookup rather than hashing its namespace URI against several sets. Used by one parse on
/// one thread, so Swift's dynamic exclusivity checks on the table are left out.
final class NamespaceClassifier {
    /// The extension vocabularies the reader knows, as `applyCommonExtension` dispatches on them.
    enum Family {
        case dublinCore, content, media, itunes, xhtml, feedburner, atom, other
    }

    struct Class {
        var isCore: Bool
        var family: Family
    }

    /// The core elements of an RSS item or Atom entry that the converters act on.
    enum ItemElement {
        case title, link, description, guid, pubDate, author, category, tags, fullItem, comments, enclosure
        case id, summary, content, published, issued, updated, modified, created, contributor
        case other
    }

    /// Namespaces of the document's own elements (see `XMLFeedReader.coreNamespaces(of:dialect:)`).
    let coreNamespaces: Set<String?>
    /// By namespace number + 1 (index 0: no namespace); nil until first met.
    @exclusivity(unchecked) private var classes: [Class?] = []
    /// By name number (`XMLNode.nameNumber`); nil until first met. Spares comparing each child's name
    /// with a dozen strings in every item.
    @exclusivity(unchecked) private var rssElements: [ItemElement?] = []
    @exclusivity(unchecked) private var atomElements: [ItemElement?] = []

    init(coreNamespaces: Set<String?>) {
        self.coreNamespaces = coreNamespaces
    }

    func classify(_ node: XMLNode) -> Class {
        let slot = node.namespaceNumber + 1
        if slot < classes.count, let known = classes[slot] { return known }
        let namespace = node.namespace
        let family: Family
        switch namespace {
        case let uri where NS.dcAny.contains(uri): family = .dublinCore
        case NS.content: family = .content
        case let uri where NS.mediaAny.contains(uri): family = .media
        case let uri where NS.itunesAny.contains(uri): family = .itunes
        case NS.xhtml: family = .xhtml
        case NS.feedburner: family = .feedburner
        case let uri where NS.atomAny.contains(uri): family = .atom
        default: family = .other
        }
        let found = Class(isCore: coreNamespaces.contains(namespace), family: family)
        if slot >= classes.count { classes.append(contentsOf: repeatElement(nil, count: slot + 1 - classes.count)) }
        classes[slot] = found
        return found
    }

    /// What a core child of an RSS item is; names match case-insensitively, as lenient readers (iTunes) do.
    func rssItemElement(_ node: XMLNode) -> ItemElement {
        Self.element(of: node, in: &rssElements) { Self.rssItemNames[$0.lowercasedName] ?? .other }
    }

    /// What a core child of an Atom entry is (names match exactly).
    func atomEntryElement(_ node: XMLNode) -> ItemElement {
        Self.element(of: node, in: &atomElements) { Self.atomEntryNames[$0.name] ?? .other }
    }

    private static let rssItemNames: [String: ItemElement] = [
        "title": .title, "link": .link, "description": .description, "guid": .guid, "pubdate": .pubDate,
        "author": .author, "category": .category, "tags": .tags, "fullitem": .fullItem, "comments": .comments,
        "enclosure": .enclosure,
    ]

    private static let atomEntryNames: [String: ItemElement] = [
        "id": .id, "title": .title, "summary": .summary, "content": .content, "published": .published,
        "issued": .issued, "updated": .updated, "modified": .modified, "created": .created, "author": .author,
        "contributor": .contributor, "category": .category, "link": .link,
    ]

    /// The element `classify` says `node` is, asked once per name number and kept in `table`.
    private static func element(
        of node: XMLNode, in table: inout [ItemElement?], classify: (XMLNode) -> ItemElement
    ) -> ItemElement {
        let number = node.nameNumber
        if number < table.count, let known = table[number] { return known }
        let element = classify(node)
        if number >= table.count { table.append(contentsOf: repeatElement(nil, count: number + 1 - table.count)) }
        table[number] = element
        return element
    }
}

/// The unprefixed attributes the readers look up, each keyed once (see `XMLNode.attribute(_:)`).
extension XMLAttributeName {
    static let fileSize = XMLAttributeName("fileSize")
    static let href = XMLAttributeName("href")
    static let isPermaLink = XMLAttributeName("isPermaLink")
    static let length = XMLAttributeName("length")
    static let mode = XMLAttributeName("mode")
    static let rel = XMLAttributeName("rel")
    static let src = XMLAttributeName("src")
    static let term = XMLAttributeName("term")
    static let text = XMLAttributeName("text")
    static let title = XMLAttributeName("title")
    static let type = XMLAttributeName("type")
    static let url = XMLAttributeName("url")
    static let version = XMLAttributeName("version")
    static let xmlUrl = XMLAttributeName("xmlUrl")
    static let xmlurl = XMLAttributeName("xmlurl")
}
