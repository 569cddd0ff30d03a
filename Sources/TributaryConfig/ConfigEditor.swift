import Foundation
import Yams

/// Edits feeds.yaml as text, so that comments, order and formatting of everything else stay as written.
///
/// Each edit is checked by loading the result before it is written; a result that does not load is
/// never written.
public struct ConfigEditor {
    /// The file being edited.
    public let path: String
    /// Current text.
    public private(set) var text: String

    /// Reads the file.
    public init(path: String) throws {
        self.path = path
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    private var lines: [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false) }

    /// A YAML flow mapping for one source entry.
    public static func sourceEntry(url: String, title: String?, categories: [String]) -> String {
        var parts = ["url: \(quoted(url))"]
        if let title { parts.append("title: \(quoted(title))") }
        parts.append("categories: [\(categories.map(quoted).joined(separator: ", "))]")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// A YAML flow mapping for one category entry.
    public static func categoryEntry(id: String, title: String) -> String {
        "{id: \(quoted(id)), title: \(quoted(title))}"
    }

    /// A double-quoted YAML scalar.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Appends `entry` as a new item of the top-level list `key` ("sources" or "categories"),
    /// after its last item, with the indentation its items already use; creates the list at the end
    /// of the file when it does not exist.
    public mutating func append(_ entry: String, toList key: String) throws {
        var allLines = lines.map(String.init)
        guard let keyLine = allLines.firstIndex(where: { $0.hasPrefix(key + ":") }) else {
            if !text.hasSuffix("\n") { text += "\n" }
            text += "\(key):\n  - \(entry)\n"
            return
        }
        if allLines[keyLine].trimmingCharacters(in: .whitespaces).hasSuffix("[]") {
            allLines[keyLine] = key + ":"
        }
        var last = keyLine
        var indent = "  "
        var index = keyLine + 1
        while index < allLines.count {
            let line = allLines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !line.hasPrefix(" ") && !line.hasPrefix("\t") && !trimmed.hasPrefix("#") { break }
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                indent = String(line.prefix { $0 == " " })
            }
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") { last = index }
            index += 1
        }
        allLines.insert(indent + "- " + entry, at: last + 1)
        text = allLines.joined(separator: "\n")
    }

    /// Removes the source entry whose `url` is `url`: the lines from its `-` to the line before the
    /// next entry or the end of the list. Returns false when there is no such entry.
    public mutating func removeSource(url: String) throws -> Bool {
        guard let root = try Yams.compose(yaml: text)?.mapping, let sources = root["sources"]?.sequence else { return false }
        let entries = Array(sources)
        guard let position = entries.firstIndex(where: { $0.mapping?["url"]?.string == url }),
            let startLine = entries[position].mark?.line
        else { return false }
        var allLines = lines.map(String.init)
        func isDash(_ index: Int) -> Bool { allLines[index].trimmingCharacters(in: .whitespaces).hasPrefix("-") }
        func isCommentOrBlank(_ index: Int) -> Bool {
            let trimmed = allLines[index].trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#")
        }
        var start = startLine - 1
        while start > 0, !isDash(start) { start -= 1 }
        // The entry runs to the next entry's dash (or the end of the indented block); comments and
        // blank lines just before the next entry belong to that entry.
        var end = start + 1
        while end < allLines.count, !isDash(end), allLines[end].hasPrefix(" ") || isCommentOrBlank(end) { end += 1 }
        while end > start + 1, isCommentOrBlank(end - 1) { end -= 1 }
        allLines.removeSubrange(start..<end)
        text = allLines.joined(separator: "\n")
        return true
    }

    /// Writes the text atomically after checking that it loads; on a problem nothing is written.
    public func save() throws {
        let temporary = path + ".tmp-\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        do {
            _ = try ConfigLoader.load(path: temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
