/// The sanitizer's allowlist: which tags survive, with which attributes, and how they nest.
struct HTMLTagRule: Sendable {
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
    }

    /// Elements that close each other when a sibling starts: dd/dt, td/th, tbody/thead/tfoot.
    enum Group: Int, CaseIterable, Sendable {
        case definition, cell, tableSection
    }

    let name: String
    /// Allowed attributes besides the global `lang` and `dir`.
    let attributes: [String]
    let flags: Flags
    let group: Group?
}

extension HTMLSanitizer {
    /// Attributes allowed on every kept element.
    static let globalAttributes = ["lang", "dir"]

    /// Attributes holding one URL; `srcset` holds a list and is handled per candidate.
    static let urlAttributes: Set<String> = ["href", "src", "poster", "cite"]

    /// Removed elements whose content is dropped too.
    static let droppedContentElements: Set<String> = [
        "script", "style", "svg", "math", "template", "iframe", "object", "applet", "frameset", "noembed",
        "noframes", "textarea", "select", "title",
    ]

    /// Dropped-content elements that may be self-closing (foreign content honours `/>`).
    static let foreignElements: Set<String> = ["svg", "math"]

    /// The deepest nesting kept; start tags beyond it are dropped (their content is kept).
    static let maxDepth = 128

    /// Kept elements; their indices key `tagRuleIndex` and the sanitizer's open-element bookkeeping.
    static let tagRules: [HTMLTagRule] = {
        typealias F = HTMLTagRule.Flags
        let block: F = [.isSpecial, .closesParagraph]
        var rules: [HTMLTagRule] = []
        func add(_ names: [String], _ attributes: [String] = [], _ flags: F = [], _ group: HTMLTagRule.Group? = nil) {
            for name in names {
                rules.append(HTMLTagRule(name: name, attributes: attributes, flags: flags, group: group))
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
        add(["img"], ["src", "alt", "title", "width", "height", "srcset", "sizes", "loading"], .isVoid)
        add(["source"], ["src", "type", "srcset", "sizes", "media"], .isVoid)
        add(["track"], ["src", "kind", "srclang", "label"], .isVoid)
        return rules
    }()

    /// Index into `tagRules` by tag name.
    static let tagRuleIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: tagRules.enumerated().map { ($0.element.name, $0.offset) })

    /// Keys into the sanitizer's `innermost` table besides the per-rule ones.
    enum ScopeKey {
        static let specialElement = tagRules.count + HTMLTagRule.Group.allCases.count
        static let tableScope = specialElement + 1
        static let count = tableScope + 1
        static func group(_ group: HTMLTagRule.Group) -> Int { tagRules.count + group.rawValue }
    }

    /// `tagRules` indices of the elements the implied-end-tag rules name.
    enum RuleIndex {
        static let paragraph = index("p")
        static let listItem = index("li")
        static let anchor = index("a")
        static let table = index("table")
        static let tableRow = index("tr")
        static let image = index("img")

        private static func index(_ name: String) -> Int {
            guard let index = tagRuleIndex[name] else { fatalError("\(name) missing from HTMLSanitizer.tagRules") }
            return index
        }
    }
}
