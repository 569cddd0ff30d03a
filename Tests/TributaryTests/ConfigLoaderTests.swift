import Foundation
import Testing
@testable import TributaryConfig
import TributaryTestSupport

@Suite struct ConfigLoaderTests {
    static func problems(_ yaml: String) throws -> [String] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            _ = try ConfigLoader.load(path: try directory.write("feeds.yaml", yaml))
            return []
        } catch let error as ConfigError {
            return error.problems.map { "\($0.line):\($0.column): \($0.message)" }
        }
    }

    @Test func validFileLoadsWithDefaultsAndResolvedPaths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "feeds.yaml",
            """
            settings: {fetch: {interval: 5m, max_body: 2MB}}
            categories:
              - {id: tech, title: Tech}
            sources:
              - {url: local/feed.xml, categories: [tech]}
              - {url: "https://example.org/feed", categories: [tech], interval: 1h}
            """)
        let configuration = try ConfigLoader.load(path: path)
        #expect(configuration.settings.fetch.interval == .seconds(300))
        #expect(configuration.settings.fetch.maxBodyBytes == 2 * 1024 * 1024)
        #expect(configuration.settings.storePath.hasPrefix(directory.path))
        #expect(configuration.sources[0].url == "file://" + directory.path + "/local/feed.xml")
        #expect(configuration.sources[1].interval == .seconds(3600))
        #expect(configuration.categories[0].limit == 100)
    }

    @Test func everyProblemIsReportedWithLineAndColumn() throws {
        let problems = try Self.problems(
            """
            settings:
              lsiten: 127.0.0.1:8080
              fetch: {concurrency: many}
            categories:
              - {id: "../etc", title: Bad}
              - {id: world, title: World}
            sources:
              - {url: "ftp://example.org/feed", categories: [world]}
              - {url: "https://user:pw@example.org/feed", categories: [world]}
              - {url: "https://example.org/a", categories: [wrld]}
              - {url: "https://example.org/a", categories: [world]}
            """)
        #expect(problems.contains("2:3: unknown key 'lsiten' in settings; did you mean 'listen'?"))
        #expect(problems.contains("3:24: 'concurrency' must be a whole number"))
        #expect(problems.contains { $0.hasPrefix("5:10: category id '../etc'") })
        #expect(problems.contains { $0.hasPrefix("8:11: unsupported URL scheme 'ftp:'") })
        #expect(problems.contains { $0.hasPrefix("9:11: credentials in source URLs are not allowed") })
        #expect(problems.contains("10:49: category 'wrld' is not defined; did you mean 'world'?"))
        #expect(problems.contains { $0.hasPrefix("11:11: duplicate source") })
    }

    @Test func syntaxErrorsAndAliasesAreRejected() throws {
        let syntax = try Self.problems("settings: {store: [unclosed\n")
        #expect(syntax.count == 1 && syntax[0].contains("YAML syntax error"))
        let alias = try Self.problems("a: &x [1, 2]\nb: *x\n")
        #expect(alias == ["2:4: YAML aliases (*name) are not allowed in feeds.yaml; write the value out"])
        // Columns count characters, lines end at LF (CRLF files too); quoted and commented stars are text.
        #expect(ConfigLoader.firstAlias(in: "a: &x [1]\r\nb: 'é*' # *c\r\nçé: [*x]\r\n")! == (3, 6))
        #expect(ConfigLoader.firstAlias(in: "a: \"*x\" # *y\nb: 'it''s *z'\nc: 2*3\n") == nil)
    }
}
