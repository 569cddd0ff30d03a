import Testing
import TributaryTestSupport

@testable import TributaryCore

@Suite struct HTMLSanitizerXSSTests {
    static let payloads: [String] = [
        // script elements
        "<script>alert(1)</script>",
        "<SCRIPT>alert(1)</SCRIPT>",
        "<ScRiPt>alert(1)</sCrIpT>",
        "<script src=\"http://evil.example/x.js\"></script>",
        "<SCRIPT/XSS SRC=\"http://evil.example/xss.js\"></SCRIPT>",
        "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<script>alert(1)",
        "<script/>alert(1)",
        "<p>before<script\n>alert(1)</script\t>after</p>",
        "<template><script>alert(1)</script></template>",
        "<textarea><script>alert(1)</script></textarea>",
        "<title><img src=x onerror=alert(1)></title>",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<xmp><script>alert(1)</script></xmp>",
        // event handlers
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=# onmouseover=\"alert('xxs')\">",
        "<img/src=\"x\"/onerror=alert(1)>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "<img src=\"/a.png\" on\u{0}error=alert(1) ONERROR=alert(2)>",
        "<body onload=alert(1)>text",
        "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
        "<a href=\"http://example.com/\" onmouseover=\"alert(1)\">x</a>",
        "<a href=\"#\" onclick=\"alert(1)\">x</a>",
        "<p onclick=alert(1) title=x>p</p>",
        "<details open ontoggle=alert(1)>d</details>",
        "<marquee onstart=alert(1)>m</marquee>",
        "<audio src=x onerror=alert(1)>",
        "<video><source onerror=\"alert(1)\" src=\"javascript:alert(2)\"></video>",
        "<input autofocus onfocus=alert(1)>",
        "<isindex type=image src=1 onerror=alert(1)>",
        // javascript: and vbscript: URLs
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=javascript:alert(1)>x</a>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"VBScript&#58;msgbox(1)\">x</a>",
        "<video poster=\"javascript:alert(1)\" src=\"javascript:alert(2)\" controls></video>",
        "<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
        "<q cite=\"  javascript:alert(1)\">q</q>",
        // entity-encoded and whitespace-obfuscated schemes
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#41;>",
        "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097>",
        "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x29>",
        "<a href=\"&#x6a;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3a;alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"jav&#x41;script:alert(1)\">x</a>",
        "<a href=\"ja&#x76;ascript&#x3A;alert(1)\">x</a>",
        "<IMG SRC=\"jav\tascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
        "<a href=\"jav&Tab;ascript:alert(1)\">x</a>",
        "<a href=\"jav&NewLine;ascript:alert(1)\">x</a>",
        "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
        "<a href=\"  JAVASCRIPT:alert(1)\">x</a>",
        "<a href=\"\u{1}javascript:alert(1)\">x</a>",
        "<a href=\"java\u{0}script:alert(1)\">x</a>",
        "<a href=\"java script:alert(1)\">x</a>",
        // srcset, style, formaction, other URL carriers
        "<img srcset=\"javascript:alert(1) 1x, /ok.png 2x\">",
        "<img src=\"/a.png\" srcset=\"jav&#x09;ascript:alert(1) 2x\">",
        "<img srcset=\"/a.png 1x,javascript:alert(1) 2x\">",
        "<img srcset=\"/a.png1x,javascript:alert(1) 2x\">",
        "<picture><source srcset=\"javascript:alert(1)\"><img src=\"/a.png\"></picture>",
        "<div style=\"background-image: url(javascript:alert(1))\">x</div>",
        "<p style=\"x:expression(alert(1))\">x</p>",
        "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(2)\">go</button></form>",
        "<input type=\"image\" src=\"javascript:alert(1)\">",
        "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<link rel=\"stylesheet\" href=\"javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\">",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<applet code=\"javascript:alert(1)\"></applet>",
        // SVG and MathML
        "<svg onload=alert(1)>",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">XSS</text></a></svg>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<math href=\"javascript:alert(1)\">CLICK</math>",
        // unclosed tags and parser confusion
        "<a href=\"javascript:alert(1)\"",
        "<img src=\"x\" onerror=\"alert(1)\"",
        "<a href='javascript:alert(1)'>unclosed",
        "<style><img src=\"</style><img src=x onerror=alert(1)//\">",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<a title=\"\"><img src=x onerror=alert(1)>\">",
        // comments hiding script
        "<!--<script>alert(1)</script>-->",
        "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
        "<!--><script>alert(1)</script>-->",
        "<!-- --!><script>alert(1)</script>",
        "<!--->x<script>alert(1)</script>",
        // data: URLs
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
        "<img src=\"data:text/html,<script>alert(1)</script>\">",
        "<img src=\"DATA:image/png;base64,iVBOR<script>\">",
        "<a href=\"  data:text/html,x\">x</a>",
    ]

    /// A resolver like the one feeds use: relative URLs against https://example.com/base/.
    static func resolve(_ url: String) -> String? {
        if url.hasPrefix("//") { return "https:" + url }
        if url.hasPrefix("/") { return "https://example.com" + url }
        if url.contains(":") { return url }
        return "https://example.com/base/" + url
    }

    @Test(arguments: payloads)
    func X14_payloadIsNeutralised(payload: String) {
        for output in [HTMLSanitizer.sanitize(payload), HTMLSanitizer.sanitize(payload, resolve: Self.resolve)] {
            #expect(SanitizedHTMLChecker.problems(in: output).isEmpty, "\(output)")
        }
    }

    @Test func resolverReturningADangerousURLIsRejected() {
        let output = HTMLSanitizer.sanitize("<a href=\"/x\">x</a><img src=\"/y\">") { _ in "javascript:alert(1)" }
        #expect(output == "<a>x</a>")
    }

    @Test func X14_mutatedPayloadsStaySafeAndBalanced() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Array("<>/=\"' \t\n&#;:-!?abcjsrpt".unicodeScalars)
        for _ in 0..<3_000 {
            var scalars = Array(Self.payloads[Int(generator.next() % UInt64(Self.payloads.count))].unicodeScalars)
            for _ in 0..<(1 + generator.next() % 4) where !scalars.isEmpty {
                let index = Int(generator.next() % UInt64(scalars.count))
                switch generator.next() % 3 {
                case 0: scalars.remove(at: index)
                case 1: scalars.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: index)
                default: scalars.swapAt(index, Int(generator.next() % UInt64(scalars.count)))
                }
            }
            var input = ""
            input.unicodeScalars.append(contentsOf: scalars)
            let output = HTMLSanitizer.sanitize(input, resolve: Self.resolve)
            #expect(
                SanitizedHTMLChecker.problems(in: output, allowingScriptText: true).isEmpty, "\(input) -> \(output)")
            #expect(HTMLSanitizer.sanitize(output) == output, "not idempotent: \(input)")
        }
    }
}

/// Independent checks on sanitizer output, re-reading it with the tokenizer.
enum SanitizedHTMLChecker {
    static let allowedTags: Set<String> = Set(HTMLSanitizer.tagRules.map(\.name))
    static let voidTags: Set<String> = ["br", "hr", "img", "source", "track"]
    static let urlAttributes: Set<String> = ["href", "src", "srcset", "poster", "cite"]

    /// Everything wrong with `output`; empty when it is safe, balanced and XML-clean.
    ///
    /// - Parameters:
    ///   - allowingScriptText: Skips the whole-output "javascript:" text search, for inputs that may leave it as text.
    static func problems(in output: String, allowingScriptText: Bool = false) -> [String] {
        var problems: [String] = []
        if output.lowercased().contains("<script") { problems.append("<script") }
        for scalar in output.unicodeScalars
        where (scalar.value < 0x20 && ![0x09, 0x0A, 0x0D].contains(scalar.value))
            || scalar.value >= 0xFFFE
                && scalar.value <= 0xFFFF
        {
            problems.append("illegal U+\(String(scalar.value, radix: 16))")
        }
        var tokenizer = HTMLTokenizer(output)
        var open: [String] = []
        while let token = tokenizer.next() {
            switch token {
            case .startTag(let tag):
                if !allowedTags.contains(tag.name) { problems.append("tag \(tag.name)") }
                if !voidTags.contains(tag.name) { open.append(tag.name) }
                for attribute in tag.attributes {
                    if attribute.name.hasPrefix("on") || attribute.name == "style" {
                        problems.append("attribute \(attribute.name)")
                    }
                    guard urlAttributes.contains(attribute.name) else { continue }
                    let value = tokenizer.value(of: attribute) ?? ""
                    let urls = attribute.name == "srcset" ? value.split(separator: ",").map(String.init) : [value]
                    for url in urls.map(squeezed) {
                        let isImageData =
                            tag.name == "img" && attribute.name == "src"
                            && ["png", "gif", "jpeg", "webp"].contains { url.hasPrefix("data:image/\($0);base64,") }
                        for scheme in ["javascript:", "vbscript:", "data:"] where url.hasPrefix(scheme) && !isImageData
                        {
                            problems.append("\(scheme) in \(attribute.name)")
                        }
                    }
                }
            case .endTag(let tag):
                if open.last == tag.name { open.removeLast() } else { problems.append("unbalanced </\(tag.name)>") }
            case .comment, .doctype, .cdata, .rawText:
                problems.append("unexpected \(token)")
            case .text:
                break
            }
        }
        if !open.isEmpty { problems.append("unclosed \(open)") }
        if !allowingScriptText {
            let text = squeezed(HTMLEntities.decode(output))
            for scheme in ["javascript:", "vbscript:"] where text.contains(scheme) { problems.append("\(scheme) text") }
        }
        var isInTag = false
        var isInValue = false
        var tagText = ""
        for character in output.lowercased() {  // "on...=" anywhere in a tag outside "values"
            if isInValue {
                if character == "\"" { isInValue = false }
            } else if character == "<" {
                isInTag = true
                tagText = ""
            } else if isInTag, character == ">" {
                isInTag = false
                if hasEventHandler(tagText) { problems.append("handler in <\(tagText)>") }
            } else if isInTag {
                if character == "\"" { isInValue = true }
                tagText.append(character)
            }
        }
        return problems
    }

    /// Lowercased, entity-decoded text without whitespace and control characters.
    static func squeezed(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter { $0.value > 0x20 }))
    }

    static func hasEventHandler(_ tag: String) -> Bool {
        let scalars = Array(tag.unicodeScalars)
        for index in scalars.indices.dropLast(2) where scalars[index] == "o" && scalars[index + 1] == "n" {
            guard index == 0 || " /\"'\t\n".unicodeScalars.contains(scalars[index - 1]) else { continue }
            var next = index + 2
            while next < scalars.count, ("a"..."z").contains(scalars[next]) { next += 1 }
            while next < scalars.count, scalars[next] == " " { next += 1 }
            if next > index + 2, next < scalars.count, scalars[next] == "=" { return true }
        }
        return false
    }
}
