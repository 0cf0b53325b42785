import Foundation
import NIOCore
import NIOEmbedded
import Testing
import TidendeWire

/// Records what reaches the handler after the decoder.
private final class Recorder: ChannelInboundHandler, WireInputDemand {
    typealias InboundIn = WireEvent

    var events: [Ev] = []
    var readCompletes = 0
    var userEvents: [String] = []
    /// Close the channel when this line number arrives (to test re-entrancy).
    var closeOnLine: Int?
    /// Events it takes before it says no (backpressure, as `Connection` does); nil: no limit.
    var room: Int?

    /// Time each event takes (a search answered inline).
    var microsecondsPerEvent: UInt32 = 0

    var wantsInput: Bool { room.map { $0 > 0 } ?? true }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if microsecondsPerEvent > 0 { usleep(microsecondsPerEvent) }
        let event = unwrapInboundIn(data)
        events.append(Ev(event))
        room = room.map { $0 - 1 }
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

/// Counts the reads that get past the decoder to the socket.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct WireDecoderHandlerTests {
    private func makeChannel(limits: WireLimits = WireLimits()) throws -> (EmbeddedChannel, Recorder) {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandlers([WireDecoderHandler(limits: limits), recorder])
        return (channel, recorder)
    }

    /// A decoder whose consumer limits what it takes, behind a counter of socket reads.
    private func makeHeldChannel(room: Int) throws -> (EmbeddedChannel, Recorder, WireDecoderHandler, ReadCounter) {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        recorder.room = room
        let decoder = WireDecoderHandler(demand: recorder)
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandlers([counter, decoder, recorder])
        return (channel, recorder, decoder, counter)
    }

    /// What a consumer does once it can take more: a read, which the decoder serves on a later tick.
    private func resume(_ channel: EmbeddedChannel, _ recorder: Recorder, room: Int?) {
        recorder.room = room
        channel.read()
        channel.embeddedEventLoop.run()
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

    @Test func deliveryStopsWhenTheConsumerIsFullAndNothingIsInflatedAhead() throws {
        // A small compressed read that inflates to many lines: 1.2 MB of requests in a few KB.
        let text = String(repeating: "nyhed\n", count: 200_000)
        let (channel, recorder, decoder, counter) = try makeHeldChannel(room: 1_000)
        try write(deflated(Array(text.utf8), format: .gzip), to: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(recorder.events.count == 1_000)
        #expect(decoder.inflatedBytes <= 128 << 10, "inflated \(decoder.inflatedBytes) bytes ahead of the consumer")

        // Still full: a read delivers nothing and does not reach the socket.
        resume(channel, recorder, room: 0)
        #expect(recorder.events.count == 1_000)
        #expect(counter.reads == 0)

        // Room again: the held input goes first, ended by a batch signal; the socket still waits.
        let completes = recorder.readCompletes
        resume(channel, recorder, room: 50_000)
        #expect(recorder.events.count == 51_000)
        #expect(recorder.readCompletes == completes + 1)
        #expect(counter.reads == 0)

        // The rest: every line once, in order, then the end of the stream and of the input.
        resume(channel, recorder, room: nil)
        #expect(recorder.events == [.encoding(.gzip)] + expectedLines(text) + [.streamEnded, .inputEnded])
        _ = try channel.finish()
    }

    @Test func heldPlainInputIsDeliveredBeforeTheSocketIsReadAgain() throws {
        let (channel, recorder, _, counter) = try makeHeldChannel(room: 2)
        try write(Array("a\nb\nc\nd\n".utf8), to: channel)
        try write(Array("e\n".utf8), to: channel)   // a later read of the same burst is kept too
        #expect(recorder.events == [.encoding(.plain), .line("a", 1)])
        resume(channel, recorder, room: 2)
        #expect(recorder.events == [.encoding(.plain), .line("a", 1), .line("b", 2), .line("c", 3)])
        #expect(counter.reads == 0)
        resume(channel, recorder, room: nil)
        #expect(recorder.events.suffix(2) == [.line("d", 4), .line("e", 5)])
        #expect(counter.reads == 1)
    }

    @Test func theMemberEndGraceDoesNotRunWhileDeliveryIsHeld() throws {
        let (channel, recorder, _, _) = try makeHeldChannel(room: 2)
        try write(Fixtures.aGzip, to: channel)
        // Nothing is read from the socket meanwhile, so this silence says nothing about the stream.
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(recorder.events == [.encoding(.gzip)] + expectedLines(Fixtures.aText).prefix(1))
        resume(channel, recorder, room: nil)
        #expect(recorder.events == [.encoding(.gzip)] + expectedLines(Fixtures.aText))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(recorder.events == [.encoding(.gzip)] + expectedLines(Fixtures.aText) + [.streamEnded])
    }

    /// A pipelined burst of slow requests (1 ms each) is delivered a few milliseconds at a time,
    /// each pass in its own event-loop tick, so the loop's other connections are served between
    /// them; every line still comes once, in order.
    @Test func aLongBurstYieldsTheEventLoopBetweenPasses() throws {
        let (channel, recorder) = try makeChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        recorder.microsecondsPerEvent = 1_000
        let text = String(repeating: "q\n", count: 100)
        try write(Array(text.utf8), to: channel)
        #expect(recorder.events.count < 50, "one pass took \(recorder.events.count) events")
        // The next pass is due a moment later, not at once (so the loop polls its sockets first).
        channel.embeddedEventLoop.run()
        let afterImmediateTasks = recorder.events.count
        #expect(afterImmediateTasks < 50)
        for _ in 0..<100 { channel.embeddedEventLoop.advanceTime(by: .milliseconds(1)) }
        #expect(recorder.events == [.encoding(.plain)] + expectedLines(text))
    }
}

