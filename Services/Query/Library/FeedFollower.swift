import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeModels
import TidendeWire

/// Follows the ingest feed: connects, subscribes from the first seq not yet applied, hands every
/// line to the `EngineHost`, and reconnects with backoff when the connection drops.
final class FeedFollower: Service, Sendable {
    private let config: QueryConfig
    private let host: EngineHost
    private let group: EventLoopGroup
    private let logger: Logger
    private let connected = NIOLockedValueBox(false)

    init(config: QueryConfig, host: EngineHost, group: EventLoopGroup, logger: Logger) {
        self.config = config
        self.host = host
        self.group = group
        self.logger = logger
    }

    var isConnected: Bool { connected.withLockedValue { $0 } }

    func run() async throws {
        var backoffMs: Int64 = 100
        var loggedDown = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let from = host.resumeFrom, store = host.resumeStore
            // Set once the feed has sent something past its replies: only a connection that
            // served changes or heartbeats resets the backoff (one refused, e.g. for a wrong
            // token or too many connections, is retried ever more slowly, not ten times a second).
            let served = NIOLockedValueBox(false)
            let bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .connectTimeout(.seconds(5))
                .channelInitializer { [config, host, logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        // A feed silent past its heartbeats is dead (a partition or a host gone
                        // without a FIN): without this, TCP keepalive would notice after hours.
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: .seconds(Int64(config.feedTimeoutSeconds))))
                        try channel.pipeline.syncOperations.addHandler(
                            FeedFollowerHandler(from: from, store: store, config: config, host: host, served: served, logger: logger))
                    }
                }
            do {
                let channel = try await bootstrap.connect(host: config.feedHost, port: config.feedPort).get()
                connected.withLockedValue { $0 = true }
                logger.info("following feed", metadata: ["feed": "\(config.feedHost):\(config.feedPort)", "from": "\(from)"])
                try await withGracefulShutdownHandler {
                    try await channel.closeFuture.get()
                } onGracefulShutdown: {
                    channel.close(promise: nil)
                }
                connected.withLockedValue { $0 = false }
                if Task.isShuttingDownGracefully { break }
                if served.withLockedValue({ $0 }) {
                    loggedDown = false
                    backoffMs = 100
                }
                logger.warning("feed connection closed; reconnecting", metadata: ["in_ms": "\(backoffMs)"])
            } catch {
                connected.withLockedValue { $0 = false }
                host.noteFeedError("cannot connect to the feed at \(config.feedHost):\(config.feedPort): \(error)")
                if !loggedDown {
                    logger.warning("feed unavailable; retrying", metadata: ["feed": "\(config.feedHost):\(config.feedPort)", "error": "\(error)"])
                    loggedDown = true
                }
            }
            try? await Task.sleep(for: .milliseconds(backoffMs))
            backoffMs = min(backoffMs * 2, 2000)
        }
    }
}

/// One feed connection: sends `hello` (token) and `subscribe`, decodes the (zlib) stream, queues
/// lines for the applier, and stops reading while the applier is behind.
final class FeedFollowerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let from: UInt64
    private let token: String?
    private let compress: Bool
    private let store: Int64?
    private let host: EngineHost
    private let served: NIOLockedValueBox<Bool>
    private let logger: Logger
    private let maxLineBytes: Int
    private var awaitingHelloReply: Bool
    private var helloBuffer: [UInt8] = []
    // The feed is a trusted peer sending large documents: generous limits.
    private var decoder: WireDecoder
    private var paused = false
    private var heldRead = false
    /// Whether this connection has served a change or heartbeat (`served` is set once, not per line).
    private var hasServed = false

    init(from: UInt64, store: Int64?, config: QueryConfig, host: EngineHost, served: NIOLockedValueBox<Bool>, logger: Logger) {
        self.from = from
        self.store = store
        token = config.feedToken
        compress = config.compressesFeed
        self.host = host
        self.served = served
        self.logger = logger
        maxLineBytes = config.feedMaxLineBytes
        decoder = WireDecoder(limits: WireLimits(maxLineBytes: config.feedMaxLineBytes, maxInflateRatio: 10_000))
        awaitingHelloReply = token != nil
    }

    func channelActive(context: ChannelHandlerContext) {
        var w = JSONWriter(capacity: 128)
        if let token {
            w.object { o in o.member("op", "hello"); o.member("token", token) }
            w.newline()
        }
        w.object { o in
            o.member("op", "subscribe"); o.member("from", from); o.member("compress", compress ? "zlib" : "none")
            // The store our documents came from: a feed served by another one resets us.
            if let store, from > 1 { o.member("store", store) }
        }
        w.newline()
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: w.bytes)), promise: nil)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        host.setOnDrained { loop.execute { bound.value.resume() } }
        self.context = context
        context.fireChannelActive()
    }

    private var context: ChannelHandlerContext?

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if awaitingHelloReply {
            // The hello reply is plain text; the zlib stream starts after its newline.
            guard let nl = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                helloBuffer += buffer.readableBytesView
                return
            }
            let count = nl - buffer.readerIndex
            helloBuffer += buffer.readBytes(length: count + 1) ?? []
            awaitingHelloReply = false
            if let reply = try? JSONValue.parse(helloBuffer), reply["ok"] == .bool(true) {
            } else {
                let reply = String(decoding: helloBuffer.filter { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
                host.noteFeedError("the feed refused hello (check --token): \(reply)")
                logger.error("feed refused hello", metadata: ["reply": "\(reply)"])
                context.close(promise: nil)
                return
            }
        }
        decoder.feed(buffer)
        drainDecoder(context: context)
    }

    private func drainDecoder(context: ChannelHandlerContext) {
        while let event = decoder.next() {
            switch event {
            case .line(let line, _):
                let bytes = Array(line.readableBytesView)
                if bytes.starts(with: Self.refusal) {
                    // The feed refused (the store is unavailable, too many connections, …): it
                    // sends nothing more on this connection, so try again on a new one.
                    let reply = String(decoding: bytes, as: UTF8.self)
                    if reply.contains("\"code\":\"shutting_down\"") {
                        // Ingest is stopping (a restart, most likely): nothing is wrong here yet.
                        host.noteFeedError("the ingest service is stopping: \(reply)")
                        logger.info("feed ended: the ingest service is stopping")
                    } else {
                        host.noteFeedError("the feed refused: \(reply)")
                        logger.error("feed error", metadata: ["reply": "\(reply)"])
                    }
                    context.close(promise: nil)
                    return
                }
                if !hasServed && !bytes.starts(with: Self.accepted) {
                    hasServed = true
                    served.withLockedValue { $0 = true }
                    host.noteFeedError(nil)
                }
                if !host.enqueue(bytes) { paused = true }
            case .failure(let error, _):
                logger.error("feed stream broken", metadata: ["error": "\(error)"])
                context.close(promise: nil)
                return
            case .inputEnded, .compressedStreamEnded:
                context.close(promise: nil)
                return
            case .oversizedLine:
                // Skipping it would lose a change for good: stop here, loudly, and retry slowly
                // (the same line comes again until the limit is raised).
                host.noteApplyError("a feed line after seq \(host.resumeFrom - 1) is over --feed-max-line-bytes (\(maxLineBytes)); the index stops there until the limit is raised")
                served.withLockedValue { $0 = false }
                context.close(promise: nil)
                return
            case .encoding:
                break
            }
        }
    }

    /// Replies that start a feed connection: a refusal, and the subscribe reply (not yet a sign
    /// the feed serves us).
    private static let refusal = Array("{\"ok\":false".utf8)
    private static let accepted = Array("{\"ok\":true".utf8)

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            context.close(promise: nil)
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // While paused we do not read, so silence is ours, not the feed's.
            if !paused {
                host.noteFeedError("the feed sent nothing for --feed-timeout; reconnecting")
                logger.warning("feed silent past its heartbeats; reconnecting")
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if paused { heldRead = true } else { context.read() }
    }

    fileprivate func resume() {
        paused = false
        if heldRead, let context {
            heldRead = false
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.warning("feed connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
