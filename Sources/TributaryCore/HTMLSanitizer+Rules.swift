/// The sanitizer's allowlist: which tags survive, with which attributes, and how they nest.
/// Unchecked `Sendable`: `attributes` is written once, when the static rules are built, and never freed.
struct HTMLTagRule: @unchecked Sendable {
    /// Properties that drive implied end tags, modelled on the HTML5 tree builder.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let isVoid = Flags(rawValue: 1 << 0)
        /// In HTML5's "special" category (div and p excluded): stops the search for an open li, dd or dt.
        static let isSpecial = Flags(rawValue: 1 << 1)
        /// table, td, th, caption: end tags and implied closes do not reach past these.
        static let isTableScope = Flags(rawValue: 1 << 2)
        /// A start tag that closes an open p first.
        static let closesParagraph = Flags(rawValue: 1 << 3)
        static let isHeading = Flags(rawValue: 1 << 4)
        /// img, source, track: dropped when no `src` or `srcset` survives.
        static let requiresSource = Flags(rawValue: 1 << 5)
    }

    /// Elements that close each other when a sibling starts: dd/dt, td/th, tbody/thead/tfoot.
    enum Group: Int, CaseIterable, Sendable {
        case definition, cell, tableSection
    }

    /// How an allowed attribute's value is checked.
    enum AttributeKind: Sendable {
        case text
        case url
        /// `img src`: a URL that may also be a base64 PNG, GIF, JPEG or WebP `data:` URL.
        case imageURL
        case srcset
    }

    struct Attribute: Sendable {
        let name: String
        let nameHash: UInt32
        /// The name as constant bytes, written without reference counting.
        let nameBytes: StaticString
        let kind: AttributeKind
        /// Whether this is `src` or `srcset`, which make an `img`, `source` or `track` worth keeping.
        let isSource: Bool
    }

    let name: String
    /// The name as constant bytes, written without reference counting.
    let nameBytes: StaticString
    /// Allowed attributes, the global `lang` and `dir` included; at most 32. A buffer that lives as long
    /// as the process (the rules are static): handing an array to the sanitizer for every start tag
    /// retained and released it.
    let attributes: UnsafeBufferPointer<Attribute>
    let flags: Flags
    let group: Group?

    init(name: String, nameBytes: StaticString, attributes: [Attribute], flags: Flags, group: Group?) {
        self.name = name
        self.nameBytes = nameBytes
        let storage = UnsafeMutableBufferPointer<Attribute>.allocate(capacity: attributes.count)
        _ = storage.initialize(from: attributes)
        self.attributes = UnsafeBufferPointer(storage)
        self.flags = flags
        self.group = group
    }
}

/// An open-addressing table from tag name to value, probed with the hash the tokenizer computed,
/// so a lookup costs no string hashing.
struct HTMLNameTable<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let name: String
        let hash: UInt32
        /// Where the name's bytes are in `names`.
        let bytes: Range<Int>
        let value: Value
    }

    private var entries = [Entry?](repeating: nil, count: 256)
    /// The UTF-8 of every name, one after the other.
    private var names: [UInt8] = []

    init(_ pairs: [(String, Value)]) {
        precondition(pairs.count < entries.count / 2, "HTMLNameTable is sized for at most 127 names")
        for (name, value) in pairs {
            let hash = HTMLNameHash.of(name)
            var slot = Int(hash) & (entries.count - 1)
            while entries[slot] != nil { slot = (slot + 1) & (entries.count - 1) }
            let start = names.count
            names.append(contentsOf: name.utf8)
            entries[slot] = Entry(name: name, hash: hash, bytes: start..<names.count, value: value)
        }
    }

    /// The value for `name`, whose `HTMLNameHash` is `hash`.
    subscript(name: String, hash: UInt32) -> Value? {
        var slot = Int(hash) & (entries.count - 1)
        while let entry = entries[slot] {
            if entry.hash == hash, entry.name == name { return entry.value }
            slot = (slot + 1) & (entries.count - 1)
        }
        return nil
    }

    /// The entry for the name at `range` of `source` as written (compared ASCII-lowercased), whose
    /// `HTMLNameHash` once lowercased is `hash`: its slot, the same for every spelling of the name, and value.
    func lookup(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt32) -> (slot: Int, value: Value)? {
        var slot = Int(hash) & (entries.count - 1)
        while let entry = entries[slot] {
            if entry.hash == hash, entry.bytes.count == range.count,
                names.withUnsafeBufferPointer({
                    HTMLNameHash.equalsLowercased(source, range, UnsafeBufferPointer(rebasing: $0[entry.bytes]))
                })
            {
                return (slot, entry.value)
            }
            slot = (slot + 1) & (entries.count - 1)
        }
        return nil
    }
}

/// What the sanitizer does with a start or end tag it knows.
enum HTMLTagAction: Sendable {
    /// Keep the element; the index is into `HTMLSanitizer.tagRules`.
    case keep(Int)
    /// Remove the element and its content. Foreign (SVG, MathML) elements honour `/>`.
    case removeWithContent(isForeign: Bool)
}

extension HTMLSanitizer {
    /// Attributes allowed on every kept element.
    static let globalAttributes: [StaticString] = ["lang", "dir"]

    /// Attributes holding one URL; `srcset` holds a list and is handled per candidate.
    static let urlAttributes: Set<String> = ["href", "src", "poster", "cite"]

    /// Removed elements whose content is dropped too.
    static let droppedContentElements: Set<String> = [
        "script", "style", "svg", "math", "template", "iframe", "object", "applet", "frameset", "noembed",
        "noframes", "textarea", "select", "title",
    ]

    /// Dropped-content elements that may be self-closing (foreign content honours `/>`).
    static let foreignElements: Set<String> = ["svg", "math"]

    /// The action for every tag name the sanitizer knows; other tags are removed and their content kept.
    static let tagActions = HTMLNameTable<HTMLTagAction>(
        tagRules.enumerated().map { ($0.element.name, .keep($0.offset)) }
            + droppedContentElements.map { ($0, .removeWithContent(isForeign: foreignElements.contains($0))) })

    /// The deepest nesting kept; start tags beyond it are dropped (their content is kept).
    static let maxDepth = 128

    /// Kept elements; their indices key `tagActions` and the sanitizer's open-element bookkeeping.
    static let tagRules: [HTMLTagRule] = {
        typealias F = HTMLTagRule.Flags
        let block: F = [.isSpecial, .closesParagraph]
        var rules: [HTMLTagRule] = []
        func add(
            _ names: [StaticString], _ attributes: [StaticString] = [], _ flags: F = [],
            _ group: HTMLTagRule.Group? = nil
        ) {
            for nameBytes in names {
                let name = nameBytes.description
                let allowed = (attributes + globalAttributes).map { attributeBytes in
                    let attribute = attributeBytes.description
                    let kind: HTMLTagRule.AttributeKind
                    if attribute == "srcset" {
                        kind = .srcset
                    } else if urlAttributes.contains(attribute) {
                        kind = name == "img" && attribute == "src" ? .imageURL : .url
                    } else {
                        kind = .text
                    }
                    return HTMLTagRule.Attribute(
                        name: attribute, nameHash: HTMLNameHash.of(attribute), nameBytes: attributeBytes, kind: kind,
                        isSource: attribute == "src" || attribute == "srcset")
                }
                rules.append(
                    HTMLTagRule(name: name, nameBytes: nameBytes, attributes: allowed, flags: flags, group: group))
            }
        }
        add(["a"], ["href", "title", "rel"])
        add(["abbr", "dfn"], ["title"])
        add(["b", "cite", "code", "em", "i", "kbd", "mark", "s", "samp", "small", "span", "strike", "strong"])
        add(["sub", "sup", "u", "picture"])
        add(["q"], ["cite"])
        add(["del", "ins"], ["datetime", "cite"])
        add(["time"], ["datetime"])
        add(["blockquote"], ["cite"], block)
        add(["details"], ["open"], block)
        add(["dl", "figcaption", "figure", "pre", "summary", "ul"], [], block)
        add(["ol"], ["start", "reversed"], block)
        add(["li"], [], block)
        add(["dd", "dt"], [], block, .definition)
        add(["div", "p"], [], .closesParagraph)
        add(["h1", "h2", "h3", "h4", "h5", "h6"], [], [.isSpecial, .closesParagraph, .isHeading])
        add(["table"], [], [.isSpecial, .isTableScope, .closesParagraph])
        add(["caption"], [], [.isSpecial, .isTableScope])
        add(["tbody", "thead", "tfoot"], [], .isSpecial, .tableSection)
        add(["tr"], [], .isSpecial)
        add(["td", "th"], ["colspan", "rowspan"], [.isSpecial, .isTableScope], .cell)
        add(["audio"], ["controls", "src", "type"])
        add(["video"], ["controls", "poster", "src", "type", "width", "height"])
        add(["br"], [], .isVoid)
        add(["hr"], [], [.isVoid, .closesParagraph])
        let media: F = [.isVoid, .requiresSource]
        add(["img"], ["src", "alt", "title", "width", "height", "srcset", "sizes", "loading"], media)
        add(["source"], ["src", "type", "srcset", "sizes", "media"], media)
        add(["track"], ["src", "kind", "srclang", "label"], media)
        return rules
    }()

    /// Positions the sanitizer's bookkeeping uses, computed once from `tagRules`.
    struct Indices: Sendable {
        /// `tagRules` indices of the elements the implied-end-tag rules name.
        let paragraph = Self.index("p")
        let listItem = Self.index("li")
        let anchor = Self.index("a")
        let table = Self.index("table")
        let tableRow = Self.index("tr")
        /// Keys into the sanitizer's `innermost` table after the per-rule ones: one per group, then these.
        let specialElement = tagRules.count + HTMLTagRule.Group.allCases.count
        let tableScope = tagRules.count + HTMLTagRule.Group.allCases.count + 1
        let count = tagRules.count + HTMLTagRule.Group.allCases.count + 2
        let maxDepth = HTMLSanitizer.maxDepth
        private let groupBase = tagRules.count

        func group(_ group: HTMLTagRule.Group) -> Int { groupBase + group.rawValue }

        private static func index(_ name: String) -> Int {
            guard let index = tagRules.firstIndex(where: { $0.name == name }) else {
                fatalError("\(name) missing from HTMLSanitizer.tagRules")
            }
            return index
        }
    }

    static let indices = Indices()
}
