import Foundation

/// Makes feed HTML safe to republish, and extracts plain text from it.
///
/// The sanitizer is allowlist-based (like feedparser's `_HTMLSanitizer` and Miniflux's sanitizer): it
/// tokenizes with `HTMLTokenizer` and re-serialises only the allowed tags and attributes (see
/// `HTMLSanitizer+Rules.swift`), so nothing it did not understand reaches the output. All entry points
/// work on UTF-8 bytes and run in time linear in the input.
public enum HTMLSanitizer {
    /// Returns safe HTML: allowlisted tags and attributes only (like feedparser's _HTMLSanitizer and
    /// Miniflux's sanitizer), relative URLs in href/src/srcset/poster/cite resolved with `resolve`
    /// (called with each raw URL; return the absolute one or nil to drop it).
    ///
    /// - `script`, `style`, `svg`, `math`, `template`, `iframe`, `object`, `applet`, `frameset`, `noembed`,
    ///   `noframes`, `textarea`, `select` and `title` are removed with their content; other unknown
    ///   or unsafe tags (`form`, `button`, `embed`, `meta`, `link`, `base`, ...) are removed but their text kept.
    /// - Only allowlisted attributes survive, so `on*` and `style` never do. URLs are entity-decoded,
    ///   stripped of tab/newline and surrounding control characters, and kept only when relative or
    ///   http, https or mailto (`data:image/png|gif|jpeg|webp;base64,...` is also kept in `img src`).
    ///   `resolve` gets every such URL except `data:` ones, and its result is checked the same way.
    ///   `img`, `source` and `track` left without a `src` or `srcset` are dropped.
    /// - Implied end tags (`<p>a<p>b`, `<li>`, table cells) are applied, stray end tags dropped and open
    ///   elements closed at the end, so the output is balanced. Void elements are written as `<br/>`.
    /// - Text and attribute values are decoded and re-escaped (`&`, `<`, `>`, `"`); comments, doctypes and
    ///   characters illegal in XML 1.0 are dropped. CDATA sections become escaped text.
    /// - Elements nested deeper than 128 are dropped (their content is kept).
    ///
    /// Complexity: O(n). Input needing no change (no markup, references or illegal characters) is returned as is.
    public static func sanitize(_ html: String, resolve: (String) -> String? = { $0 }) -> String {
        var html = html
        let sanitized: String? = html.withUTF8 { needsSanitizing($0) ? sanitizing($0, resolve: resolve) : nil }
        return sanitized ?? html
    }

    /// `sanitize(_:resolve:)` for HTML given as UTF-8 bytes, which must be valid UTF-8: the output is
    /// made a String without validating it again (`String(validUTF8:)`).
    public static func sanitize(utf8: UnsafeBufferPointer<UInt8>, resolve: (String) -> String? = { $0 }) -> String {
        guard needsSanitizing(utf8) else { return String(validUTF8: utf8) }
        return sanitizing(utf8, resolve: resolve)
    }

    /// `sanitize(utf8:resolve:)` with relative URLs resolved against `base` by `URLReference.resolve`.
    ///
    /// An absolute `http` or `https` URL of printable ASCII without a reference is copied as it stands:
    /// resolving it against any base, normalizing and checking it give it back unchanged. A caller that
    /// sanitizes many fields passes a `workspace`, whose buffers the calls reuse.
    public static func sanitize(utf8: UnsafeBufferPointer<UInt8>, base: String?, workspace: Workspace? = nil) -> String {
        guard needsSanitizing(utf8) else { return String(validUTF8: utf8) }
        return sanitizing(utf8, urls: .base(base), workspace: workspace ?? Workspace())
    }

    /// Storage one caller reuses across `sanitize(utf8:base:workspace:)` calls, one call at a time: the
    /// output buffer, a tag's attribute list, scratch bytes, and the allowlist tables the calls borrow.
    /// Without it every call allocates the buffers, and the output buffer, as large as the field, also
    /// made malloc consolidate its free lists.
    public final class Workspace {
        @exclusivity(unchecked) var output = GrowableBytes(capacity: 4096)
        @exclusivity(unchecked) var attributes: [ScannedAttribute] = []
        @exclusivity(unchecked) var scratch: [UInt8] = []
        let rules = HTMLSanitizer.tagRules
        let actions = HTMLSanitizer.tagActions
        let indices = HTMLSanitizer.indices
        /// The stack of open elements: `maxDepth` of them take 5 KiB, more than Swift puts on the stack
        /// (`withUnsafeTemporaryAllocation` goes to the heap from 1 KiB), so a call would allocate it.
        fileprivate let openElements = UnsafeMutableBufferPointer<OpenElement>.allocate(capacity: HTMLSanitizer.maxDepth)

        public init() {}

        deinit { openElements.deallocate() }
    }

    /// How URLs in attributes are resolved: against a base by `URLReference.resolve` (which lets
    /// printable absolute web URLs through as they stand), or by the caller's function.
    enum URLResolution {
        case base(String?)
        case custom((String) -> String?)
    }

    private static func sanitizing(_ source: UnsafeBufferPointer<UInt8>, resolve: (String) -> String?) -> String {
        withoutActuallyEscaping(resolve) { resolve in sanitizing(source, urls: .custom(resolve), workspace: Workspace()) }
    }

    private static func sanitizing(
        _ source: UnsafeBufferPointer<UInt8>, urls: URLResolution, workspace: Workspace
    ) -> String {
        // The bookkeeping table lives on the stack, the open elements in the workspace: no allocation per call.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: indices.count) { innermost in
            innermost.initialize(repeating: -1)
            var run = SanitizerRun(
                source: source, innermost: innermost, stack: workspace.openElements, urls: urls, workspace: workspace)
            while let token = run.tokenizer.nextScanned() { run.handle(token) }
            run.closeAll()
            workspace.attributes = run.tokenizer.takeAttributeStorage()
            // Valid: pieces of valid input at ASCII boundaries, ASCII markup, decoded references and URLs.
            return workspace.output.withBytes { String(validUTF8: $0) }
        }
    }

    /// Whether the HTML contains anything `sanitize` would change: markup, references or illegal characters.
    private static func needsSanitizing(_ source: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in source where byte <= 0x3E || byte == 0xEF {
            switch byte {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""), 0xEF: return true
            case 0x09, 0x0A, 0x0D: continue
            case ..<0x20: return true
            default: continue
            }
        }
        return false
    }
}

/// One element on the sanitizer's stack of open elements.
private struct OpenElement {
    let rule: Int
    /// The values of `innermost` this element replaced, restored when it closes.
    let previousSameRule: Int
    let previousGroup: Int
    let previousSpecial: Int
    let previousTableScope: Int
}

/// The state of one `HTMLSanitizer.sanitize` call.
private struct SanitizerRun {
    let source: UnsafeBufferPointer<UInt8>
    var tokenizer: HTMLByteTokenizer
    let urls: HTMLSanitizer.URLResolution
    let workspace: HTMLSanitizer.Workspace
    /// The workspace's output buffer, emptied for this run, and its scratch bytes for one reference or URL.
    /// (Nonmutating: they are the workspace's, so using both at once is no overlapping access to the run.)
    var output: GrowableBytes {
        _read { yield workspace.output }
        nonmutating _modify { yield &workspace.output }
    }
    var scratch: [UInt8] {
        _read { yield workspace.scratch }
        nonmutating _modify { yield &workspace.scratch }
    }
    /// The open elements, `depth` of them, in storage for `HTMLSanitizer.maxDepth`: only that many are
    /// ever open (deeper start tags are dropped).
    let stack: UnsafeMutableBufferPointer<OpenElement>
    var depth = 0
    /// Stack index of the innermost open element per rule, group, special and table-scope key; -1 when none.
    /// Keeps every implied-end-tag decision O(1) however deep the stack is.
    let innermost: UnsafeMutableBufferPointer<Int>
    /// The removed element whose content is being skipped (its slot in `actions`), and how many of it are open.
    var skippedElement: Int?
    var isSkippedElementForeign = false
    var skippedDepth = 0
    /// The allowlist and its bookkeeping, borrowed from the workspace (copies here cost a retain and a
    /// release each per call).
    var rules: [HTMLTagRule] { _read { yield workspace.rules } }
    var actions: HTMLNameTable<HTMLTagAction> { _read { yield workspace.actions } }
    var indices: HTMLSanitizer.Indices { _read { yield workspace.indices } }

    init(
        source: UnsafeBufferPointer<UInt8>, innermost: UnsafeMutableBufferPointer<Int>,
        stack: UnsafeMutableBufferPointer<OpenElement>, urls: HTMLSanitizer.URLResolution,
        workspace: HTMLSanitizer.Workspace
    ) {
        self.source = source
        self.innermost = innermost
        self.stack = stack
        self.urls = urls
        self.workspace = workspace
        workspace.output.removeAll()
        let attributes = workspace.attributes
        workspace.attributes = []  // the tokenizer's copy is then the only one: no copy on write
        self.tokenizer = HTMLByteTokenizer(source: source, attributeStorage: attributes)
    }

    /// Resolves a URL found in an attribute as `urls` says.
    static func resolved(_ url: String, _ urls: HTMLSanitizer.URLResolution) -> String? {
        switch urls {
        case .base(let base): return URLReference.resolve(url, against: base)
        case .custom(let resolve): return resolve(url)
        }
    }

    mutating func handle(_ token: ScannedToken) {
        switch token {
        case .text(let range):
            if skippedElement == nil {
                HTMLWriter.appendEscaped(source, range, decoding: true, to: &output, scratch: &scratch)
            }
        case .rawText(let range), .cdata(let range):
            if skippedElement == nil { HTMLWriter.appendEscaped(source, range, to: &output) }
        case .startTag(let tag):
            handleStartTag(tag)
        case .endTag(let tag):
            handleEndTag(tag)
        case .comment, .doctype:
            break
        }
    }

    mutating func handleStartTag(_ tag: ScannedTag) {
        let action = actions.lookup(source, tag.nameRange, hash: tag.nameHash)
        if let skipped = skippedElement {
            if action?.slot == skipped, !(tag.isSelfClosing && isSkippedElementForeign) { skippedDepth += 1 }
            return
        }
        guard let (slot, action) = action else { return }
        switch action {
        case .removeWithContent(let isForeign):
            if !(tag.isSelfClosing && isForeign) {
                skippedElement = slot
                isSkippedElementForeign = isForeign
                skippedDepth = 1
            }
        case .keep(let ruleIndex):
            let flags = rules[ruleIndex].flags
            closeImpliedElements(before: ruleIndex, flags: flags, group: rules[ruleIndex].group)
            let isVoid = flags.contains(.isVoid)
            guard isVoid || depth < indices.maxDepth else { return }
            let mark = output.count
            output.append(UInt8(ascii: "<"))
            output.append(rules[ruleIndex].nameBytes)
            let hasSource = appendAttributes(rules[ruleIndex].attributes)
            if flags.contains(.requiresSource), !hasSource {  // an img without a usable source shows nothing
                output.removeLast(from: mark)
                return
            }
            if isVoid {
                output.append(UInt8(ascii: "/"))
                output.append(UInt8(ascii: ">"))
            } else {
                output.append(UInt8(ascii: ">"))
                push(ruleIndex, flags: flags, group: rules[ruleIndex].group)
            }
        }
    }

    mutating func handleEndTag(_ tag: ScannedTag) {
        let action = actions.lookup(source, tag.nameRange, hash: tag.nameHash)
        if let skipped = skippedElement {
            if action?.slot == skipped {
                skippedDepth -= 1
                if skippedDepth == 0 { skippedElement = nil }
            }
            return
        }
        guard case .keep(let ruleIndex) = action?.value else { return }
        let index = innermost[ruleIndex]
        guard index >= 0 else { return }  // stray end tag
        let boundary: Int
        if ruleIndex == indices.table {
            boundary = -1
        } else if rules[ruleIndex].flags.contains(.isTableScope) || rules[ruleIndex].group == .tableSection
            || ruleIndex == indices.tableRow
        {
            boundary = innermost[indices.table]
        } else {
            boundary = innermost[indices.tableScope]
        }
        if index > boundary { close(downTo: index) }
    }

    /// Applies the HTML5 implied end tags that a start tag of `rule` triggers.
    mutating func closeImpliedElements(before ruleIndex: Int, flags: HTMLTagRule.Flags, group: HTMLTagRule.Group?) {
        let tableScope = innermost[indices.tableScope]
        let table = innermost[indices.table]
        if flags.contains(.closesParagraph), innermost[indices.paragraph] > tableScope {
            close(downTo: innermost[indices.paragraph])
        }
        if flags.contains(.isHeading), depth > 0, rules[stack[depth - 1].rule].flags.contains(.isHeading) {
            close(downTo: depth - 1)
        }
        let target: Int
        switch ruleIndex {
        case indices.listItem:
            target = innermost[indices.listItem] == innermost[indices.specialElement] ? innermost[indices.listItem] : -1
        case indices.anchor:
            target = innermost[indices.anchor] > tableScope ? innermost[indices.anchor] : -1
        case indices.tableRow:
            target = innermost[indices.tableRow] > table ? innermost[indices.tableRow] : -1
        default:
            switch group {
            case .definition:
                let open = innermost[indices.group(.definition)]
                target = open == innermost[indices.specialElement] ? open : -1
            case .cell:
                let open = innermost[indices.group(.cell)]
                target = open > max(innermost[indices.tableRow], table) ? open : -1
            case .tableSection:
                let open = innermost[indices.group(.tableSection)]
                target = open > table ? open : -1
            case nil:
                target = -1
            }
        }
        if target >= 0 { close(downTo: target) }
    }

    /// Writes the allowed attributes of the start tag just scanned (`tokenizer.attributes`); returns whether
    /// a `src` or `srcset` survived.
    mutating func appendAttributes(_ allowed: UnsafeBufferPointer<HTMLTagRule.Attribute>) -> Bool {
        var written: UInt32 = 0  // bit per allowed attribute, so duplicates keep the first as browsers do
        var hasSource = false
        for index in tokenizer.attributes.indices {
            let attribute = tokenizer.attributes[index]
            let slot = allowed.firstIndex {
                $0.nameHash == attribute.nameHash && HTMLNameHash.equalsLowercased(source, attribute.nameRange, $0.nameBytes)
            }
            guard let slot, written & (1 << slot) == 0 else { continue }
            let kind = allowed[slot].kind
            if kind == .text {
                appendAttributeStart(allowed[slot].nameBytes)
                if let range = attribute.valueRange {
                    HTMLWriter.appendEscaped(
                        source, range, decoding: true, isAttribute: true, to: &output, scratch: &scratch)
                }
            } else {
                guard let range = attribute.valueRange else { continue }
                if case .base = urls, kind != .srcset, HTMLSanitizer.isPrintableWebURL(source, range) {
                    // Most URLs in feeds: resolving, normalizing and checking give them back unchanged.
                    hasSource = hasSource || allowed[slot].isSource
                    appendAttributeStart(allowed[slot].nameBytes)
                    HTMLWriter.appendEscaped(source, range, to: &output)
                    output.append(UInt8(ascii: "\""))
                    written |= 1 << slot
                    continue
                }
                let checked: String?
                let urls = urls
                let resolve = { (url: String) in Self.resolved(url, urls) }
                if kind != .srcset, let plain = HTMLSanitizer.plainWebURL(source, range) {
                    checked = HTMLSanitizer.resolvedSafeURL(plain, resolve: resolve)
                } else {
                    scratch.removeAll(keepingCapacity: true)
                    HTMLEntities.appendDecoded(source, range, isAttribute: true, to: &scratch)
                    let raw = String(decoding: scratch, as: UTF8.self)
                    checked =
                        kind == .srcset
                        ? HTMLSanitizer.safeSrcset(raw, resolve: resolve)
                        : HTMLSanitizer.safeURL(raw, allowsDataImage: kind == .imageURL, resolve: resolve)
                }
                guard let url = checked else { continue }
                hasSource = hasSource || allowed[slot].isSource
                appendAttributeStart(allowed[slot].nameBytes)
                HTMLWriter.appendEscaped(url, to: &output)
            }
            output.append(UInt8(ascii: "\""))
            written |= 1 << slot
        }
        return hasSource
    }

    mutating func appendAttributeStart(_ name: StaticString) {
        output.append(UInt8(ascii: " "))
        output.append(name)
        output.append(UInt8(ascii: "="))
        output.append(UInt8(ascii: "\""))
    }

    mutating func push(_ ruleIndex: Int, flags: HTMLTagRule.Flags, group: HTMLTagRule.Group?) {
        let index = depth
        precondition(index < stack.count, "the sanitizer's stack is full")
        let groupKey = group.map(indices.group)
        (stack.baseAddress! + index).initialize(
            to: OpenElement(
                rule: ruleIndex,
                previousSameRule: innermost[ruleIndex],
                previousGroup: groupKey.map { innermost[$0] } ?? -1,
                previousSpecial: innermost[indices.specialElement],
                previousTableScope: innermost[indices.tableScope]))
        depth += 1
        innermost[ruleIndex] = index
        if let groupKey { innermost[groupKey] = index }
        if flags.contains(.isSpecial) { innermost[indices.specialElement] = index }
        if flags.contains(.isTableScope) { innermost[indices.tableScope] = index }
    }

    /// Pops and writes end tags for the open elements from the innermost down to stack index `index`.
    mutating func close(downTo index: Int) {
        while depth > index {
            depth -= 1
            let element = stack[depth]
            output.append(UInt8(ascii: "<"))
            output.append(UInt8(ascii: "/"))
            output.append(rules[element.rule].nameBytes)
            output.append(UInt8(ascii: ">"))
            innermost[element.rule] = element.previousSameRule
            if let group = rules[element.rule].group { innermost[indices.group(group)] = element.previousGroup }
            let flags = rules[element.rule].flags
            if flags.contains(.isSpecial) { innermost[indices.specialElement] = element.previousSpecial }
            if flags.contains(.isTableScope) { innermost[indices.tableScope] = element.previousTableScope }
        }
    }

    mutating func closeAll() {
        close(downTo: 0)
    }
}
