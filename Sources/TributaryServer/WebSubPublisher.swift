import FeedFetch
import Foundation
import Logging

/// Tells a WebSub hub that feeds changed (`hub.mode=publish`), so subscribers get them at once.
struct WebSubPublisher: Sendable {
    let hub: String
    let baseURL: String
    let logger: Logger
    private let fetcher = FeedFetcher(settings: FetchSettings(concurrency: 2, totalTimeout: .seconds(10)))

    init(hub: String, baseURL: String, logger: Logger) {
        self.hub = hub
        self.baseURL = baseURL
        self.logger = logger
    }

    /// The feed URLs among changed output files (RSS, Atom and JSON Feed documents).
    func topics(changedFiles: [String]) -> [String] {
        changedFiles.filter { $0.hasSuffix(".xml") || $0.hasSuffix(".atom") || $0.hasSuffix(".json") }.sorted()
            .map { baseURL + $0 }
    }

    /// Pings the hub once per changed feed; failures are logged, never fatal.
    func publish(changedFiles: [String]) async {
        for topic in topics(changedFiles: changedFiles) {
            let body = "hub.mode=publish&hub.url=" + (topic.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? topic)
            do {
                let response = try await fetcher.fetch(FetchRequest(url: hub, formBody: body))
                if !(200..<300).contains(response.status) {
                    logger.warning("WebSub hub refused the ping", metadata: ["hub": "\(hub)", "topic": "\(topic)", "status": "\(response.status)"])
                }
            } catch {
                logger.warning("WebSub ping failed", metadata: ["hub": "\(hub)", "topic": "\(topic)", "error": "\(error)"])
            }
        }
    }
}
