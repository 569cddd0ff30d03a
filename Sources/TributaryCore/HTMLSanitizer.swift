import Foundation

/// Makes feed HTML safe to republish, and extracts plain text from it.
///
/// The sanitizer is allowlist-based (like feedparser's `_HTMLSanitizer` and Miniflux's sanitizer): it
/// tokenizes with `HTMLTokenizer` and re-serialises only the allowed tags and attributes (see
/// `HTMLSanitizer+Rules.swift`), so nothing it did not understand reaches the output. All entry points
/// work on UTF-8 bytes and run in time linear in the input.
public enum HTMLSanitizer {
    /// Returns safe HTML: allowlisted tags and attributes only (like feedparser's _HTMLSanitizer and Miniflux's sanitizer),
    /// relative URLs in href/src/srcset/poster/cite resolved with `resolve` (called with each raw URL; return the absolute one or nil to drop it).
    ///
    /// - `script`, `style`, `svg`, `math`, `template`, `iframe`, `object`, `applet`, `frameset`, `noembed`,
    ///   `noframes`, `textarea`, `select` and `title` are removed with their content; other unknown
    ///   or unsafe tags (`form`, `button`, `embed`, `meta`, `link`, `base`, ...) are removed but their text kept.
    /// - Only allowlisted attributes survive, so `on*` and `style` never do. URLs are entity-decoded,
    ///   stripped of tab/newline and surrounding control characters, and kept only when relative or
    ///   http, https or mailto (`data:image/png|gif|jpeg|webp;base64,...` is also kept in `img src`).
    ///   `resolve` gets every such URL except `data:` ones, and its result is checked the same way.
    /// - Implied end tags (`<p>a<p>b`, `<li>`, table cells) are applied, stray end tags dropped and open
    ///   elements closed at the end, so the output is balanced. Void elements are written as `<br/>`.
    /// - Text and attribute values are decoded and re-escaped (`&`, `<`, `>`, `"`); comments, doctypes and
    ///   characters illegal in XML 1.0 are dropped. CDATA sections become escaped text.
    /// - Elements nested deeper than 128 are dropped (their content is kept).
    ///
    /// Complexity: O(n). Input needing no change (no markup, references or illegal characters) is returned as is.
    public static func sanitize(_ html: String, resolve: (String) -> String? = { $0 }) -> String {
        guard needsSanitizing(html) else { return html }
        return withoutActuallyEscaping(resolve) { resolve in
            var tokenizer = HTMLTokenizer(html)
            let bytes = tokenizer.bytes
            return bytes.withUnsafeBufferPointer { source in
                var run = SanitizerRun(source: source, resolve: resolve)
                while let token = tokenizer.next() { run.handle(token) }
                run.closeAll()
                return String(decoding: run.output, as: UTF8.self)
            }
        }
    }

    /// Whether `html` contains anything `sanitize` would change: markup, references or illegal characters.
    private static func needsSanitizing(_ html: String) -> Bool {
        var html = html
        return html.withUTF8 { source in
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
    let resolve: (String) -> String?
    var output: [UInt8] = []
    var scratch: [UInt8] = []
    var stack: [OpenElement] = []
    /// Stack index of the innermost open element per rule, group, special and table-scope key; -1 when none.
    /// Keeps every implied-end-tag decision O(1) however deep the stack is.
    var innermost = [Int](repeating: -1, count: HTMLSanitizer.ScopeKey.count)
    /// The removed element whose content is being skipped, and how many of it are open.
    var skippedElement: String?
    var skippedDepth = 0

    init(source: UnsafeBufferPointer<UInt8>, resolve: @escaping (String) -> String?) {
        self.source = source
        self.resolve = resolve
        output.reserveCapacity(source.count + source.count / 16)
    }

    mutating func handle(_ token: HTMLToken) {
        switch token {
        case .text(let range):
            if skippedElement == nil { HTMLWriter.appendEscaped(source, range, decoding: true, to: &output, scratch: &scratch) }
        case .rawText(let range), .cdata(let range):
            if skippedElement == nil { HTMLWriter.appendEscaped(source, range, to: &output) }
        case .startTag(let tag):
            handleStartTag(tag)
        case .endTag(let tag):
            handleEndTag(tag.name)
        case .comment, .doctype:
            break
        }
    }

    mutating func handleStartTag(_ tag: HTMLTag) {
        if let skipped = skippedElement {
            if tag.name == skipped, !(tag.isSelfClosing && HTMLSanitizer.foreignElements.contains(skipped)) {
                skippedDepth += 1
            }
            return
        }
        if HTMLSanitizer.droppedContentElements.contains(tag.name) {
            if !(tag.isSelfClosing && HTMLSanitizer.foreignElements.contains(tag.name)) {
                skippedElement = tag.name
                skippedDepth = 1
            }
            return
        }
        guard let ruleIndex = HTMLSanitizer.tagRuleIndex[tag.name] else { return }
        let rule = HTMLSanitizer.tagRules[ruleIndex]
        closeImpliedElements(before: ruleIndex, rule)
        let isVoid = rule.flags.contains(.isVoid)
        guard isVoid || stack.count < HTMLSanitizer.maxDepth else { return }
        let mark = output.count
        output.append(UInt8(ascii: "<"))
        output.append(contentsOf: rule.name.utf8)
        let hasURL = appendAttributes(of: tag, rule)
        if ruleIndex == HTMLSanitizer.RuleIndex.image, !hasURL {  // an img without a usable source shows nothing
            output.removeSubrange(mark...)
            return
        }
        if isVoid {
            output.append(contentsOf: "/>".utf8)
        } else {
            output.append(UInt8(ascii: ">"))
            push(ruleIndex, rule)
        }
    }

    mutating func handleEndTag(_ name: String) {
        if let skipped = skippedElement {
            if name == skipped {
                skippedDepth -= 1
                if skippedDepth == 0 { skippedElement = nil }
            }
            return
        }
        guard let ruleIndex = HTMLSanitizer.tagRuleIndex[name] else { return }
        let index = innermost[ruleIndex]
        guard index >= 0 else { return }  // stray end tag
        let rule = HTMLSanitizer.tagRules[ruleIndex]
        let boundary: Int
        if ruleIndex == HTMLSanitizer.RuleIndex.table {
            boundary = -1
        } else if rule.flags.contains(.isTableScope) || rule.group == .tableSection
            || ruleIndex == HTMLSanitizer.RuleIndex.tableRow
        {
            boundary = innermost[HTMLSanitizer.RuleIndex.table]
        } else {
            boundary = innermost[HTMLSanitizer.ScopeKey.tableScope]
        }
        if index > boundary { close(downTo: index) }
    }

    /// Applies the HTML5 implied end tags that a start tag of `rule` triggers.
    mutating func closeImpliedElements(before ruleIndex: Int, _ rule: HTMLTagRule) {
        typealias Key = HTMLSanitizer.ScopeKey
        typealias Index = HTMLSanitizer.RuleIndex
        let tableScope = innermost[Key.tableScope]
        let table = innermost[Index.table]
        if rule.flags.contains(.closesParagraph), innermost[Index.paragraph] > tableScope {
            close(downTo: innermost[Index.paragraph])
        }
        if rule.flags.contains(.isHeading), let last = stack.last,
            HTMLSanitizer.tagRules[last.rule].flags.contains(.isHeading)
        {
            close(downTo: stack.count - 1)
        }
        let target: Int
        switch ruleIndex {
        case Index.listItem:
            target = innermost[Index.listItem] == innermost[Key.specialElement] ? innermost[Index.listItem] : -1
        case Index.anchor:
            target = innermost[Index.anchor] > tableScope ? innermost[Index.anchor] : -1
        case Index.tableRow:
            target = innermost[Index.tableRow] > table ? innermost[Index.tableRow] : -1
        default:
            switch rule.group {
            case .definition:
                let open = innermost[Key.group(.definition)]
                target = open == innermost[Key.specialElement] ? open : -1
            case .cell:
                let open = innermost[Key.group(.cell)]
                target = open > max(innermost[Index.tableRow], table) ? open : -1
            case .tableSection:
                let open = innermost[Key.group(.tableSection)]
                target = open > table ? open : -1
            case nil:
                target = -1
            }
        }
        if target >= 0 { close(downTo: target) }
    }

    /// Writes the allowed attributes of `tag`; returns whether a `src` or `srcset` survived.
    mutating func appendAttributes(of tag: HTMLTag, _ rule: HTMLTagRule) -> Bool {
        var written: UInt32 = 0  // bit per allowed attribute, so duplicates keep the first as browsers do
        var hasURL = false
        for attribute in tag.attributes {
            let slot: Int
            if let index = rule.attributes.firstIndex(of: attribute.name) {
                slot = index
            } else if let index = HTMLSanitizer.globalAttributes.firstIndex(of: attribute.name) {
                slot = rule.attributes.count + index
            } else {
                continue
            }
            guard written & (1 << slot) == 0 else { continue }
            let isSrcset = attribute.name == "srcset"
            if isSrcset || HTMLSanitizer.urlAttributes.contains(attribute.name) {
                guard let range = attribute.valueRange else { continue }
                scratch.removeAll(keepingCapacity: true)
                HTMLEntities.appendDecoded(source, range, isAttribute: true, to: &scratch)
                let raw = String(decoding: scratch, as: UTF8.self)
                let allowsData = attribute.name == "src" && rule.name == "img"
                guard
                    let url = isSrcset
                        ? HTMLSanitizer.safeSrcset(raw, resolve: resolve)
                        : HTMLSanitizer.safeURL(raw, allowsDataImage: allowsData, resolve: resolve)
                else { continue }
                hasURL = hasURL || isSrcset || attribute.name == "src"
                appendAttributeStart(attribute.name)
                HTMLWriter.appendEscaped(url, to: &output)
            } else {
                appendAttributeStart(attribute.name)
                if let range = attribute.valueRange {
                    HTMLWriter.appendEscaped(source, range, decoding: true, isAttribute: true, to: &output, scratch: &scratch)
                }
            }
            output.append(UInt8(ascii: "\""))
            written |= 1 << slot
        }
        return hasURL
    }

    mutating func appendAttributeStart(_ name: String) {
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: name.utf8)
        output.append(contentsOf: "=\"".utf8)
    }

    mutating func push(_ ruleIndex: Int, _ rule: HTMLTagRule) {
        typealias Key = HTMLSanitizer.ScopeKey
        let index = stack.count
        let groupKey = rule.group.map(Key.group)
        stack.append(
            OpenElement(
                rule: ruleIndex,
                previousSameRule: innermost[ruleIndex],
                previousGroup: groupKey.map { innermost[$0] } ?? -1,
                previousSpecial: innermost[Key.specialElement],
                previousTableScope: innermost[Key.tableScope]))
        innermost[ruleIndex] = index
        if let groupKey { innermost[groupKey] = index }
        if rule.flags.contains(.isSpecial) { innermost[Key.specialElement] = index }
        if rule.flags.contains(.isTableScope) { innermost[Key.tableScope] = index }
    }

    /// Pops and writes end tags for the open elements from the innermost down to stack index `index`.
    mutating func close(downTo index: Int) {
        typealias Key = HTMLSanitizer.ScopeKey
        while stack.count > index, let element = stack.popLast() {
            let rule = HTMLSanitizer.tagRules[element.rule]
            output.append(contentsOf: "</".utf8)
            output.append(contentsOf: rule.name.utf8)
            output.append(UInt8(ascii: ">"))
            innermost[element.rule] = element.previousSameRule
            if let group = rule.group { innermost[Key.group(group)] = element.previousGroup }
            if rule.flags.contains(.isSpecial) { innermost[Key.specialElement] = element.previousSpecial }
            if rule.flags.contains(.isTableScope) { innermost[Key.tableScope] = element.previousTableScope }
        }
    }

    mutating func closeAll() {
        close(downTo: 0)
    }
}
