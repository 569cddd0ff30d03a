import Foundation
import NIOCore
import Synchronization

/// A document's bytes in an unlinked temporary file, so `DocumentFastPath` can send them with
/// sendfile(2): the kernel moves file pages to the socket without copying them through this
/// process, as nginx does for static files (`Benchmarks/serve-bench.sh`, 200 KB feed: this is what
/// brought plain answers from about 0.66x nginx's rate to 0.8x).
///
/// The file is created in the temporary directory (`TMPDIR`) and unlinked at once: nobody else can
/// open it, it disappears with the process, and its bytes can never change. (`/dev/shm` measured no
/// faster here, and containers often cap its size.)
/// Each event loop gets its own descriptor (a `dup`), because NIO lets one `NIOFileHandle` be used by
/// one thread at a time. Whoever sends from it must keep the `DocumentFile` alive until the write
/// completes; its descriptors close when the last reference goes.
final class DocumentFile: Sendable {
    /// Bytes in the file.
    let size: Int
    private let descriptor: CInt
    private let handles = Mutex<[ObjectIdentifier: NIOFileHandle]>([:])

    /// Writes `bytes` to a new unlinked file; nil when that fails (no space, no temporary directory):
    /// the document is then sent from memory.
    init?(_ bytes: ByteBufferView) {
        let directory = NSTemporaryDirectory()
        var template = Array((directory + "/tributary-document-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        let written = bytes.withContiguousStorageIfAvailable { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard written == true else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.size = bytes.count
    }

    deinit {
        handles.withLock { handles in
            for handle in handles.values { try? handle.close() }
        }
        close(descriptor)
    }

    /// The whole file as a region for a write on `loop`; nil if no descriptor could be made.
    func region(on loop: any EventLoop) -> FileRegion? {
        let handle = handles.withLock { handles -> NIOFileHandle? in
            if let handle = handles[ObjectIdentifier(loop)] { return handle }
            let copy = dup(descriptor)
            guard copy >= 0 else { return nil }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            handles[ObjectIdentifier(loop)] = handle
            return handle
        }
        return handle.map { FileRegion(fileHandle: $0, readerIndex: 0, endIndex: size) }
    }
}
