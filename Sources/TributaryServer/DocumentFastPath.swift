import Foundation
import NIOCore
import TributaryCore

/// Answers plain GET and HEAD requests for generated documents straight from the connection's
/// bytes, with the heads and bodies `DocumentCache` built once per generation.
///
/// A feed is polled far more often than anything else is asked for, and NIO's HTTP parser, the
/// conversions to HTTP types, the router and an async hop per request cost several times what the
/// answer itself costs. This handler sits in front of the HTTP decoder: while requests are of the
/// strict form `SimpleRequestHead` accepts and name a document, it answers them itself; at the
/// first request that is anything else (another path, a body, an odd byte) it hands that request's
/// bytes and everything after them to the decoder and stays out of the way for the rest of the
/// connection. Requests are answered in order because everything before the hand-over was answered
/// before it. Names are matched exactly against the generated set; no path is built from a request.
///
/// Keep-alive and idle timeouts are `ConnectionGuard`'s, which sees the bytes of both paths.
final class DocumentFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let cache: DocumentCache
    private let counters: RequestCounters?
    private let limits: SimpleRequestHead.Limits
    /// Bytes read and not yet answered: a head that has not fully arrived, or requests held back
    /// while the socket does not take more.
    private var unread: ByteBuffer?
    /// How much of `unread` was already searched for the end of a head (a dripped head is scanned once).
    private var scanned = 0
    /// Set at the first request the router must see: from then on every byte goes to the decoder.
    private var handedOver = false
    /// Set after answering `Connection: close`, or when the server shuts down: nothing more is read.
    private var closing = false
    /// The socket's buffer is over its high-water mark: no answers and no reads until it drains,
    /// so a client that sends requests without reading answers cannot make the server queue them.
    private var paused = false
    private var readRequested = false
    /// The client closed its side (half-close): answer what was read, then pass the event on.
    private var inputClosed = false
    /// Inside `channelRead`: a read-complete event follows (handed on once handed over).
    private var isReading = false
    private var needsFlush = false
    private var date = HTTPDate()

    init(cache: DocumentCache, counters: RequestCounters?, limits: SimpleRequestHead.Limits) {
        self.cache = cache
        self.counters = counters
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if handedOver { return context.fireChannelRead(data) }
        if closing { return }
        var buffer = unwrapInboundIn(data)
        if var earlier = unread {
            unread = nil  // Sole owner: appending does not copy, and answered bytes are dropped first.
            earlier.discardReadBytes()
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        unread = buffer
        if !paused {
            isReading = true
            answerUnread(context: context)
            isReading = false
        }
    }

    /// Until the router's first read, read-complete and writability events concern only this
    /// handler (nothing behind it has a request), so they stop here: each would otherwise cross
    /// every handler of Hummingbird's pipeline, for every request.
    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        if handedOver { context.fireChannelReadComplete() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if handedOver { return context.fireChannelWritabilityChanged() }
        if paused && context.channel.isWritable {
            paused = false
            answerUnread(context: context)
            flushIfNeeded(context: context)
            if readRequested && !paused {
                readRequested = false
                context.read()
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if paused && !handedOver {
            readRequested = true
        } else {
            context.read()
        }
    }

    /// Before hand-over, Hummingbird has seen no request on this connection, so two of its events are
    /// this handler's: half-close (answer what was read first: Hummingbird would close at once) and
    /// graceful shutdown (finish the answers under way, then close: Hummingbird counts no request
    /// in progress here and would close at once).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !handedOver else { return context.fireUserInboundEventTriggered(event) }
        if case .inputClosed = event as? ChannelEvent {
            inputClosed = true
            finishIfDone(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            closing = true
            unread = nil
            afterPendingWrites(context: context) { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// After a half-close, once every request read is answered: the answers are sent, then the event
    /// goes on (Hummingbird then closes the connection).
    private func finishIfDone(context: ChannelHandlerContext) {
        guard inputClosed, !handedOver, !paused else { return }  // Paused: the rest is answered on resuming.
        inputClosed = false
        afterPendingWrites(context: context) { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }

    /// Runs `action` once everything written so far has gone to the socket.
    private func afterPendingWrites(context: ChannelHandlerContext, _ action: @escaping () -> Void) {
        needsFlush = false
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(IOData.byteBuffer(ByteBuffer())), promise: written)
        written.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { _ in action() }
    }

    /// Answers the requests in `unread` until it holds none complete, the socket is full, or one
    /// must go to the router.
    private func answerUnread(context: ChannelHandlerContext) {
        defer { finishIfDone(context: context) }
        while var buffer = unread, buffer.readableBytes > 0, !closing {
            guard context.channel.isWritable else {
                paused = true
                return
            }
            let parse = buffer.withUnsafeReadableBytes { SimpleRequestHead.parse($0, limits: limits, scannedBytes: scanned) }
            switch parse {
            case .incomplete:
                scanned = buffer.readableBytes
                // A head begun after an answer in this read: its deadline runs from now (the answer's
                // write stopped the one `ConnectionGuard` started for this read).
                context.triggerUserOutboundEvent(ConnectionGuard.RequestUnderWay(), promise: nil)
                return
            case .request(let request, let length):
                guard let document = cache.document(named: request.documentName) else { return handOver(context: context) }
                buffer.moveReaderIndex(forwardBy: length)
                unread = buffer.readableBytes > 0 ? buffer : nil
                scanned = 0
                answer(request, with: document, context: context)
                if request.closesConnection { closing = true }
            case .other:
                return handOver(context: context)
            }
        }
        if closing { unread = nil }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    /// Gives `unread` and everything after it to the HTTP decoder; answers so far leave first.
    private func handOver(context: ChannelHandlerContext) {
        handedOver = true
        flushIfNeeded(context: context)
        if let buffer = unread {
            unread = nil
            // The router's request is under way from now, whatever was answered earlier in this read.
            context.triggerUserOutboundEvent(ConnectionGuard.RequestUnderWay(), promise: nil)
            context.fireChannelRead(wrapInboundOut(buffer))
            // Hummingbird's async channel delivers reads at read-complete; outside a read cycle
            // (resuming after a pause), none would come until the client sends again.
            if !isReading { context.fireChannelReadComplete() }
        }
        if inputClosed {
            inputClosed = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        if readRequested {
            readRequested = false
            context.read()
        }
    }

    private func answer(_ request: SimpleRequestHead, with document: ServedDocument, context: ChannelHandlerContext) {
        let variant = FeedRoutes.variant(
            of: document, ifNoneMatch: request.ifNoneMatch, ifModifiedSince: request.ifModifiedSince,
            acceptEncoding: request.acceptEncoding)
        let (response, fields, body, file) = document.answer(for: variant)
        let status = response.status.code
        var head = context.channel.allocator.buffer(capacity: fields.count + 64)
        head.writeBytes(fields)
        head.writeString("Date: ")
        head.writeString(date.now())
        head.writeString(request.closesConnection ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n")
        context.write(NIOAny(IOData.byteBuffer(head)), promise: nil)
        if let body, !request.isHead {
            if let file, let region = file.region(on: context.eventLoop) {
                let sent = context.eventLoop.makePromise(of: Void.self)
                sent.futureResult.whenComplete { _ in withExtendedLifetime(file) {} }  // The file stays open until sent.
                context.write(NIOAny(IOData.fileRegion(region)), promise: sent)
            } else {
                context.write(NIOAny(IOData.byteBuffer(body)), promise: nil)
            }
        }
        counters?.count(name: request.name, status: status)
        if request.closesConnection {
            afterPendingWrites(context: context) { context.close(promise: nil) }
        } else {
            needsFlush = true
        }
    }
}

/// The Date field's value, formatted at most once a second.
struct HTTPDate {
    private var second = 0
    private var text = ""

    mutating func now() -> String {
        let current = time(nil)
        if current != second {
            second = current
            text = FeedDate.rfc822(Date(timeIntervalSince1970: TimeInterval(current)))
        }
        return text
    }
}
