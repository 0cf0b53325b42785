import NIOCore
import NIOEmbedded
import Testing
import TidendeWire

/// Records what reaches the handler after the decoder.
private final class Recorder: ChannelInboundHandler {
    typealias InboundIn = WireEvent

    var events: [Ev] = []
    var readCompletes = 0
    var userEvents: [String] = []
    /// Close the channel when this line number arrives (to test re-entrancy).
    var closeOnLine: Int?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event = unwrapInboundIn(data)
        events.append(Ev(event))
        if case .line(_, let number) = event, number == closeOnLine {
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readCompletes += 1
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        userEvents.append("\(event)")
    }
}

@Suite struct WireDecoderHandlerTests {
    private func makeChannel(limits: WireLimits = WireLimits()) throws -> (EmbeddedChannel, Recorder) {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandlers([WireDecoderHandler(limits: limits), recorder])
        return (channel, recorder)
    }

    private func write(_ bytes: [UInt8], to channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(bytes: bytes))
    }

    @Test func plainLinesAndHalfClose() throws {
        let (channel, recorder) = try makeChannel()
        try write(Array("{\"a\":1}\r\n\n{\"b\"".utf8), to: channel)
        try write(Array(":2}".utf8), to: channel)
        #expect(recorder.events == [.encoding(.plain), .line("{\"a\":1}", 1)])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(recorder.events == [.encoding(.plain), .line("{\"a\":1}", 1), .line("{\"b\":2}", 3), .inputEnded])
        #expect(recorder.userEvents.isEmpty)  // inputClosed is consumed, inputEnded replaces it
        _ = try channel.finish()
        #expect(recorder.events.filter { $0 == .inputEnded }.count == 1)
    }

    @Test func closeWithoutHalfCloseEndsInputOnce() throws {
        let (channel, recorder) = try makeChannel()
        try write(Array("a\nb".utf8), to: channel)
        _ = try channel.finish()
        #expect(recorder.events == [.encoding(.plain), .line("a", 1), .line("b", 2), .inputEnded])
    }

    @Test func otherUserEventsPassThrough() throws {
        let (channel, recorder) = try makeChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        #expect(recorder.userEvents == ["\(ChannelEvent.outputClosed)"])
        #expect(recorder.events.isEmpty)
    }

    @Test func graceTimerEndsTheCompressedStream() throws {
        let (channel, recorder) = try makeChannel()
        try write(Fixtures.aGzip, to: channel)
        let lines = expectedLines(Fixtures.aText)
        #expect(recorder.events == [.encoding(.gzip)] + lines)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(199))
        #expect(recorder.events.last != .streamEnded)
        let completesBefore = recorder.readCompletes
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(recorder.events == [.encoding(.gzip)] + lines + [.streamEnded])
        #expect(recorder.readCompletes == completesBefore + 1)  // so a reply writer flushes
        _ = try channel.finish()
        #expect(recorder.events == [.encoding(.gzip)] + lines + [.streamEnded, .inputEnded])
    }

    @Test func aMemberArrivingWithinTheGraceContinuesTheStream() throws {
        let (channel, recorder) = try makeChannel()
        try write(Fixtures.aGzip, to: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(150))
        try write(Fixtures.bGzip, to: channel)
        // 200 ms after the first member's end: the first timer was cancelled.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        let abLines = expectedLines(Fixtures.aText + Fixtures.bText)
        #expect(recorder.events == [.encoding(.gzip)] + abLines.dropLast())
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(recorder.events == [.encoding(.gzip)] + abLines + [.streamEnded])
    }

    @Test func halfCloseRightAfterAMemberEndsTheStreamWithoutWaiting() throws {
        let (channel, recorder) = try makeChannel()
        try write(Fixtures.aGzip + Fixtures.bGzip, to: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(recorder.events == [.encoding(.gzip)] + expectedLines(Fixtures.aText + Fixtures.bText) + [.streamEnded, .inputEnded])
        // The timer armed after the read was cancelled: nothing more arrives.
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(recorder.events.last == .inputEnded)
        #expect(recorder.events.filter { $0 == .streamEnded }.count == 1)
    }

    @Test func halfCloseInsideAMemberIsTruncated() throws {
        let (channel, recorder) = try makeChannel()
        try write(Array(Fixtures.aGzip.dropLast(3)), to: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(recorder.events.suffix(2) == [.failure("truncated_stream", 5), .inputEnded])
    }

    @Test func dripFedCompressedStreamThroughTheChannel() throws {
        let (channel, recorder) = try makeChannel()
        for byte in Fixtures.aZlib { try write([byte], to: channel) }
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(recorder.events == [.encoding(.zlib)] + expectedLines(Fixtures.aText) + [.streamEnded])
    }

    @Test func closingFromInsideAnEventKeepsOrder() throws {
        let (channel, recorder) = try makeChannel()
        recorder.closeOnLine = 1
        try write(Array("a\nb\nc".utf8), to: channel)
        // Everything already read is still delivered, in order, and inputEnded comes last, once.
        #expect(recorder.events == [.encoding(.plain), .line("a", 1), .line("b", 2), .line("c", 3), .inputEnded])
    }
}
