import Foundation

/// A category's include/exclude rules, applied to an article's title, summary, content, authors and
/// its own category terms.
///
/// A rule is a keyword (matched case-insensitively as a substring) or a regular expression written
/// `/pattern/` (case-insensitive unless written `/pattern/c`). An article is kept when it matches at
/// least one include rule (or there are none) and no exclude rule.
public struct ArticleFilter: Sendable {
    /// One compiled rule.
    public struct Rule: @unchecked Sendable {
        // NSRegularExpression is immutable once built and documented thread-safe.
        let keyword: String?
        let expression: NSRegularExpression?
        /// The rule as written.
        public let source: String

        /// Compiles a rule; throws a message naming the problem for an invalid regular expression.
        public init(_ text: String) throws(FilterError) {
            source = text
            if text.count >= 2, text.hasPrefix("/"), let close = text.lastIndex(of: "/"), close != text.startIndex {
                let pattern = String(text[text.index(after: text.startIndex)..<close])
                let flags = text[text.index(after: close)...]
                guard flags.allSatisfy({ $0 == "c" }) else {
                    throw FilterError(message: "unknown flag after regular expression \(text) (only /c, case-sensitive)")
                }
                do {
                    expression = try NSRegularExpression(pattern: pattern, options: flags.contains("c") ? [] : [.caseInsensitive])
                } catch {
                    throw FilterError(message: "invalid regular expression \(text)")
                }
                keyword = nil
            } else {
                keyword = text.lowercased()
                expression = nil
            }
        }

        func matches(_ text: String) -> Bool {
            if let keyword { return text.lowercased().contains(keyword) }
            guard let expression else { return false }
            return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// Why a rule could not be compiled.
    public struct FilterError: Error, Sendable {
        /// What is wrong.
        public var message: String
    }

    /// Include rules.
    public let include: [Rule]
    /// Exclude rules.
    public let exclude: [Rule]

    /// Creates a filter.
    public init(include: [Rule] = [], exclude: [Rule] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// True when the filter has no rules.
    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    /// Whether the article passes.
    public func accepts(_ article: StoredArticle) -> Bool {
        guard !isEmpty else { return true }
        let fields = [article.title, article.summary.map(HTMLSanitizer.plainText), article.content.map(HTMLSanitizer.plainText)]
            .compactMap { $0 } + article.authors.compactMap(\.name) + article.categories
        let text = fields.joined(separator: "\n")
        if !include.isEmpty, !include.contains(where: { $0.matches(text) }) { return false }
        return !exclude.contains { $0.matches(text) }
    }
}
