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
///   dripping its request head or body a byte at a time cannot hold a connection.
/// - **Idle timeout:** a connection with no request under way and no bytes in or out for
///   `ServerLimits.idleTimeout` is closed. (Hummingbird's own idle handler counts only the requests
///   its router sees; `DocumentFastPath` answers most of them before that, so the guard, which sees
///   the bytes of both, keeps the time.)
///
/// Activity is measured on the socket: while an answer is still being sent (bytes wait in the
/// channel's buffer), the client's progress in taking them counts as activity and the request
/// deadline is not the client's to meet, so a slow reader of a large feed is not cut mid-body.
///
/// One timer per connection, firing at most once per `requestTimeout`: a request costs two clock
/// reads, not a scheduled task.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let count: ConnectionCount
    private let maxConnections: Int
    private let requestTimeout: TimeAmount
    private let idleTimeout: TimeAmount?
    private var counted = false
    private var refused = false
    /// When the first byte of a request not yet answered arrived.
    private var requestStarted: NIODeadline?
    private var lastActivity = NIODeadline.now()
    /// Bytes waiting in the channel's buffer when the timer last fired.
    private var lastBuffered = 0
    private var timer: Scheduled<Void>?

    /// Sent outbound by `DocumentFastPath` when bytes of a request remain after it answered those
    /// before them in the same read (that answer's write stopped the deadline this read started).
    struct RequestUnderWay {}

    init(count: ConnectionCount, limits: ServerLimits) {
        self.count = count
        self.maxConnections = limits.maxConnections
        self.requestTimeout = limits.requestTimeout
        self.idleTimeout = limits.idleTimeout
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
        lastActivity = .now()
        if requestStarted == nil { requestStarted = lastActivity }
        armTimer(context: context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        requestStarted = nil
        lastActivity = .now()
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is RequestUnderWay else { return context.triggerUserOutboundEvent(event, promise: promise) }
        if requestStarted == nil { requestStarted = .now() }
        armTimer(context: context)
        promise?.succeed()
    }

    private func opened(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        guard count.admit(limit: maxConnections) else {
            refused = true
            let refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 5\r\n\r\n"
            let buffer = context.channel.allocator.buffer(string: refusal)
            context.writeAndFlush(NIOAny(IOData.byteBuffer(buffer))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        lastActivity = .now()
        armTimer(context: context)
    }

    private func closed() {
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            count.release()
        }
    }

    /// When the connection is due to be closed as things stand: the request deadline while a
    /// request is under way and nothing is left to send, else the idle deadline.
    private func deadline(isSending: Bool) -> NIODeadline? {
        if let requestStarted, !isSending { return requestStarted + requestTimeout }
        return idleTimeout.map { lastActivity + $0 }
    }

    /// Arms the timer for the deadline, but never further ahead than `requestTimeout`: a request that
    /// starts while the timer waits for an idle deadline is then still caught on time (the timer fires
    /// first and re-arms for the request's own deadline), and no read ever has to move the timer.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, counted else { return }
        var target = NIODeadline.now() + requestTimeout
        if let deadline = deadline(isSending: lastBuffered > 0), deadline < target { target = deadline }
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(deadline: target) { [self] in
            timer = nil
            let buffered = (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
            if buffered > 0 && buffered != lastBuffered { lastActivity = .now() }  // The client is taking bytes.
            lastBuffered = buffered
            if let due = deadline(isSending: buffered > 0), due <= .now() {
                context.close(promise: nil)
            } else {
                armTimer(context: context)
            }
        }
    }
}

/// HTTP/1.1 child channel with a `ConnectionGuard` in front of Hummingbird's own pipeline and,
/// given routes, a `DocumentFastPath` right after the guard.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let limits: ServerLimits
    let count: ConnectionCount
    let routes: FeedRoutes?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(count: count, limits: limits), position: .first)
            // A whole feed fits under the high-water mark, so sending one does not flip the channel's
            // writability (two events across the pipeline per request); the fast path still pauses
            // at the mark (see `DocumentFastPath`).
            try channel.syncOptions?.setOption(
                ChannelOptions.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let value = inner.setup(channel: channel, logger: logger)
        guard let routes else { return value }
        return value.flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let fastPath = DocumentFastPath(
                cache: routes.cache, counters: routes.counters,
                limits: .init(maxHeadBytes: limits.maxHeaderListBytes, maxFieldBytes: limits.maxHeaderFieldBytes))
            try pipeline.addHandler(fastPath, position: .after(pipeline.handler(type: ConnectionGuard.self)))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
