import Foundation

/// An exclusive lock next to the store, so only one process writes at a time.
///
/// Uses `flock`, which the kernel releases when the process dies: a lock left by a killed
/// process is never stale.
public final class StoreLock: Sendable {
    private let descriptor: Int32
    /// Path of the lock file.
    public let path: String

    /// Waits up to `timeout` for the lock on `storePath + ".lock"`.
    ///
    /// - Returns: nil when another process held it for the whole time.
    public init?(storePath: String, timeout: Duration) {
        path = storePath + ".lock"
        let directory = (storePath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        // On a read-only file system an existing lock file still locks (flock needs no write access),
        // so the store's own open reports the read-only database instead of "another process holds it".
        if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if ContinuousClock.now >= deadline {
                close(descriptor)
                return nil
            }
            usleep(100_000)
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
