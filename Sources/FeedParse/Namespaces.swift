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
