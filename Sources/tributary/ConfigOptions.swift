import ArgumentParser
import Foundation
import Logging
import TributaryConfig

/// Options every command that reads feeds.yaml shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the configuration file.")
    var config = "feeds.yaml"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .error

    @Option(name: .long, help: "Log format: text, or json (one object per line, for journald and log shippers).")
    var logFormat: LogFormat = .text

    /// Loads the configuration or exits 2 with every problem listed.
    func load() throws -> Configuration {
        do {
            return try ConfigLoader.load(path: config)
        } catch {
            Diagnostics.line(error.description)
            throw ExitCode(ExitCodes.configError)
        }
    }

    func logger(_ label: String = "tributary") -> Logger {
        let format = logFormat
        var logger = Logger(label: label) { label -> any LogHandler in
            if format == .json { return JSONLogHandler(label: label) }
            return StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// How log lines look.
enum LogFormat: String, ExpressibleByArgument {
    case text, json
}

/// Documented exit codes.
enum ExitCodes {
    /// Some sources failed.
    static let sourcesFailed: Int32 = 1
    /// The configuration is invalid.
    static let configError: Int32 = 2
    /// The store could not be opened or written.
    static let storeError: Int32 = 3
    /// Another process holds the store lock (EX_TEMPFAIL).
    static let locked: Int32 = 75
    /// Stopped by SIGINT (128 + 2, what a shell reports for it).
    static let interrupted: Int32 = 130
    /// Stopped by SIGTERM (128 + 15).
    static let terminated: Int32 = 143
}
