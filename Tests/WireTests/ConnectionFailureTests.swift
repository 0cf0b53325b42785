import NIOCore
import NIOEmbedded
import Testing
@testable import TidendeServer
import TidendeWire

/// Answers every line at once with a reply of `replyBytes` bytes.
private struct BigReplies: LineService {
    let replyBytes: Int
    func makeSession(connection: Connection) -> any LineSession { Session(replyBytes: replyBytes) }

    final class Session: LineSession {
        let replyBytes: Int
        init(replyBytes: Int) { self.replyBytes = replyBytes }
        func request(_ line: RequestLine, token: ReplyToken, connection: Connection) {
            connection.reply(token, [UInt8](repeating: UInt8(ascii: "x"), count: replyBytes - 1) + [UInt8(ascii: "\n")])
        }
    }
}

/// A peer that reset the connection: the first flush fails and closes the channel right there,
/// inside the write (as NIO does when a socket write fails).
private final class FailingSocket: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var writes = 0
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        promise?.fail(ChannelError.ioOnClosedChannel)
    }
    func flush(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }
}

@Suite struct ConnectionFailureTests {
    /// Replies past the 64 KiB chunk are written while the reply queue is being drained; a write
    /// that fails there closes the channel, whose close events drain the queue again. The
    /// connection must come out of that in one piece (it used to remove a reply twice: a crash).
    @Test func aWriteFailingMidDrainClosesCleanly() throws {
        let channel = EmbeddedChannel()
        let config = LineServerConfig(name: "test", port: 0)
        let connection = Connection(config: config, service: BigReplies(replyBytes: 70_000), allocator: channel.allocator)
        let socket = FailingSocket()
        try channel.pipeline.syncOperations.addHandlers([socket, WireDecoderHandler(limits: config.wire, demand: connection), connection])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "a\nb\nc\n"))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(socket.writes >= 1)
    }
}
