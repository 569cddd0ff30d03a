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
    public func categoryFeed(_ category: CategoryConfig, sourceIDs: [String: Int64]) async throws(StoreError) -> CategoryFeed {
        let members = configuration.sources.filter { category.id == "all" || $0.categories.contains(category.id) }
        let ids = members.compactMap { sourceIDs[$0.url] }
        var articles = try await store.articles(fromSources: ids, limit: category.limit)
        let titles = Dictionary(configuration.sources.compactMap { source in source.title.map { (source.url, $0) } }, uniquingKeysWith: { first, _ in first })
        for index in articles.indices {
            if let title = titles[articles[index].primarySource.url] { articles[index].primarySource.title = title }
        }
        let settings = configuration.settings
        return CategoryFeed(
            id: category.id, title: category.title, description: category.description, baseURL: settings.baseURL,
            siteTitle: settings.title, ttlMinutes: max(1, Int(FetchSchedule.seconds(settings.fetch.interval) / 60)),
            hub: settings.websubHub, articles: articles)
    }

    /// Writes every document; returns the names of files whose bytes changed.
    @discardableResult
    public func generate() async throws(StoreError) -> [String] {
        let sourceIDs = try await store.ensureSources(configuration.sources.map(\.url))
        let states = try await store.sourceStates()
        var feeds: [CategoryFeed] = []
        for category in publishedCategories {
            feeds.append(try await categoryFeed(category, sourceIDs: sourceIDs))
        }
        let listings = configuration.sources.map { source in
            let state = states[source.url]
            return SourceListing(
                url: source.url, title: source.title ?? state?.title ?? source.url, siteLink: state?.siteLink,
                categories: source.categories, status: state?.status ?? "new", lastError: state?.lastError)
        }
        var documents: [(String, [UInt8])] = []
        for feed in feeds {
            documents.append((feed.id + ".xml", RSSWriter.document(feed)))
            documents.append((feed.id + ".atom", AtomWriter.document(feed)))
            documents.append((feed.id + ".json", JSONFeedWriter.document(feed)))
            documents.append((feed.id + ".html", HTMLPageWriter.categoryPage(feed)))
        }
        documents.append(("index.html", HTMLPageWriter.indexPage(siteTitle: configuration.settings.title, categories: feeds, sources: listings)))
        let categoryList = configuration.categories.map { (id: $0.id, title: $0.title) }
        documents.append(("sources.opml", OPMLWriter.document(title: configuration.settings.title, categories: categoryList, sources: listings)))
        var changed: [String] = []
        do {
            let output = try OutputDirectory(path: configuration.settings.outputPath)
            for (name, bytes) in documents where try output.write(bytes, to: name) { changed.append(name) }
        } catch {
            throw StoreError(.sqlite, path: configuration.settings.outputPath, "cannot write generated documents: \(error)")
        }
        return changed
    }
}
