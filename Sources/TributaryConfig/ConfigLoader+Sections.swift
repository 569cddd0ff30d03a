import Foundation
import TributaryCore
import Yams

extension ConfigLoader {
    static let settingsKeys = ["store", "output", "base_url", "title", "listen", "fetch", "websub_hub", "retention"]
    static let retentionKeys = ["max_age", "max_per_source", "tombstones", "flood_max_new", "flood_max_fraction", "content_window"]
    static let fetchKeys = [
        "concurrency", "per_host", "timeout", "connect_timeout", "interval", "max_interval", "user_agent", "ca_file",
        "max_body", "block_private_addresses",
    ]
    static let categoryKeys = [
        "id", "title", "description", "limit", "dedupe", "include", "exclude", "match_categories", "max_age", "retention",
    ]
    static let categoryRetentionKeys = ["max_age", "max_count"]
    static let sourceKeys = [
        "url", "title", "categories", "interval", "headers", "username", "password", "password_env", "insecure",
    ]

    mutating func readSettings(_ node: Node, into settings: inout Settings) {
        guard let mapping = node.mapping else {
            problem(node, "'settings' must be a mapping")
            return
        }
        checkKeys(mapping, allowed: Self.settingsKeys, in: "settings")
        if let value = string(mapping["store"], "store") { settings.storePath = absolutePath(value) }
        if let value = string(mapping["output"], "output") { settings.outputPath = absolutePath(value) }
        if let value = string(mapping["title"], "title") { settings.title = value }
        if let value = string(mapping["base_url"], "base_url") {
            if URLReference.scheme(of: value).map({ $0 == "http" || $0 == "https" }) == true {
                settings.baseURL = value.hasSuffix("/") ? value : value + "/"
            } else {
                problem(mapping["base_url"], "'base_url' must be an absolute http(s) URL such as https://feeds.example.org/")
            }
        }
        if let value = string(mapping["listen"], "listen") {
            if let (host, port) = ValueParsing.hostAndPort(value) {
                settings.listenHost = host
                settings.listenPort = port
            } else {
                problem(mapping["listen"], "'listen' must be HOST:PORT, for example 127.0.0.1:8080")
            }
        }
        if let value = string(mapping["websub_hub"], "websub_hub") {
            if URLReference.scheme(of: value).map({ $0 == "http" || $0 == "https" }) == true {
                settings.websubHub = value
            } else {
                problem(mapping["websub_hub"], "'websub_hub' must be an absolute http(s) URL")
            }
        }
        if let fetch = mapping["fetch"] { readFetch(fetch, into: &settings.fetch) }
        if let retention = mapping["retention"] { readRetention(retention, into: &settings.retention) }
    }

    private mutating func readRetention(_ node: Node, into retention: inout RetentionConfig) {
        guard let mapping = node.mapping else {
            problem(node, "'retention' must be a mapping")
            return
        }
        checkKeys(mapping, allowed: Self.retentionKeys, in: "settings.retention")
        if let node = mapping["max_age"] {
            retention.maxAge = node.scalar?.string == "never" ? nil : duration(node, "max_age")
        }
        if let node = mapping["max_per_source"] {
            retention.maxPerSource = node.scalar?.string == "all" ? nil : integer(node, "max_per_source", range: 1...10_000_000)
        }
        if let value = duration(mapping["tombstones"], "tombstones") { retention.tombstones = value }
        if let value = integer(mapping["flood_max_new"], "flood_max_new", range: 1...1_000_000) { retention.floodMaxNew = value }
        if let node = mapping["flood_max_fraction"] {
            if let value = node.scalar.flatMap({ Double($0.string) }), value > 0, value <= 1 {
                retention.floodMaxFraction = value
            } else {
                problem(node, "'flood_max_fraction' must be a number above 0 and at most 1, such as 0.8")
            }
        }
        if let value = duration(mapping["content_window"], "content_window") { retention.contentWindow = value }
    }

    private mutating func readFetch(_ node: Node, into fetch: inout FetchConfig) {
        guard let mapping = node.mapping else {
            problem(node, "'fetch' must be a mapping")
            return
        }
        checkKeys(mapping, allowed: Self.fetchKeys, in: "settings.fetch")
        if let value = integer(mapping["concurrency"], "concurrency", range: 1...1024) { fetch.concurrency = value }
        if let value = integer(mapping["per_host"], "per_host", range: 1...256) { fetch.perHost = value }
        if let value = duration(mapping["timeout"], "timeout") { fetch.timeout = value }
        if let value = duration(mapping["connect_timeout"], "connect_timeout") { fetch.connectTimeout = value }
        if let value = duration(mapping["interval"], "interval") { fetch.interval = value }
        if let value = duration(mapping["max_interval"], "max_interval") { fetch.maxInterval = value }
        if let value = string(mapping["user_agent"], "user_agent") { fetch.userAgent = value }
        if let value = size(mapping["max_body"], "max_body") { fetch.maxBodyBytes = value }
        if let value = bool(mapping["block_private_addresses"], "block_private_addresses") {
            fetch.blocksPrivateAddresses = value
        }
        if let value = string(mapping["ca_file"], "ca_file") {
            let path = absolutePath(value)
            if FileManager.default.isReadableFile(atPath: path) {
                fetch.caFile = path
            } else {
                problem(mapping["ca_file"], "'ca_file' \(path) is not a readable file")
            }
        }
        if fetch.maxInterval < fetch.interval {
            problem(mapping["max_interval"] ?? node, "'max_interval' must not be shorter than 'interval'")
        }
    }

    mutating func readCategories(_ node: Node?) -> [CategoryConfig] {
        guard let node else { return [] }
        guard let sequence = node.sequence else {
            problem(node, "'categories' must be a list")
            return []
        }
        var categories: [CategoryConfig] = []
        var seen: Set<String> = []
        for entry in sequence {
            guard let mapping = entry.mapping else {
                problem(entry, "each category must be a mapping with at least 'id' and 'title'")
                continue
            }
            checkKeys(mapping, allowed: Self.categoryKeys, in: "category")
            guard let id = string(mapping["id"], "id") else {
                if mapping["id"] == nil { problem(entry, "category without 'id'") }
                continue
            }
            guard ValueParsing.isValidCategoryID(id) else {
                problem(mapping["id"], "category id '\(id.prefix(80))' must be 1–64 characters of a–z, 0–9, '-' or '_', starting with a letter or digit (it names files and URLs)")
                continue
            }
            if id == "all" || id == "index" || id == "sources" {
                problem(mapping["id"], "category id '\(id)' is reserved")
                continue
            }
            if !seen.insert(id).inserted {
                problem(mapping["id"], "duplicate category id '\(id)'")
                continue
            }
            var category = CategoryConfig(id: id, title: string(mapping["title"], "title") ?? id.capitalized, line: entry.mark?.line ?? 0)
            if let value = string(mapping["description"], "description") { category.description = value }
            if let value = integer(mapping["limit"], "limit", range: 1...10_000) { category.limit = value }
            if let text = string(mapping["dedupe"], "dedupe") {
                if let level = DedupeLevel(rawValue: text) {
                    category.dedupe = level
                } else {
                    problem(mapping["dedupe"], "'dedupe' must be one of id, url, content")
                }
            }
            category.filter = ArticleFilter(include: rules(mapping["include"], "include"), exclude: rules(mapping["exclude"], "exclude"))
            category.matchCategories = strings(mapping["match_categories"], "match_categories")
            if let value = duration(mapping["max_age"], "max_age") { category.maxAge = value }
            if let node = mapping["retention"] {
                if let retention = node.mapping {
                    checkKeys(retention, allowed: Self.categoryRetentionKeys, in: "category retention")
                    category.retentionMaxAge = duration(retention["max_age"], "max_age")
                    category.retentionMaxCount = integer(retention["max_count"], "max_count", range: 1...100_000_000)
                } else {
                    problem(node, "'retention' must be a mapping with max_age and/or max_count")
                }
            }
            categories.append(category)
        }
        return categories
    }

    /// A list of strings (a single string is accepted as a list of one).
    mutating func strings(_ node: Node?, _ key: String) -> [String] {
        guard let node else { return [] }
        if let single = node.scalar { return [single.string] }
        guard let sequence = node.sequence else {
            problem(node, "'\(key)' must be a list of strings")
            return []
        }
        return sequence.compactMap { string($0, key) }
    }

    /// Filter rules, each compiled; an invalid regular expression is reported at its position.
    mutating func rules(_ node: Node?, _ key: String) -> [ArticleFilter.Rule] {
        guard let node else { return [] }
        let items: [Node] = node.sequence.map(Array.init) ?? [node]
        var rules: [ArticleFilter.Rule] = []
        for item in items {
            guard let text = string(item, key) else { continue }
            do {
                rules.append(try ArticleFilter.Rule(text))
            } catch {
                problem(item, error.message)
            }
        }
        return rules
    }

    mutating func readSources(_ node: Node?, categories: Set<String>, environment: [String: String]) -> [SourceConfig] {
        guard let node else { return [] }
        guard let sequence = node.sequence else {
            problem(node, "'sources' must be a list")
            return []
        }
        var sources: [SourceConfig] = []
        var seenURLs: Set<String> = []
        for entry in sequence {
            guard let mapping = entry.mapping else {
                problem(entry, "each source must be a mapping with at least 'url'")
                continue
            }
            checkKeys(mapping, allowed: Self.sourceKeys, in: "source")
            guard let rawURL = string(mapping["url"], "url") else {
                if mapping["url"] == nil { problem(entry, "source without 'url'") }
                continue
            }
            guard let url = sourceURL(rawURL, node: mapping["url"]) else { continue }
            if !seenURLs.insert(url).inserted {
                problem(mapping["url"], "duplicate source \(url)")
                continue
            }
            var source = SourceConfig(url: url, title: string(mapping["title"], "title"), categories: [], line: entry.mark?.line ?? 0)
            if let list = mapping["categories"] {
                if let items = list.sequence {
                    for item in items {
                        guard let id = string(item, "categories") else { continue }
                        if categories.contains(id) {
                            source.categories.append(id)
                        } else {
                            let hint = Self.closest(to: id, in: Array(categories)).map { "; did you mean '\($0)'?" } ?? "; add it under 'categories'"
                            problem(item, "category '\(id)' is not defined\(hint)")
                        }
                    }
                } else if let id = string(list, "categories") {
                    if categories.contains(id) { source.categories = [id] } else { problem(list, "category '\(id)' is not defined") }
                }
            }
            if let value = duration(mapping["interval"], "interval") { source.interval = value }
            if let headers = mapping["headers"] {
                if let headerMapping = headers.mapping {
                    for (key, value) in headerMapping {
                        if let name = key.string, let text = value.scalar?.string { source.headers[name] = text } else { problem(key, "headers must map names to strings") }
                    }
                } else {
                    problem(headers, "'headers' must be a mapping of header names to values")
                }
            }
            source.username = string(mapping["username"], "username")
            source.password = string(mapping["password"], "password")
            if let variable = string(mapping["password_env"], "password_env") {
                if let value = environment[variable] { source.password = value } else { problem(mapping["password_env"], "environment variable \(variable) is not set") }
            }
            if let value = bool(mapping["insecure"], "insecure") { source.isInsecure = value }
            sources.append(source)
        }
        return sources
    }

    /// An http(s) URL, or a file path (relative to feeds.yaml) turned into a file:// URL.
    private mutating func sourceURL(_ raw: String, node: Node?) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            problem(node, "'url' is empty")
            return nil
        }
        if let scheme = URLReference.scheme(of: text), scheme.count > 1 {
            switch scheme {
            case "http", "https":
                guard URLReference.host(of: text).map({ !$0.isEmpty }) == true else {
                    problem(node, "'\(text)' has no host")
                    return nil
                }
                if let authority = text.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first, authority.contains("@") {
                    problem(node, "credentials in source URLs are not allowed (they end up in logs); use 'username' and 'password_env'")
                    return nil
                }
                return text
            case "file":
                let path = String(text.dropFirst("file://".count))
                return "file://" + absolutePath(path.removingPercentEncoding ?? path)
            default:
                problem(node, "unsupported URL scheme '\(scheme):' (use http, https, or a local file path)")
                return nil
            }
        }
        return "file://" + absolutePath(text)
    }
}
