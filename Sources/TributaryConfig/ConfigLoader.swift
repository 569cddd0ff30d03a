import Foundation
import TributaryCore
import Yams

/// Loads and validates feeds.yaml, reporting every problem at once with its line and column.
public struct ConfigLoader {
    private let path: String
    private let displayName: String
    private let directory: String
    private var problems: [ConfigError.Problem] = []

    /// Loads the file at `path`.
    ///
    /// - Throws: `ConfigError` listing every problem (syntax, unknown keys, wrong types, bad URLs,
    ///   undefined or duplicate categories, duplicate sources).
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Configuration {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var loader = ConfigLoader(path: absolute, displayName: path)
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigError(problems: [.init(file: path, line: 0, column: 0, message: "cannot read the configuration file (does it exist?)")])
        }
        let text = String(decoding: data, as: UTF8.self)
        let configuration = loader.parse(text, environment: environment)
        guard loader.problems.isEmpty, let configuration else {
            throw ConfigError(problems: loader.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return configuration
    }

    private init(path: String, displayName: String) {
        self.path = path
        self.displayName = displayName
        self.directory = (path as NSString).deletingLastPathComponent
    }

    mutating func problem(_ node: Node?, _ message: String) {
        problems.append(.init(file: displayName, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message))
    }

    private mutating func parse(_ text: String, environment: [String: String]) -> Configuration? {
        if let (line, column) = Self.firstAlias(in: text) {
            problems.append(.init(file: displayName, line: line, column: column, message: "YAML aliases (*name) are not allowed in feeds.yaml; write the value out"))
            return nil
        }
        let root: Node?
        do {
            // No implicit typing (every scalar is read as text, then checked here): the default resolver
            // runs a set of regular expressions over every scalar and every key lookup, which took most of
            // the time of loading 2,000 sources.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            problems.append(Self.problem(from: error, file: displayName))
            return nil
        } catch {
            problems.append(.init(file: displayName, line: 0, column: 0, message: "\(error)"))
            return nil
        }
        guard let root, let mapping = root.mapping else {
            problem(root, "the file must be a mapping with settings, categories and sources")
            return nil
        }
        checkKeys(mapping, allowed: ["settings", "categories", "sources"], in: "top level")
        var settings = Settings.defaults(relativeTo: directory)
        if let node = mapping["settings"] { readSettings(node, into: &settings) }
        let categories = readCategories(mapping["categories"])
        let sources = readSources(mapping["sources"], categories: Set(categories.map(\.id)), environment: environment)
        return Configuration(path: path, settings: settings, categories: categories, sources: sources)
    }

    /// The position of the first alias (`*name` used as a value), which could expand exponentially.
    ///
    /// Reads bytes (every character it looks for is ASCII); the column is counted in characters.
    static func firstAlias(in text: String) -> (Int, Int)? {
        let utf8 = text.utf8
        var line = 1
        var lineStart = utf8.startIndex
        var inSingle = false
        var inDouble = false
        var inComment = false
        var previous = UInt8(ascii: " ")
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            defer { index = utf8.index(after: index) }
            if byte == UInt8(ascii: "\n") {
                line += 1
                lineStart = utf8.index(after: index)
                (inSingle, inDouble, inComment, previous) = (false, false, false, UInt8(ascii: " "))
                continue
            }
            if inComment { continue }
            if byte == UInt8(ascii: "#") && !inSingle && !inDouble && previous == UInt8(ascii: " ") {
                inComment = true
                continue
            }
            if byte == UInt8(ascii: "'") && !inDouble { inSingle.toggle() }
            if byte == UInt8(ascii: "\"") && !inSingle { inDouble.toggle() }
            if byte == UInt8(ascii: "*") && !inSingle && !inDouble && Array(" [,{:-".utf8).contains(previous) {
                return (line, text[lineStart..<index].count + 1)
            }
            previous = byte
        }
        return nil
    }

    static func problem(from error: YamlError, file: String) -> ConfigError.Problem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .init(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(problem)")
        default:
            return .init(file: file, line: 0, column: 0, message: "YAML error: \(error)")
        }
    }

    // MARK: Keys

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], in context: String) {
        var seen: Set<String> = []
        for (key, _) in mapping {
            guard let name = key.string else {
                problem(key, "keys must be strings")
                continue
            }
            if !seen.insert(name).inserted { problem(key, "duplicate key '\(name)' in \(context)") }
            guard !allowed.contains(name) else { continue }
            let suggestion = Self.closest(to: name, in: allowed).map { "; did you mean '\($0)'?" } ?? ""
            problem(key, "unknown key '\(name)' in \(context)\(suggestion)")
        }
    }

    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (candidate, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return candidate
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    // MARK: Typed values

    mutating func string(_ node: Node?, _ key: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else {
            problem(node, "'\(key)' must be a string")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node?, _ key: String, range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let value = node.scalar.flatMap({ Int($0.string) }) else {
            problem(node, "'\(key)' must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            problem(node, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ key: String) -> Bool? {
        guard let node else { return nil }
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(node, "'\(key)' must be true or false")
            return nil
        }
    }

    mutating func duration(_ node: Node?, _ key: String) -> Duration? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = ValueParsing.duration(text), value > .zero else {
            problem(node, "'\(key)' must be a duration such as 30s, 15m, 2h or 1d")
            return nil
        }
        return value
    }

    mutating func size(_ node: Node?, _ key: String) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = ValueParsing.size(text), value > 0 else {
            problem(node, "'\(key)' must be a size such as 20MB, 512KB or a number of bytes")
            return nil
        }
        return value
    }

    func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: directory + "/" + expanded).standardizedFileURL.path
    }
}
