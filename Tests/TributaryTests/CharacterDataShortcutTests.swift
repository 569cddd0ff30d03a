@testable import FeedParse
import Foundation
import Testing
import TributaryTestSupport
@testable import XMLSupport

/// CDATA sections that go around libxml2 (`CharacterDataShortcut`): which ones are planned, and that a parse
/// with the shortcut gives exactly what a parse without it gives.
@Suite struct CharacterDataShortcutTests {
    static let long = String(repeating: "<p>Long enough &amp; markup</p>", count: 2)

    static func plan(_ text: String) -> [CharacterDataShortcut.Section] {
        Array(text.utf8).withUnsafeBytes { CharacterDataShortcut(planning: $0).sections }
    }

    /// The normalized JSON of `text` parsed with and without the shortcut (or the error's description).
    static func bothWays(_ bytes: [UInt8], url: String? = "https://example.com/feed") -> (with: String, without: String) {
        func parse(_ shortcut: Bool) -> String {
            var options = FeedParser.Options()
            options.shortcutsCharacterData = shortcut
            do { return try FeedParser(options: options).parse(bytes, url: url).normalizedJSON() } catch {
                return "error: \(error)"
            }
        }
        return (parse(true), parse(false))
    }

    @Test func plansLongPlainSectionsOnly() {
        let text = """
            <rss><a><![CDATA[\(Self.long)]]></a><b><![CDATA[short]]></b>\
            <c><![CDATA[\(Self.long)\r\n]]></c><d><![CDATA[\(Self.long)\u{1}]]></d>\
            <e><![CDATA[\(Self.long)\u{FFFF}]]></e><f><![CDATA[\(Self.long)\u{FFFD}\n\n]]></f></rss>
            """
        let sections = Self.plan(text)
        #expect(sections.count == 2)
        let bytes = Array(text.utf8)
        #expect(sections.map { String(decoding: bytes[$0.content], as: UTF8.self) } == [Self.long, Self.long + "\u{FFFD}\n\n"])
        #expect(sections.map(\.lineFeeds) == [0, 2])
        #expect(sections.allSatisfy { bytes[$0.markup].starts(with: Array("<![CDATA[".utf8)) })
        #expect(sections.allSatisfy { String(decoding: bytes[$0.markup].suffix(3), as: UTF8.self) == "]]>" })
    }

    /// A control character or line feed at every offset of a 32-byte block and of a word is found (the
    /// block and word tests).
    @Test func findsAForbiddenCharacterAtEveryOffset() {
        for offset in 0..<72 {
            for bad: UInt8 in [0x00, 0x08, 0x0D, 0x1F] {
                var content = [UInt8](repeating: UInt8(ascii: "a"), count: 72)
                content[offset] = bad
                #expect(content.withUnsafeBufferPointer(CharacterDataShortcut.lineFeedsIfPlain) == nil, "0x\(bad) at \(offset)")
            }
            var content = [UInt8](repeating: UInt8(ascii: "a"), count: 74)
            content.replaceSubrange(offset..<offset + 3, with: [0xEF, 0xBF, 0xBE])
            #expect(content.withUnsafeBufferPointer(CharacterDataShortcut.lineFeedsIfPlain) == nil, "U+FFFE at \(offset)")
            content.replaceSubrange(offset..<offset + 3, with: [0xEF, 0xBC, 0xA1])  // U+FF21, allowed
            #expect(content.withUnsafeBufferPointer(CharacterDataShortcut.lineFeedsIfPlain) == 0)
            content[offset] = 0x0A
            content[73 - offset / 2] = 0x0A
            #expect(content.withUnsafeBufferPointer(CharacterDataShortcut.lineFeedsIfPlain) == (offset == 73 - offset / 2 ? 1 : 2))
        }
    }

    @Test func leavesMarkupThatOnlyLooksLikeASection() {
        #expect(Self.plan("<rss><!-- <![CDATA[\(Self.long)]]> --><a/></rss>").isEmpty)
        #expect(Self.plan("<rss><?pi <![CDATA[\(Self.long)]]> ?><a/></rss>").isEmpty)
        #expect(Self.plan("<rss><a><![CDATA[\(Self.long)").isEmpty)  // truncated
        // An internal subset may declare entities holding sections; an instruction of the marker's name
        // would be taken for one.
        #expect(Self.plan("<!DOCTYPE rss [<!ENTITY e 'x'>]><rss><a><![CDATA[\(Self.long)]]></a></rss>").isEmpty)
        #expect(Self.plan("<rss><?_?><a><![CDATA[\(Self.long)]]></a></rss>").isEmpty)
        #expect(Self.plan("<!DOCTYPE rss SYSTEM 'x.dtd'><rss><a><![CDATA[\(Self.long)]]></a></rss>").count == 1)
    }

    /// Text runs: planned when long enough and holding a byte from 0x80 or references libxml2 delivers
    /// as characters; left to libxml2 when in a tag, short, or holding anything it would change or report.
    @Test func plansTextRunsLibxml2ReadsSlowly() {
        let planned = [
            "Zürich is a long enough text",
            " a &lt;p&gt; escaped &amp; text &#233; &#x20AC; &quot;&apos;",
            "ascii only, but with a reference: &amp;",
            " after a comment, ünïcode\n",
        ]
        let left = [
            "short ü",
            "long enough ascii text without any reference",
            "long enough ü text with an &nbsp; entity",
            "long enough ü text with ]]> inside",
            "long enough ü text with &#0; inside",
            "long enough ü text with &#xD800; inside",
            "long enough ü text with &#X41; inside",
            "long enough ü text with &#65 inside",
            "long enough ü text with a CR\r\n",
            "long enough ü text with a \u{1} control",
        ]
        let text = "<rss>" + (planned.prefix(3) + left).map { "<a>\($0)</a>" }.joined()
            + "<b title=\"Zürich long enough attribute value\" href=\"https://example.com/?a=1&amp;b=2\"/>"
            + "<c><!-- x -->\(planned[3])</c></rss>"
        let bytes = Array(text.utf8)
        let sections = Self.plan(text)
        #expect(sections.map { String(decoding: bytes[$0.content], as: UTF8.self) } == planned)
        #expect(sections.map(\.hasReferences) == [false, true, true, false])
        #expect(sections.map(\.lineFeeds) == [0, 0, 0, 1])
        #expect(sections.allSatisfy { $0.markup == $0.content })
    }

    /// Each kind of byte the text scan stops at, at every offset of a run long enough for its 32-byte and
    /// 8-byte steps: the run is planned or left as the rules say.
    @Test func textScanFindsEveryStopAtEveryOffset() {
        let inserts: [(text: String, planned: Bool, lineFeeds: Int, hasReferences: Bool)] = [
            ("&amp;", true, 0, true), ("&#xE9;", true, 0, true), ("\n", true, 1, false), ("\t", true, 0, false),
            ("]]", true, 0, false), ("\u{FF21}", true, 0, false), ("]]>", false, 0, false), ("\r", false, 0, false),
            ("\u{1}", false, 0, false), ("\u{FFFE}", false, 0, false), ("&nbsp;", false, 0, false), ("&", false, 0, false),
        ]
        let text = Array(String(repeating: "plain text ü ", count: 6))
        for offset in 0...text.count {
            for insert in inserts {
                var run = text
                run.insert(contentsOf: insert.text, at: offset)
                let document = "<rss><a>\(String(run))</a><b>x</b></rss>"
                let sections = Self.plan(document)
                // A "]]>" before the run's first byte from 0x80 ends what the planner takes for a tag: the
                // run planned starts after it (and libxml2 reports the "]]>", so the plan is not used).
                let startsAfterInsert = insert.text == "]]>" && offset <= text.firstIndex(of: "ü")!
                let planned = insert.planned || startsAfterInsert
                #expect(sections.count == (planned ? 1 : 0), "\(insert.text) at \(offset)")
                if planned, let section = sections.first {
                    let bytes = Array(document.utf8)
                    let expected = startsAfterInsert ? String(run[(offset + 3)...]) : String(run)
                    #expect(String(decoding: bytes[section.content], as: UTF8.self) == expected)
                    #expect(section.lineFeeds == insert.lineFeeds)
                    #expect(section.hasReferences == insert.hasReferences)
                }
            }
        }
    }

    /// Character references at the edges of what XML allows, and malformed ones: the same with and without
    /// the shortcut (libxml2 reports the bad ones, and then the document is parsed again without it).
    @Test func referencesDecodeAsLibxml2DeliversThem() {
        let values: [UInt32] = [0x0, 0x1, 0x9, 0xA, 0xD, 0x1F, 0x20, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xD800, 0xDFFF,
            0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x1_0000, 0x10_FFFF, 0x11_0000, 0xFFFF_FFFF]
        var references = values.flatMap { ["&#\($0);", "&#x\(String($0, radix: 16));", "&#x\(String($0, radix: 16, uppercase: true));"] }
        references += ["&#0065;", "&#x0041;", "&#;", "&#x;", "&#12a;", "&lt", "&ltx;", "&amp;amp;", "&apos;", "&quot;", "&gt;"]
        for reference in references {
            let document = "<rss><channel><item><title>Zürich \(reference) long enough title</title></item></channel></rss>"
            let (with, without) = Self.bothWays(Array(document.utf8))
            #expect(with == without, "\(reference)")
        }
        let document = "<rss><channel><item><description>ü &lt;p&gt;caf&#233; &#x1F680;&lt;/p&gt;</description></item></channel></rss>"
        #expect(Self.plan(document).count == 1)
        let (with, without) = Self.bothWays(Array(document.utf8))
        #expect(with == without)
        #expect(with.contains("<p>café 🚀</p>"))
    }

    /// A ">" inside an attribute value makes the plan take part of the tag for text; libxml2 then reports
    /// an error, and the document is parsed again without the plan.
    @Test func greaterThanInAnAttributeValueFallsBack() {
        let xml = "<rss><channel><item><title a=\"x> Zürich long enough value\">t</title></item></channel></rss>"
        #expect(Self.plan(xml).count == 1)
        let parser = XMLStreamParser(documentURL: nil, recordNames: ["item"])
        let result = Array(xml.utf8).withUnsafeBytes { parser.parse($0, encoding: nil, isValidUTF8: true, shortcutsCharacterData: true) { _, _ in } }
        #expect(!result.isWellFormed)
        let (with, without) = Self.bothWays(Array(xml.utf8))
        #expect(with == without)
        #expect(!with.contains("not well-formed"))
    }

    /// Text, tails, record boundaries and the line numbers of later elements are those libxml2 gives.
    @Test func streamParserSeesWhatLibxml2Delivers() {
        let xml = """
            <feed><a>x<![CDATA[\(Self.long)
            two
            lines]]>y<![CDATA[\(Self.long)]]><![CDATA[\(Self.long)]]>z</a>
            <entry><b><![CDATA[\(Self.long)]]></b>t</entry>
            <c>last</c></feed>
            """
        func parse(_ shortcut: Bool) -> [String] {
            let parser = XMLStreamParser(documentURL: nil, recordNames: ["entry"], maxRecordDepth: 1)
            var seen: [String] = []
            let result = Array(xml.utf8).withUnsafeBytes { bytes in
                parser.parse(bytes, encoding: nil, isValidUTF8: true, shortcutsCharacterData: shortcut) { entry, _ in
                    seen.append("entry \(entry.line): \(entry.innerText)")
                }
            }
            #expect(result.isWellFormed)
            #expect(result.shortcutCharacterData == shortcut)
            for child in result.root.map({ Array($0.children) }) ?? [] {
                seen.append("\(child.name) \(child.line): \(child.text)|\(child.tail)")
            }
            return seen
        }
        let with = parse(true)
        #expect(with == parse(false))
        #expect(with.contains("c 5: last|"))
        #expect(with.first?.hasPrefix("entry 4: ") == true)
    }

    /// A section outside the root element is an error libxml2 reports; with the shortcut it is caught
    /// too, so the document is parsed again the usual way.
    @Test func sectionOutsideTheRootIsNotWellFormed() {
        let xml = "<rss><channel><title>t</title></channel></rss><![CDATA[\(Self.long)]]>"
        let parser = XMLStreamParser(documentURL: nil, recordNames: ["item"])
        let result = Array(xml.utf8).withUnsafeBytes { parser.parse($0, encoding: nil, isValidUTF8: true, shortcutsCharacterData: true) { _, _ in } }
        #expect(!result.isWellFormed)
        #expect(result.shortcutCharacterData)
        let (with, without) = Self.bothWays(Array(xml.utf8))
        #expect(with == without)
        #expect(with.contains("not well-formed"))
    }

    /// Broken documents with sections: the warnings (line and column included) and items are libxml2's own.
    @Test func brokenDocumentsGiveLibxml2sRecovery() {
        let documents = [
            "<rss><channel><item><description><![CDATA[\(Self.long)]]></description></item>\n<item><title>a & b</title></item></channel></rss>",
            "<rss><channel><item><description><![CDATA[\(Self.long)]]></description></item><item><title>cut",
            "<rss><channel><item><title a=\"<![CDATA[\(Self.long)]]>\">x</title></item></channel></rss>",
            "<rss><channel><item><description><![CDATA[\(Self.long)\r\n]]>&nbsp;</description></item></channel></rss>",
        ]
        for document in documents {
            let (with, without) = Self.bothWays(Array(document.utf8))
            #expect(with == without, "\(document)")
        }
    }

    /// Every conformance file, every fixture feed and a generated corpus parse the same with and without.
    @Test func sameResultOnEveryKnownFeed() throws {
        let shared = URL(fileURLWithPath: Fixtures.directory)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared").path
        var files: [String] = []
        for directory in [shared + "/conformance", Fixtures.directory + "/feeds"] {
            let found = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
            files += found.filter { $0.hasSuffix(".xml") }.sorted().map { directory + "/" + $0 }
        }
        let corpus = try TemporaryDirectory()
        defer { corpus.remove() }
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", shared + "/bench/gen_corpus.py", "--feeds", "30", "--seed", "3", "--out", corpus.path]
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0)
        files += try FileManager.default.contentsOfDirectory(atPath: corpus.path)
            .filter { $0.hasSuffix(".xml") }.sorted().map { corpus.path + "/" + $0 }
        #expect(files.count > 550, "the conformance files are missing: \(shared)/conformance (CI has them)")
        var shortcutFiles = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            if !bytes.withUnsafeBytes({ CharacterDataShortcut(planning: $0).sections.isEmpty }) { shortcutFiles += 1 }
            let (with, without) = Self.bothWays(bytes, url: "https://example.com/" + file)
            #expect(with == without, "\(file)")
        }
        #expect(shortcutFiles >= 30)  // the comparison covered documents the shortcut changes
    }
}
