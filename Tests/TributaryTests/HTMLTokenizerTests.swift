import Testing

@testable import TributaryCore

@Suite struct HTMLTokenizerTests {
    /// Renders tokens compactly: `T(text)`, `R(raw)`, `<name a=v b>`, `</name>`, `C(comment)`,
    /// `D(doctype)`, `X(cdata)`.
    static func describe(_ html: String) -> String {
        var tokenizer = HTMLTokenizer(html)
        var parts: [String] = []
        while let token = tokenizer.next() {
            switch token {
            case .text(let range): parts.append("T(\(tokenizer.string(in: range)))")
            case .rawText(let range): parts.append("R(\(tokenizer.string(in: range)))")
            case .comment(let range): parts.append("C(\(tokenizer.string(in: range)))")
            case .doctype(let range): parts.append("D(\(tokenizer.string(in: range)))")
            case .cdata(let range): parts.append("X(\(tokenizer.string(in: range)))")
            case .endTag(let tag): parts.append("</\(tag.name)>")
            case .startTag(let tag):
                let attributes = tag.attributes.map { attribute in
                    attribute.valueRange.map { "\(attribute.name)=\(tokenizer.string(in: $0))" } ?? attribute.name
                }
                parts.append("<" + ([tag.name] + attributes).joined(separator: " ") + (tag.isSelfClosing ? "/>" : ">"))
            }
        }
        return parts.joined()
    }

    @Test(arguments: [
        ("<p class=\"a\" id='b' data-x=c hidden>t</p>", "<p class=a id=b data-x=c hidden>T(t)</p>"),
        ("<BR/><IMG SRC = x ALT=\"\">", "<br/><img src=x alt=>"),
        ("<a href=x/>", "<a href=x/>"),
        ("<a title=\"x>y\">", "<a title=x>y>"),
        ("<scr<script>ipt>", "<scr<script>T(ipt>)"),
        ("a < b <3 <> </ x", "T(a < b <3 <> )C( x)"),
        ("x</>y", "T(x)T(y)"),
        ("<!-- c -->t<!---->", "C( c )T(t)C()"),
        ("<!-->x<!--->y", "C()T(x)C()T(y)"),
        ("<!--a--!>b", "C(a)T(b)"),
        ("<!--unclosed", "C(unclosed)"),
        ("<!DOCTYPE html><?xml v?>", "D( html)C(?xml v?)"),
        ("<![CDATA[<b>]]>x", "X(<b>)T(x)"),
        ("<!x>", "C(x)"),
        ("<!' <a href=\"foo\">", "T(<!)T(' )<a href=foo>"),
        ("<!DOCTYPE", "T(<!)T(DOCTYPE)"),
        ("<script>if (a<b) {}</p></script>t", "<script>R(if (a<b) {}</p>)</script>T(t)"),
        ("<STYLE>a{}</style >", "<style>R(a{})</style>"),
        ("<title>&amp;<b></title>", "<title>T(&amp;<b>)</title>"),
        ("<textarea></textarea>", "<textarea></textarea>"),
        ("<script>x</scriptx></script>", "<script>R(x</scriptx>)</script>"),
        ("<script>unclosed", "<script>R(unclosed)"),
        ("<a href=\"x", ""),
        ("t<img src=x onerror=y", "T(t)"),
        ("<a =b>", "<a =b>"),
        ("<a b=\"1\"c=2>", "<a b=1 c=2>"),
        ("</p foo=\">\">x", "</p>T(x)"),
        ("<", "T(<)"),
        ("", ""),
    ])
    func tokens(html: String, expected: String) {
        #expect(Self.describe(html) == expected)
    }

    @Test func rangesPointIntoTheInput() {
        let html = "é<a href='x'>"
        var tokenizer = HTMLTokenizer(html)
        #expect(tokenizer.next() == .text(0..<2))
        guard case .startTag(let tag) = tokenizer.next() else {
            Issue.record("expected a start tag")
            return
        }
        #expect(tag.range == 2..<14)
        #expect(tag.attributes == [HTMLAttribute(name: "href", valueRange: 11..<12, range: 5..<13)])
        #expect(tokenizer.next() == nil)
    }

    @Test func hostileInputsTokenizeInLinearTime() {
        let size = 200_000
        let inputs = [
            String(repeating: "<a", count: size), String(repeating: "</", count: size),
            String(repeating: "<!--", count: size), String(repeating: "<a b=", count: size),
            "<script>" + String(repeating: "</scrip", count: size), String(repeating: "<a b c d e ", count: size),
            String(repeating: "<![CDATA[", count: size), String(repeating: "&#", count: size),
            "<p " + String(repeating: "x=\"1\" ", count: size) + ">",
        ]
        let clock = ContinuousClock()
        for input in inputs {
            let elapsed = clock.measure {
                var tokenizer = HTMLTokenizer(input)
                while tokenizer.next() != nil {}
            }
            #expect(elapsed < .seconds(5), "\(input.prefix(12))...")
        }
    }
}
