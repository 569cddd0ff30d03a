import ArgumentParser
import Foundation
import TributaryConfig

/// `tributary check`: validates feeds.yaml.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and report every problem as FILE:LINE:COL: message.",
        discussion: "Exit 0 when the file is valid, 2 when it has problems (all of them are listed).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print {\"ok\", \"problems\": [{\"file\", \"line\", \"column\", \"message\"}]}.")
    var json = false

    func run() async throws {
        let problems: [ConfigError.Problem]
        var summary = ""
        do {
            let configuration = try ConfigLoader.load(path: options.config)
            problems = []
            summary = "\(options.config): ok (\(configuration.categories.count) categories, \(configuration.sources.count) sources)"
        } catch {
            problems = error.problems
        }
        if json {
            let object: [String: Any] = [
                "ok": problems.isEmpty,
                "problems": problems.map { ["file": $0.file, "line": $0.line, "column": $0.column, "message": $0.message] },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else if problems.isEmpty {
            print(summary)
        } else {
            for problem in problems { Diagnostics.line(problem.description) }
        }
        if !problems.isEmpty { throw ExitCode(ExitCodes.configError) }
    }
}
