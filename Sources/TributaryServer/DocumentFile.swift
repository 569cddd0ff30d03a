import Foundation
import NIOCore
import Synchronization

/// The large bodies of one generation in one unlinked temporary file, so `DocumentFastPath` can send
/// them with sendfile(2): the kernel moves file pages to the socket without copying them through
/// this process, as nginx does for static files (`Benchmarks/serve-bench.sh`, 200 KB feed: this is
/// what brought plain answers from about 0.66x nginx's rate to 0.8x).
///
/// The file is created in the temporary directory (`TMPDIR`) and unlinked at once: nobody else can
/// open it, it disappears with the process, and its bytes never change. One file per generation
/// (not one per document) keeps the descriptors few: one, plus a duplicate per event loop that has
/// sent from it, because NIO lets one `NIOFileHandle` be used by one thread at a time. Whoever sends
/// from it keeps it alive until the write completes; its descriptors close with the last reference.
final class DocumentFile: Sendable {
    private let descriptor: CInt
    private let handles = Mutex<[ObjectIdentifier: NIOFileHandle]>([:])

    private init(descriptor: CInt) { self.descriptor = descriptor }

    /// Writes `bodies` one after another into a new unlinked file; a slice of it for each body, or
    /// nil when that fails (no space, no temporary directory): the bodies are then sent from memory.
    static func slices(of bodies: [ByteBuffer]) -> [FileSlice]? {
        var template = Array((NSTemporaryDirectory() + "/tributary-documents-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        let file = DocumentFile(descriptor: descriptor)
        var slices: [FileSlice] = []
        var offset = 0
        for body in bodies {
            let written = body.withUnsafeReadableBytes { bytes -> Bool in
                var done = 0
                while done < bytes.count {
                    let count = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return false }
                    done += count
                }
                return true
            }
            guard written else { return nil }  // `file` closes the descriptor.
            slices.append(FileSlice(file: file, offset: offset, length: body.readableBytes))
            offset += body.readableBytes
        }
        return slices
    }

    deinit {
        handles.withLock { handles in
            for handle in handles.values { try? handle.close() }
        }
        close(descriptor)
    }

    /// The handle for writes on `loop`; nil if no descriptor could be made.
    fileprivate func handle(on loop: any EventLoop) -> NIOFileHandle? {
        handles.withLock { handles -> NIOFileHandle? in
            if let handle = handles[ObjectIdentifier(loop)] { return handle }
            let copy = dup(descriptor)
            guard copy >= 0 else { return nil }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            handles[ObjectIdentifier(loop)] = handle
            return handle
        }
    }
}

/// One body's bytes in a `DocumentFile`.
struct FileSlice: Sendable {
    let file: DocumentFile
    let offset: Int
    let length: Int

    /// The slice as a region for a write on `loop`; nil if no descriptor could be made.
    func region(on loop: any EventLoop) -> FileRegion? {
        file.handle(on: loop).map { FileRegion(fileHandle: $0, readerIndex: offset, endIndex: offset + length) }
    }
}
