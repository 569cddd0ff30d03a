import Foundation

/// Messages for the person at the terminal (or cron's mail), on stderr.
enum Diagnostics {
    /// Prints "tributary: message" on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("tributary: " + message + "\n").utf8))
    }

    /// Prints a line on stderr, unprefixed.
    static func line(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
