import NIOCore

/// The first handler of every connection: turns raw bytes into ``WireEvent``s.
///
/// It wraps a ``WireDecoder`` and adds what needs a channel: the member-end grace timer on the
/// event loop, the half-close (`ChannelEvent.inputClosed`, which the server enables with
/// `.allowRemoteHalfClosure`) and the close. ``WireEvent/inputEnded`` is sent exactly once, on
/// half-close or, failing that, when the channel goes inactive.
public final class WireDecoderHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = WireEvent

    private var decoder: WireDecoder
    private var graceTimer: Scheduled<Void>?
    /// Set while events are being fired, so that a re-entrant call (a handler further on closes
    /// the channel from inside `channelRead`) leaves the delivery to the loop already running.
    private var delivering = false

    /// Creates a handler for one connection.
    public init(limits: WireLimits = WireLimits()) {
        decoder = WireDecoder(limits: limits)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cancelGraceTimer()
        decoder.feed(unwrapInboundIn(data))
        deliver(context: context)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(ChannelEvent.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        endInput(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        endInput(context: context)
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelGraceTimer()
    }

    // MARK: - Private

    private func endInput(context: ChannelHandlerContext) {
        cancelGraceTimer()
        guard !decoder.isFinished else { return }
        decoder.endOfInput()
        deliver(context: context)
        // Events that arrive outside a read still need a "batch over" signal for flushing.
        context.fireChannelReadComplete()
    }

    private func deliver(context: ChannelHandlerContext) {
        guard !delivering else { return }
        delivering = true
        while let event = decoder.next() {
            context.fireChannelRead(wrapInboundOut(event))
        }
        delivering = false
        if decoder.isAwaitingNextMember && graceTimer == nil {
            armGraceTimer(context: context)
        }
    }

    private func armGraceTimer(context: ChannelHandlerContext) {
        graceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: decoder.limits.memberEndGrace) {
            self.graceTimer = nil
            self.decoder.memberEndGraceElapsed()
            self.deliver(context: context)
            context.fireChannelReadComplete()
        }
    }

    private func cancelGraceTimer() {
        graceTimer?.cancel()
        graceTimer = nil
    }
}

@available(*, unavailable)
extension WireDecoderHandler: Sendable {}
