import NIOCore
import NIOPosix
import TidendeModels
import TidendeWire

/// One client connection: the last handler of its pipeline, after `WireDecoderHandler`.
///
/// It owns the rules every port shares (DESIGN §2): exactly one reply per request line, in request
/// order, however late each reply is produced; `hello` (token, acks, reply compression) and `quit`;
/// HTTP by mistake; the end of an upload; backpressure (``wantsInput``: no request is taken, and
/// nothing is read, while too many replies are outstanding or the client is not reading them); the
/// idle timeout. What a request *means* is the session's business.
///
/// ```
///   request lines ──▶ reserve slot ──▶ session ──▶ reply(token) fills slot
///   slots: [ready][ready][pending][ready] ──▶ drain writes the ready prefix, in order
/// ```
public final class Connection: ChannelDuplexHandler, WireInputDemand {
    public typealias InboundIn = WireEvent
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum Slot {
        case pending
        case ready([UInt8]?)
        /// `hello` asked for compressed replies: everything after this slot is compressed.
        case startCompression(DeflateFormat, hello: [UInt8])
        /// `quit`: the session's summary (or a plain goodbye), then close.
        case quit(line: Int)
    }

    private enum Ending {
        case endOfInput
        case failure(WireError)
    }

    let config: LineServerConfig
    let service: any LineService
    private var session: (any LineSession)?
    private var context: ChannelHandlerContext?

    private var slots = CircularBuffer<Slot>(initialCapacity: 64)
    private var firstIndex = 0
    private var nextIndex = 0
    private var heldRead = false
    private var ending: Ending?
    private var closing = false
    private var authenticated: Bool
    private var sawFirstLine = false
    private var out: ByteBuffer
    private var deflater: Deflater?
    private var writeCallbacks: [() -> Void] = []

    /// When true, successful acknowledgements are not sent (`hello` with `"acks":"errors"`).
    public internal(set) var acksOnlyErrors = false
    /// A long-lived subscriber (the feed) is not subject to the idle timeout.
    public var exemptFromIdleTimeout = false
    /// A subscriber keeps streaming after the client half-closes (`nc -N`).
    public var continuesAfterInputEnd = false
    /// Called when the channel becomes writable again (a streaming session resumes).
    public var onWritable: (() -> Void)?

    init(config: LineServerConfig, service: any LineService, allocator: ByteBufferAllocator) {
        self.config = config
        self.service = service
        self.authenticated = config.token == nil
        self.out = allocator.buffer(capacity: 4096)
    }

    // MARK: Public surface for sessions

    /// The connection's event loop; every call below must happen on it.
    public var eventLoop: EventLoop { context!.eventLoop }

    /// A handle usable from other threads: hop with `bound.eventLoop.execute { bound.value… }`.
    public var bound: NIOLoopBound<Connection> { NIOLoopBound(self, eventLoop: eventLoop) }

    /// The service's name (`ingest`, `feed`, `query`).
    public var serviceName: String { config.name }

    /// Answers the request that reserved `token`. `nil` sends no line (a suppressed ack).
    public func reply(_ token: ReplyToken, _ line: [UInt8]?) {
        let offset = token.index - firstIndex
        guard offset >= 0, offset < slots.count else { return }
        slots[slots.index(slots.startIndex, offsetBy: offset)] = .ready(line)
        // Replies completed together (a committed batch) go out in one write, not one each.
        if offset == 0 { drain(flush: false) }
    }

    /// Answers with the standard error line.
    public func reply(_ token: ReplyToken, error: WireError) {
        reply(token, error.replyLine(line: token.line))
    }

    /// Appends bytes to the output directly (streaming sessions such as the feed). Respect
    /// `isWritable`; call `flushOutput()` at natural boundaries. Once the connection is closing
    /// (after `quit`, an error, or `close()`), nothing more is sent: its stream has ended.
    public func emit(_ bytes: [UInt8]) {
        guard !closing else { return }
        out.writeBytes(bytes)
    }

    /// Compresses (when asked for) and writes what `emit` and replies have buffered.
    public func flushOutput() {
        guard let context, context.channel.isActive, out.readableBytes > 0 else { return }
        if deflater != nil {
            var compressed = context.channel.allocator.buffer(capacity: out.readableBytes / 2 + 64)
            deflater!.compress(out, into: &compressed, flush: .sync)
            context.write(wrapOutboundOut(compressed), promise: nil)
        } else {
            context.write(wrapOutboundOut(out), promise: nil)
        }
        // A fresh, empty buffer: it allocates what the next replies need, not a fixed block each.
        out = context.channel.allocator.buffer(capacity: 0)
        context.flush()
    }

    private var flushScheduled = false
    /// Set while `drain` runs (see there).
    private var draining = false

    /// Replies gathered in `out` past this size are written without waiting for the end of the
    /// tick: a burst of replies made at once (light searches answer inline) never piles up there.
    static let outputChunkBytes = 64 << 10

    /// Flushes once the current event-loop tick is done, coalescing everything written in it.
    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.flushOutput()
        }
    }

    /// Whether the socket can take more bytes now (streaming backpressure); never once closing.
    public var isWritable: Bool { !closing && (context?.channel.isWritable ?? false) }

    /// Compresses everything written from now on (the feed's default is zlib).
    public func startCompression(_ format: DeflateFormat) {
        replyCompression = format
        compressionChosen = true
        flushOutput()
        deflater = Deflater(format: format, level: 1)
    }

    /// The format replies are compressed with from some reply on (a `hello` or the session asked
    /// for it), nil while they are plain. It never changes once set: a second compressed stream
    /// cannot start inside the first.
    public private(set) var replyCompression: DeflateFormat?

    /// Whether this connection's reply compression is settled: a `hello` named one (`"none"`
    /// included) or the session started one. Once settled, asking for another is refused, so an
    /// explicit `"none"` binds as firmly as `"zlib"`; a connection that never said anything may
    /// still choose once.
    public private(set) var compressionChosen = false

    /// The formats `hello` and `subscribe` accept, by name (`none`: plain).
    public static let formats: [String: DeflateFormat?] = ["none": nil, "zlib": .zlib, "gzip": .gzip]

    /// How `hello` and `subscribe` name a format.
    public static func name(_ format: DeflateFormat?) -> String {
        switch format {
        case nil: "none"
        case .zlib?: "zlib"
        case .gzip?: "gzip"
        case .raw?: "raw"
        }
    }

    /// How refusals describe the settled compression: `zlib-compressed`, or `plain` for none.
    public static func alreadyText(_ format: DeflateFormat?) -> String {
        format.map { "\(name($0))-compressed" } ?? "plain (\"compress\":\"none\")"
    }

    /// Closes after writing what is buffered.
    public func close() {
        guard !closing, let context else { return }
        closing = true
        flushOutput()
        var tail = context.channel.allocator.buffer(capacity: 64)
        if deflater != nil {
            deflater!.compress(context.channel.allocator.buffer(capacity: 0), into: &tail, flush: .finish)
        }
        // NIO's close fails the writes still queued behind a slow reader: close once the last
        // write is out (writes complete in order), or after the idle timeout if it never reads.
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(tail), promise: written)
        let giveUp = context.eventLoop.scheduleTask(in: config.idleTimeout) { channel.close(promise: nil) }
        written.futureResult.whenComplete { _ in
            giveUp.cancel()
            Self.closeKeepingLastReply(channel)
        }
    }

    /// Closes a channel whose last reply has been written. Closing a socket that still holds
    /// unread request bytes (an upload refused for its token, a bomb cut off, a refused
    /// connection) makes the kernel send a reset, and the client's stack may then drop that last
    /// reply unread: the client would see nothing. So the output is shut first (the client reads
    /// the reply, then the end of the stream) and the socket is closed a moment later.
    static func closeKeepingLastReply(_ channel: Channel) {
        channel.close(mode: .output, promise: nil)
        channel.eventLoop.scheduleTask(in: lingerAfterLastReply) { channel.close(promise: nil) }
    }

    /// How long a closing connection's socket stays open after its output was shut.
    static let lingerAfterLastReply = TimeAmount.seconds(1)

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        session = service.makeSession(connection: self)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        session?.closed()
        session = nil
        self.context = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closing = true
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .encoding:
            break
        case let .line(buffer, number):
            guard ending == nil, !closing else { return }
            handleLine(buffer, number: number)
        case let .oversizedLine(number, limit):
            guard ending == nil, !closing else { return }
            let error = WireError(.lineTooLong, "line \(number) is longer than the limit of \(limit) bytes; it was skipped (the limit is set with --max-line-bytes)")
            session?.rejected(error)
            reply(reserve(line: number), error: error)
        case .compressedStreamEnded, .inputEnded:
            if !continuesAfterInputEnd { beginEnding(.endOfInput) }
        case let .failure(failure, _):
            beginEnding(.failure(failure))
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        session?.readBurstEnded(connection: self)
        drain(flush: true)
        context.fireChannelReadComplete()
    }

    /// Backpressure, asked by the `WireDecoderHandler` before each request it delivers and each
    /// read it passes on: no while too many replies are outstanding or the input is over, and
    /// while the socket cannot take more (a client that does not read its replies must not make
    /// the server buffer them without bound). A no is remembered, and the connection asks again
    /// (a `read`) once replies drain or the socket is writable.
    public var wantsInput: Bool {
        if slots.count >= config.maxPendingReplies || closing || ending != nil || context?.channel.isWritable != true {
            heldRead = true
            return false
        }
        return true
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            resumeReadingIfBelowWater()
            onWritable?()
        }
        context.fireChannelWritabilityChanged()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Graceful stop: no more requests are read; those taken are answered in order (the
            // session submits its batch now), then `shutting_down` and the summary, and a close.
            // A connection already ending (half-closed, `quit`) ends as it would have.
            beginEnding(.failure(WireError(.shuttingDown, "the \(config.name) service is shutting down; requests after the last reply were not read")))
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if slots.isEmpty && !exemptFromIdleTimeout && ending == nil && !closing {
                let seconds = config.idleTimeout.nanoseconds / 1_000_000_000
                emit(WireError(.idleTimeout, "no request for \(seconds) s; closing (the limit is set with --idle-timeout)").replyLine(line: nil))
                close()
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset by the peer and the like: nothing to tell anyone, just close.
        context.close(promise: nil)
    }

    // MARK: Requests

    private func reserve(line: Int) -> ReplyToken {
        let token = ReplyToken(index: nextIndex, line: line)
        nextIndex += 1
        slots.append(.pending)
        return token
    }

    private func handleLine(_ buffer: ByteBuffer, number: Int) {
        let first = !sawFirstLine
        sawFirstLine = true
        if first, HTTPDetector.looksLikeHTTP(buffer) {
            emit(WireError(.httpNotSupported, "this port speaks newline-delimited JSON over TCP, not HTTP; try: echo '{\"op\":\"ping\"}' | nc -N \(config.host) \(context?.channel.localAddress?.port ?? config.port)").replyLine(line: number))
            beginClosingNow()
            return
        }
        let request = RequestClassifier.classify(buffer)
        switch request {
        case let .invalid(error):
            if !authenticated { return refuseUnauthorized(line: number) }
            session?.rejected(error)
            reply(reserve(line: number), error: error)
        case let .hello(fields):
            hello(fields, line: number)
        case .quit:
            if !authenticated { return refuseUnauthorized(line: number) }
            slots.append(.quit(line: number))
            nextIndex += 1
            ending = .endOfInput
            drain(flush: true)
        case let .request(line):
            if !authenticated { return refuseUnauthorized(line: number) }
            let token = reserve(line: number)
            session?.request(line, token: token, connection: self)
        }
    }

    private func refuseUnauthorized(line: Int) {
        emit(WireError(.unauthorized, "this server needs a token: begin with {\"op\":\"hello\",\"token\":\"…\"}").replyLine(line: line))
        beginClosingNow()
    }

    private func hello(_ hello: HelloRequest, line: Int) {
        if let expected = config.token {
            guard let given = hello.token, constantTimeEquals(given, expected) else {
                emit(WireError(.unauthorized, hello.token == nil ? "this server needs a token: {\"op\":\"hello\",\"token\":\"…\"}" : "wrong token").replyLine(line: line))
                beginClosingNow()
                return
            }
            authenticated = true
        }
        if let problem = hello.problem {
            reply(reserve(line: line), error: WireError(.invalidRequest, problem))
            return
        }
        let format = hello.compress.flatMap { Self.formats[$0] } ?? nil
        // Switching back to plain would need the client to find the end of the zlib stream, and a
        // new stream cannot start inside the running one: refuse any change.
        // An earlier explicit "none" binds too: a client that said "none" reads plain replies,
        // and a zlib stream starting under it would be unreadable to it.
        if let asked = hello.compress, compressionChosen, replyCompression != format {
            reply(reserve(line: line), error: WireError(.invalidRequest, "replies on this connection are already \(Self.alreadyText(replyCompression)); \"compress\" can be set once (asked for \"\(asked)\")"))
            return
        }
        if let acks = hello.acks { acksOnlyErrors = acks == "errors" }
        let starts = replyCompression == nil ? format : nil
        if let starts { replyCompression = starts }
        if hello.compress != nil { compressionChosen = true }
        var w = JSONWriter(capacity: 128)
        w.object { o in
            o.member("ok", true)
            o.member("op", "hello")
            o.member("service", config.name)
            o.member("acks", acksOnlyErrors ? "errors" : "each")
            o.member("compress", Self.name(replyCompression))
            o.member("auth", config.token != nil)
            for (k, v) in service.helloInfo { o.member(k, v) }
        }
        w.newline()
        if let starts {
            slots.append(.startCompression(starts, hello: w.bytes))
        } else {
            slots.append(.ready(w.bytes))
        }
        nextIndex += 1
        drain(flush: false)
    }

    // MARK: Ending

    private func beginEnding(_ why: Ending) {
        guard ending == nil else { return }
        ending = why
        // Work batched in this burst must be submitted before the last replies can come.
        session?.readBurstEnded(connection: self)
        drain(flush: true)
    }

    /// For refusals (HTTP, token): say it and close, dropping whatever else was coming.
    private func beginClosingNow() {
        ending = .endOfInput
        slots.removeAll()
        close()
    }

    /// Writes the ready prefix of the reply queue, in order; finishes the connection once the
    /// input has ended and every reply is out.
    private func drain(flush: Bool) {
        // A write that fails closes the channel inside the flush, and the close's events come
        // back here (input ended, read complete): that inner call leaves the work to this one.
        guard !closing, !draining else { return }
        draining = true
        defer { draining = false }
        var wrote = false
        while let head = slots.first {
            switch head {
            case .pending:
                if flush { flushOutput() } else if wrote { scheduleFlush() }
                resumeReadingIfBelowWater()
                return
            case let .ready(bytes):
                _ = slots.removeFirst()
                firstIndex += 1
                if let bytes { out.writeBytes(bytes); wrote = true }
                if out.readableBytes >= Self.outputChunkBytes {
                    // Into the channel now, where its writability (and so `wantsInput`) counts it.
                    flushOutput()
                    wrote = false
                    if closing { return }
                }
            case let .startCompression(format, hello):
                _ = slots.removeFirst()
                firstIndex += 1
                out.writeBytes(hello)
                startCompression(format)
                if closing { return }
            case let .quit(line):
                _ = slots.removeFirst()
                firstIndex += 1
                finish(failure: nil, quitLine: line)
                return
            }
        }
        if let ending {
            switch ending {
            case .endOfInput: finish(failure: nil, quitLine: nil)
            case .failure(let error): finish(failure: error, quitLine: nil)
            }
            return
        }
        if flush { flushOutput() } else if wrote { scheduleFlush() }
        resumeReadingIfBelowWater()
    }

    private func finish(failure: WireError?, quitLine: Int?) {
        if let failure { out.writeBytes(failure.replyLine(line: nil)) }
        if let summary = session?.summary(connection: self, failure: failure) {
            out.writeBytes(summary)
        } else if quitLine != nil {
            out.writeBytes(Array("{\"ok\":true,\"op\":\"quit\"}\n".utf8))
        }
        close()
    }

    private func resumeReadingIfBelowWater() {
        if heldRead && slots.count < config.maxPendingReplies / 2 && !closing && ending == nil
            && context?.channel.isWritable == true {
            heldRead = false
            context?.read()
        }
    }
}

/// Compares secrets without leaking their common prefix length through timing.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}
