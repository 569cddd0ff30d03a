import Foundation
import Logging
import Synchronization
import Testing
import TributaryTestSupport

@testable import TributaryServer

@Suite struct WebSubPublisherTests {
    final class Seen: Sendable {
        let requests = Mutex<[String]>([])
    }

    @Test func pingsTheHubOncePerChangedFeedWithAPost() async throws {
        let seen = Seen()
        let server = try await FixtureServer.start([
            "/hub": { request in
                seen.requests.withLock { $0.append("\(request.method) \(request.headers[.contentType] ?? "")") }
                return FixtureServer.Reply(status: .noContent)
            }
        ])
        let publisher = WebSubPublisher(hub: server.baseURL + "/hub", baseURL: "https://feeds.example/", logger: Logger(label: "test"))
        #expect(publisher.topics(changedFiles: ["news.html", "news.xml", "index.html", "news.json", "news.atom"])
            == ["https://feeds.example/news.atom", "https://feeds.example/news.json", "https://feeds.example/news.xml"])
        await publisher.publish(changedFiles: ["news.xml", "news.html", "news.atom"])
        let requests = seen.requests.withLock { $0 }
        #expect(requests == ["POST application/x-www-form-urlencoded", "POST application/x-www-form-urlencoded"])
        await server.stop()
    }
}
