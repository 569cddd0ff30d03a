import Foundation

/// The directory generated documents are written to, each file replaced atomically.
public struct OutputDirectory: Sendable {
    /// Absolute path.
    public let path: String

    /// Creates the directory if needed.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Part of every temporary file's name: `.<name>.tmp-<pid>`.
    static let temporaryMarker = ".tmp-"

    /// Deletes temporary files a killed writer left behind; returns their names.
    ///
    /// Call only while holding the store lock (one writer at a time), so no live writer's file is
    /// taken. The server never serves dot-files, so leftovers are litter, not a hazard.
    @discardableResult
    public func removeLeftoverTemporaries() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let leftovers = names.filter { $0.hasPrefix(".") && $0.contains(Self.temporaryMarker) }
        for name in leftovers { unlink(path + "/" + name) }
        return leftovers
    }

    /// Whether the document `name` is there.
    public func exists(_ name: String) -> Bool {
        access(path + "/" + name, F_OK) == 0
    }

    /// Writes `bytes` to `name` through a temporary file and rename, so readers never see half a file.
    ///
    /// - Returns: false when the file already had exactly these bytes (it is then left untouched,
    ///   keeping its modification time and ETag).
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> Bool {
        precondition(!name.contains("/") && !name.hasPrefix("."), "output names are generated, never user paths")
        let target = path + "/" + name
        if let existing = FileManager.default.contents(atPath: target), existing.count == bytes.count,
            bytes.isEmpty || existing.withUnsafeBytes({ old in bytes.withUnsafeBytes { memcmp(old.baseAddress!, $0.baseAddress!, $0.count) == 0 } })
        {
            return false
        }
        let temporary = path + "/." + name + Self.temporaryMarker + "\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target])
        }
        return true
    }
}
