#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeModels
import TidendeWire

/// A TCP server speaking Tidende's line protocol on one port, as a `Service`: it binds in `run()`,
/// serves until graceful shutdown, then stops accepting, lets each connection finish what it took
/// (within `shutdownGrace`) and closes it.
///
/// Pipeline per connection: `IdleStateHandler` → `WireDecoderHandler` (sniff, inflate, frame;
/// delivers only what the connection wants) → `Connection` (order, hello, quit, backpressure) →
/// the service's session.
public final class LineServer: Service, Sendable {
    public let config: LineServerConfig
    private let service: any LineService
    private let group: EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let boundPort = NIOLockedValueBox<Int?>(nil)
    private let boundWaiters = NIOLockedValueBox<[CheckedContinuation<Int, Never>]>([])

    private struct State {
        var open: [ObjectIdentifier: Channel] = [:]
        var accepted = 0
        var refused = 0
        /// Set on graceful shutdown: a connection accepted just before the listener closed is
        /// refused with `shutting_down` rather than served.
        var stopping = false
    }

    public init(config: LineServerConfig, service: any LineService, group: EventLoopGroup, logger: Logger) {
        self.config = config
        self.service = service
        self.group = group
        self.logger = logger
    }

    /// Connections open right now, and accepted / refused so far.
    public var connectionCounts: (open: Int, accepted: Int, refused: Int) {
        state.withLockedValue { ($0.open.count, $0.accepted, $0.refused) }
    }

    /// The port actually bound (useful with port 0), once `run()` has bound it.
    public func waitUntilBound() async -> Int {
        if let port = boundPort.withLockedValue({ $0 }) { return port }
        return await withCheckedContinuation { continuation in
            let port: Int? = boundPort.withLockedValue { port in
                if let port { return port }
                boundWaiters.withLockedValue { $0.append(continuation) }
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    public func run() async throws {
        let config = self.config
        let service = self.service
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Replies a client has not read yet: past 1 MiB the connection stops reading requests.
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelInitializer { [self] channel in
                let refusal = self.admit(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let refusal {
                        try sync.addHandler(RefuseHandler(line: refusal.replyLine(line: nil)))
                        return
                    }
                    try sync.addHandler(IdleStateHandler(readTimeout: config.idleTimeout))
                    // The connection tells the decoder how much it takes (backpressure).
                    let connection = Connection(config: config, service: service, allocator: channel.allocator)
                    try sync.addHandler(WireDecoderHandler(limits: config.wire, demand: connection))
                    try sync.addHandler(connection)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: config.host, port: config.port).get()
        } catch {
            // NIO's own message names a system call, not the service or the address.
            throw ListenError(service: config.name, address: "\(config.host):\(config.port)", underlying: error)
        }
        let port = channel.localAddress?.port ?? config.port
        boundPort.withLockedValue { $0 = port }
        for waiter in boundWaiters.withLockedValue({ w in defer { w = [] }; return w }) {
            waiter.resume(returning: port)
        }
        logger.info("listening", metadata: ["service": "\(config.name)", "addr": "\(config.host):\(port)"])

        try? await gracefulShutdown()

        logger.info("stopping", metadata: ["service": "\(config.name)"])
        try? await channel.close()
        // Every connection stops taking requests, answers those it took (the service is still
        // running: ingest commits them), says `shutting_down` and closes (see `Connection`).
        let children = state.withLockedValue { s in
            s.stopping = true
            return Array(s.open.values)
        }
        for child in children {
            child.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        // Those still open after the grace period (a client not reading its replies) are closed.
        let deadline = NIODeadline.now() + config.shutdownGrace
        while !state.withLockedValue({ $0.open.isEmpty }) && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let open = state.withLockedValue { Array($0.open.values) }
        if !open.isEmpty {
            logger.warning("closing connections still open after the shutdown grace", metadata: ["service": "\(config.name)", "count": "\(open.count)"])
        }
        for child in open { child.close(promise: nil) }
    }

    /// Counts the connection in (or refuses it over the limit, or while stopping) and forgets it
    /// when it closes.
    private func admit(_ channel: Channel) -> WireError? {
        let id = ObjectIdentifier(channel)
        let refusal = state.withLockedValue { s -> WireError? in
            if s.stopping {
                return WireError(.shuttingDown, "the \(config.name) service is shutting down")
            }
            if s.open.count >= config.maxConnections {
                s.refused += 1
                return WireError(.tooManyConnections, "the server already has \(config.maxConnections) connections (--max-connections); try again later")
            }
            s.open[id] = channel
            s.accepted += 1
            return nil
        }
        if refusal == nil {
            channel.closeFuture.whenComplete { [state] _ in
                state.withLockedValue { _ = $0.open.removeValue(forKey: id) }
            }
        }
        return refusal
    }
}

/// Says one line and closes: for connections over the limit, or accepted as the server stops.
final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let line: [UInt8]
    init(line: [UInt8]) { self.line = line }

    func channelActive(context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(bytes: line)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { [channel = context.channel] _ in
            Connection.closeKeepingLastReply(channel)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// A late-bound reference to a server, for sessions created before the server exists (they
/// report its connection count in `stats`).
public final class LineServerHandle: @unchecked Sendable {
    public weak var server: LineServer?
    public init() {}
    public var openConnections: Int { server?.connectionCounts.open ?? 0 }
}

/// A port the service could not listen on, said so that an operator knows which and why.
public struct ListenError: Error, CustomStringConvertible {
    public let service: String
    public let address: String
    public let underlying: Error

    public var description: String {
        let reason = (underlying as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(underlying)"
        return "the \(service) service cannot listen on \(address): \(reason)"
            + ((underlying as? IOError)?.errnoCode == EADDRINUSE ? " (another process holds the port; choose another with its port flag)" : "")
    }
}

