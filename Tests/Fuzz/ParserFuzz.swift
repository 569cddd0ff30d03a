// libFuzzer target for the feed parser and the HTML sanitizer (issue 3 point 10, issue 9 point 4).
//
// Built and run by scripts/fuzz.sh, not by SwiftPM. The first byte picks the target:
//   0x00        the rest is HTML for HTMLSanitizer.sanitize; no "<script" may survive
//   any other   the whole input is a document for FeedParser.parse (XML or JSON); no "<script" may
//               survive in any item's summary or content, and the result is the same with the
//               character data shortcut off
// A crash, a sanitizer (ASan) report or a failed check is a finding; libFuzzer saves the input.

import FeedParse
import TributaryCore

/// Stops the run with a message when a safety property does not hold.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz check failed: \(message())") }
}

/// True when the HTML contains a script start tag, in any letter case.
func containsScriptTag(_ html: String) -> Bool {
    html.lowercased().contains("<script")
}

func fuzzSanitizer(_ bytes: UnsafeBufferPointer<UInt8>) {
    let html = String(decoding: bytes, as: UTF8.self)
    let clean = HTMLSanitizer.sanitize(html, resolve: { URLReference.resolve($0, against: "https://fuzz.example/a/") })
    check(!containsScriptTag(clean), "script tag survived sanitize: \(clean.prefix(200))")
    // Sanitized output is a fixed point: sanitizing it again changes nothing that matters for safety.
    let again = HTMLSanitizer.sanitize(clean)
    check(!containsScriptTag(again), "script tag after re-sanitizing: \(again.prefix(200))")
    _ = HTMLSanitizer.plainText(html)
}

/// The normalized JSON of the parse, or the error.
func parsed(_ bytes: UnsafeBufferPointer<UInt8>, shortcutsCharacterData: Bool) -> (feed: ParsedFeed?, outcome: String) {
    var options = FeedParser.Options()
    options.shortcutsCharacterData = shortcutsCharacterData
    do {
        let feed = try FeedParser(options: options).parse(Array(bytes), url: "https://fuzz.example/feed.xml")
        return (feed, feed.normalizedJSON())
    } catch {
        return (nil, "\(error)")
    }
}

func fuzzParser(_ bytes: UnsafeBufferPointer<UInt8>) {
    let (parsedFeed, outcome) = parsed(bytes, shortcutsCharacterData: true)
    check(outcome == parsed(bytes, shortcutsCharacterData: false).outcome, "the character data shortcut changed the result")
    guard let feed = parsedFeed else { return }
    for item in feed.items {
        check(!containsScriptTag(item.summary ?? ""), "script tag in summary: \(item.summary ?? "")")
        check(!containsScriptTag(item.content ?? ""), "script tag in content: \(item.content ?? "")")
        check(!item.id.isEmpty, "item without id")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if size > 0, bytes[0] == 0 {
        fuzzSanitizer(UnsafeBufferPointer(rebasing: bytes[1...]))
    } else {
        fuzzParser(bytes)
    }
    return 0
}
