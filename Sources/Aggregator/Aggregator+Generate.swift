import ArticleStore
import FeedGen
import Foundation
import TributaryConfig
import TributaryCore

extension Aggregator {
    /// The categories to publish: the configured ones plus the automatic `all`.
    var publishedCategories: [CategoryConfig] {
        let limit = configuration.categories.map(\.limit).max() ?? 100
        let all = CategoryConfig(id: "all", title: "All", description: "Every article from every source", limit: limit)
        return configuration.categories + [all]
    }

    /// Builds one category's feed model from the store.
    ///
    /// - Parameter titles: configured source titles by URL (`configuredTitles`), when the caller
    ///   builds many feeds.
    public func categoryFeed(
        _ category: CategoryConfig, sourceIDs: [String: Int64], now: Date = Date(), titles: [String: String]? = nil
    ) async throws(StoreError) -> CategoryFeed {
        let ids = memberIDs(of: category, sourceIDs: sourceIDs)
        var articles: [StoredArticle]
        if category.filter.isEmpty && category.matchCategories.isEmpty && category.maxAge == nil {
            let found = try await store.articles(fromSources: ids, limit: category.limit, splitting: Self.splitRules(category.dedupe))
            articles = Array(found.prefix(category.limit))
        } else {
            articles = try await selectArticles(for: category, memberIDs: ids, allIDs: Array(sourceIDs.values), now: now)
        }
        let titles = titles ?? configuredTitles
        for index in articles.indices {
            if let title = titles[articles[index].primarySource.url] { articles[index].primarySource.title = title }
        }
        let settings = configuration.settings
        return CategoryFeed(
            id: category.id, title: category.title, description: category.description, baseURL: settings.baseURL,
            siteTitle: settings.title, ttlMinutes: max(1, Int(FetchSchedule.seconds(settings.fetch.interval) / 60)),
            hub: settings.websubHub, articles: articles)
    }

    /// Source titles set in the configuration, by URL (they win over the feeds' own titles).
    var configuredTitles: [String: String] {
        Dictionary(configuration.sources.compactMap { source in source.title.map { (source.url, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// The store's dedup rules a category's `dedupe` level undoes: `content` (the default) keeps every
    /// merge, `url` shows items merged only by content fingerprint separately, `id` also those merged
    /// by canonical URL. An item of the same source is never split off its article.
    static func splitRules(_ level: DedupeLevel) -> Set<String> {
        switch level {
        case .content: []
        case .url: ["content"]
        case .id: ["url", "content"]
        }
    }

    /// Articles of a category with filters, pulled-in category terms or a maximum age: candidates are
    /// the newest articles of its sources (and of every source for `match_categories`), filtered, then cut.
    func selectArticles(for category: CategoryConfig, memberIDs: [Int64], allIDs: [Int64], now: Date) async throws(StoreError) -> [StoredArticle] {
        let window = max(category.limit * 10, 1000)
        let splitting = Self.splitRules(category.dedupe)
        var candidates = try await store.articles(fromSources: memberIDs, limit: window, splitting: splitting)
        if !category.matchCategories.isEmpty {
            let wanted = Set(category.matchCategories.map { $0.lowercased() })
            let seen = Set(candidates.map(\.rowID))
            let pulled = try await store.articles(fromSources: allIDs, limit: window * 2, splitting: splitting).filter { article in
                !seen.contains(article.rowID) && article.categories.contains { wanted.contains($0.lowercased()) }
            }
            candidates += pulled
        }
        let oldest = category.maxAge.map { now.addingTimeInterval(-FetchSchedule.seconds($0)) }
        let kept = candidates.filter { article in
            (oldest.map { article.sortDate >= $0 } ?? true) && category.filter.accepts(article)
        }
        // An article and the entries split off it share date and row id; their output ids order them.
        let ordered = kept.sorted { ($0.sortDate, $0.rowID, $1.outputID) > ($1.sortDate, $1.rowID, $0.outputID) }
        return Array(ordered.prefix(category.limit))
    }

    /// Regenerates the documents unless they were generated from this very store revision and
    /// configuration (a run where every source answered 304 then reads nothing and writes nothing).
    ///
    /// The marker `<output>/.tributary-generated` is written only after every document, so a run
    /// killed in between regenerates next time. Categories with `max_age` depend on the clock, so
    /// their presence always regenerates.
    func generateIfStale(now: Date) async throws(StoreError) -> [String] {
        let marker = configuration.settings.outputPath + "/.tributary-generated"
        let revision = try await store.revision()
        let configText = FileManager.default.contents(atPath: configuration.path).map { [UInt8]($0) } ?? []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in configText { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let stamp = "revision \(revision) config \(String(hash, radix: 16)) version \(TributaryBuild.version)\n"
        let usesClock = configuration.categories.contains { $0.maxAge != nil }
        if !usesClock, let existing = FileManager.default.contents(atPath: marker), String(decoding: existing, as: UTF8.self) == stamp {
            return []
        }
        var timing = GenerationTiming()
        let changed = try await generate(now: now, timing: &timing)
        logger.info(
            "generated",
            metadata: [
                "duration_ms": "\(timing.total)", "read_ms": "\(timing.read)", "render_ms": "\(timing.render)",
                "write_ms": "\(timing.write)", "changed_files": "\(changed.count)",
                "rendered_categories": "\(timing.renderedCategories)",
            ])
        let temporary = marker + ".tmp-\(getpid())"
        if FileManager.default.createFile(atPath: temporary, contents: Data(stamp.utf8)) { rename(temporary, marker) }
        return changed
    }

    /// Milliseconds spent in each phase of a generation, for the log.
    struct GenerationTiming {
        var read = 0, render = 0, write = 0
        /// Categories rendered (the others were unchanged since this process last wrote them).
        var renderedCategories = 0
        var total: Int { read + render + write }

        static func milliseconds(since start: ContinuousClock.Instant) -> Int { (ContinuousClock.now - start).milliseconds }
    }

    /// Writes every document; returns the names of files whose bytes changed.
    @discardableResult
    public func generate(now: Date = Date()) async throws(StoreError) -> [String] {
        var timing = GenerationTiming()
        return try await generate(now: now, timing: &timing)
    }

    /// Reads every category from the store (only changed ones from disk, see `ArticleStore.articles`);
    /// while the next category is read, renders the previous one and writes those of its documents
    /// whose bytes changed (on another core); then the index page and the OPML.
    /// Timing: `read` until the last category is read, `render` the rendering and writing left after
    /// that, `write` the index page and OPML.
    func generate(now: Date, timing: inout GenerationTiming) async throws(StoreError) -> [String] {
        var phase = ContinuousClock.now
        let sourceIDs = try await store.ensureSources(configuration.sources.map(\.url))
        let output: OutputDirectory
        do {
            output = try OutputDirectory(path: configuration.settings.outputPath)
        } catch {
            throw StoreError(.sqlite, path: configuration.settings.outputPath, "cannot create the output directory: \(error)")
        }
        for name in output.removeLeftoverTemporaries() {
            logger.info("removed a temporary file a killed run left behind", metadata: ["file": "\(name)"])
        }
        var feeds: [CategoryFeed] = []
        var failure: StoreError?
        var states: [String: SourceState] = [:]
        let titles = configuredTitles
        var changed = await withTaskGroup(of: Result<[String], any Error>.self) { group in
            for category in publishedCategories {
                do throws(StoreError) {
                    let feed = try await categoryFeed(category, sourceIDs: sourceIDs, now: now, titles: titles)
                    feeds.append(feed)
                    if writtenFeeds.withLock({ $0[feed.id] }) == feed, Self.documentNames(of: feed).allSatisfy(output.exists) {
                        continue  // Rendered and written from this very feed earlier: the same bytes.
                    }
                    timing.renderedCategories += 1
                    group.addTask {
                        Result {
                            let changed = try Self.documents(of: feed).filter { try output.write($0.1, to: $0.0) }.map(\.0)
                            self.writtenFeeds.withLock { $0[feed.id] = feed }
                            return changed
                        }
                    }
                } catch {
                    failure = error
                    break
                }
            }
            // Read after the categories: only the index page needs it, and each category's rendering
            // starts as soon as that category is read. (So `read` also covers rendering done meanwhile.)
            if failure == nil {
                do throws(StoreError) { states = try await store.sourceStates() } catch { failure = error }
            }
            timing.read = GenerationTiming.milliseconds(since: phase)
            phase = ContinuousClock.now
            var changed: [String] = []
            for await result in group {
                switch result {
                case .success(let names): changed += names
                case .failure(let error): failure = failure ?? StoreError(.sqlite, path: output.path, "cannot write generated documents: \(error)")
                }
            }
            return changed
        }
        if let failure { throw failure }
        timing.render = GenerationTiming.milliseconds(since: phase)
        phase = ContinuousClock.now
        defer { timing.write = GenerationTiming.milliseconds(since: phase) }
        let listings = configuration.sources.map { source in
            let state = states[source.url]
            return SourceListing(
                url: source.url, title: source.title ?? state?.title ?? source.url, siteLink: state?.siteLink,
                categories: source.categories, status: state?.status ?? "new", lastError: state?.lastError)
        }
        let categoryList = configuration.categories.map { (id: $0.id, title: $0.title) }
        let pages = [
            ("index.html", HTMLPageWriter.indexPage(siteTitle: configuration.settings.title, categories: feeds, sources: listings)),
            ("sources.opml", OPMLWriter.document(title: configuration.settings.title, categories: categoryList, sources: listings)),
        ]
        do {
            for (name, bytes) in pages where try output.write(bytes, to: name) { changed.append(name) }
        } catch {
            throw StoreError(.sqlite, path: output.path, "cannot write generated documents: \(error)")
        }
        // Callers (WebSub pings, logs) get the names in a stable order.
        return changed.sorted()
    }

    /// Each document of a category: its file extension and its writer.
    static let documentWriters: [(extension: String, write: @Sendable (CategoryFeed) -> [UInt8])] = [
        ("xml", RSSWriter.document), ("atom", AtomWriter.document), ("json", JSONFeedWriter.document),
        ("html", HTMLPageWriter.categoryPage),
    ]

    /// File names of a category's documents.
    static func documentNames(of feed: CategoryFeed) -> [String] {
        documentWriters.map { feed.id + "." + $0.extension }
    }

    /// The four documents of a category.
    static func documents(of feed: CategoryFeed) -> [(String, [UInt8])] {
        let feed = feed.preparingSummaryTexts()
        return documentWriters.map { (feed.id + "." + $0.extension, $0.write(feed)) }
    }
}
