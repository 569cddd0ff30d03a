import Foundation

/// Golden-file comparison: a missing golden file is written and the check fails; `RECORD_GOLDEN=1`
/// re-records every golden file. Review golden diffs like code.
public enum Golden {
    /// Tests/Fixtures/golden.
    public static let directory = Fixtures.directory + "/golden"

    /// nil when `bytes` equal the golden file `name`; otherwise a message saying what happened.
    public static func mismatch(_ bytes: [UInt8], name: String) -> String? {
        let path = directory + "/" + name
        let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"
        if !recording, let expected = FileManager.default.contents(atPath: path) {
            if [UInt8](expected) == bytes { return nil }
            let actualPath = NSTemporaryDirectory() + "golden-actual-" + name
            FileManager.default.createFile(atPath: actualPath, contents: Data(bytes))
            return "\(name) differs from the golden file; actual output written to \(actualPath) (RECORD_GOLDEN=1 re-records)"
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return recording ? nil : "\(name) had no golden file; recorded it now, review and commit it"
    }
}
