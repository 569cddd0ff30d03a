import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Open connections of one server, shared by every connection's `ConnectionGuard`.
final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)

    /// Counts a new connection; false when that makes more than `limit`.
    func admit(limit: Int) -> Bool {
        open.wrappingAdd(1, ordering: .relaxed).newValue <= limit
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// First handler of every connection, in front of the HTTP decoder, so it sees bytes, not requests.
///
/// - **Connection cap:** a connection beyond `ServerLimits.maxConnections` gets a bare 503 and is closed.
/// - **Request deadline:** once bytes arrive while no response is being written, the server must have
///   started answering within `ServerLimits.requestTimeout`, or the connection is closed. A client
///   dripping its request head or body a byte at a time cannot hold a connection. A connection that
///   sends nothing is Hummingbird's idle timeout's (it counts only complete request parts, so alone it
///   would let a dripped body keep a connection open for ever).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let count: ConnectionCount
    private let maxConnections: Int
    private let requestTimeout: TimeAmount
    private var counted = false
    private var refused = false
    private var deadline: Scheduled<Void>?

    init(count: ConnectionCount, maxConnections: Int, requestTimeout: TimeAmount) {
        self.count = count
        self.maxConnections = maxConnections
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { closed() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }  // Only the bare 503 is ever answered.
        if deadline == nil { arm(context: context) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        deadline?.cancel()
        deadline = nil
        context.write(data, promise: promise)
    }

    private func opened(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        guard count.admit(limit: maxConnections) else {
            refused = true
            let refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 5\r\n\r\n"
            let buffer = context.channel.allocator.buffer(string: refusal)
            context.writeAndFlush(NIOAny(IOData.byteBuffer(buffer))).whenComplete { _ in context.close(promise: nil) }
            return
        }
    }

    private func closed() {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            count.release()
        }
    }

    private func arm(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        deadline = loop.scheduleTask(in: requestTimeout) { [self] in
            deadline = nil
            context.close(promise: nil)
        }
    }
}

/// HTTP/1.1 child channel with a `ConnectionGuard` in front of Hummingbird's own pipeline.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let limits: ServerLimits
    let count: ConnectionCount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            let guardHandler = ConnectionGuard(
                count: count, maxConnections: limits.maxConnections, requestTimeout: limits.requestTimeout)
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
