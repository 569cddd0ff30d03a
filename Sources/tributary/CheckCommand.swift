import ArgumentParser
import Foundation
import TributaryConfig

/// `tributary check`: validates feeds.yaml.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and report every problem as FILE:LINE:COL: message.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        print("\(options.config): ok (\(configuration.categories.count) categories, \(configuration.sources.count) sources)")
    }
}
