import Dispatch
import NIOCore

/// The handler after a ``WireDecoderHandler`` when it limits how much input it takes at once.
///
/// Delivery is pulled, as input is: the decoder hands over the next event only while
/// ``wantsInput`` is true, and passes a `read()` on to the socket only once everything decoded so
/// far has been taken and the consumer still wants more. When the consumer says no, the rest of
/// the input stays in the decoder as it came (compressed bytes are not inflated ahead), at most one
/// read burst of it; the next `read()` that reaches the decoder, which the consumer sends once it
/// can take more, delivers it before the socket is asked for anything.
public protocol WireInputDemand: AnyObject {
    /// Whether the consumer takes another event now. Asked before every event and every read.
    var wantsInput: Bool { get }
}

/// The first handler of every connection: turns raw bytes into ``WireEvent``s.
///
/// It wraps a ``WireDecoder`` and adds what needs a channel: delivery only while the consumer's
/// ``WireInputDemand`` allows it, the member-end grace timer on the event loop, the half-close
/// (`ChannelEvent.inputClosed`, which the server enables with `.allowRemoteHalfClosure`) and the
/// close. ``WireEvent/inputEnded`` is sent exactly once, on half-close or, failing that, when the
/// channel goes inactive, after every line (however long delivery was held back).
public final class WireDecoderHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = WireEvent
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var decoder: WireDecoder
    private let demand: (any WireInputDemand)?
    private var graceTimer: Scheduled<Void>?
    /// Set while events are being fired, so that a re-entrant call (a handler further on closes
    /// the channel from inside `channelRead`) leaves the delivery to the loop already running.
    private var delivering = false
    /// The consumer declined an event: the decoder may hold more, undelivered.
    private var held = false
    /// A delivery of held input is scheduled (it runs on its own tick, like a socket read).
    private var resumeScheduled = false
    private var removed = false

    /// Creates a handler for one connection. Without `demand`, every event is delivered as soon
    /// as it can be decoded.
    public init(limits: WireLimits = WireLimits(), demand: (any WireInputDemand)? = nil) {
        decoder = WireDecoder(limits: limits)
        self.demand = demand
    }

    /// Bytes inflated so far: with delivery held, no more than the chunk being delivered.
    public var inflatedBytes: Int { decoder.inflatedBytes }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cancelGraceTimer()
        decoder.feed(unwrapInboundIn(data))
        deliver(context: context)
    }

    public func read(context: ChannelHandlerContext) {
        guard held else { return readFromSocket(context: context) }
        scheduleResume(context: context)
    }

    /// Held input is delivered in its own event-loop tick: the consumer asks from inside its own
    /// callbacks (a reply draining), which must not re-enter them. After a pass that yielded,
    /// `after` a moment: the loop runs its immediate tasks one after another without looking at
    /// its sockets, so only a task due later lets the other connections' reads in first.
    private func scheduleResume(context: ChannelHandlerContext, after delay: TimeAmount? = nil) {
        guard !resumeScheduled else { return }
        resumeScheduled = true
        let run = {
            self.resumeScheduled = false
            guard !self.removed else { return }
            self.resume(context: context)
        }
        if let delay {
            context.eventLoop.assumeIsolated().scheduleTask(in: delay, run)
        } else {
            context.eventLoop.assumeIsolated().execute(run)
        }
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
        removed = true
        cancelGraceTimer()
    }

    // MARK: - Private

    private var wantsInput: Bool { demand?.wantsInput ?? true }

    private func endInput(context: ChannelHandlerContext) {
        cancelGraceTimer()
        guard !decoder.isFinished else { return }
        decoder.endOfInput()
        deliver(context: context)
        // Events that arrive outside a read still need a "batch over" signal for flushing.
        context.fireChannelReadComplete()
    }

    /// Delivers held input; once it is all taken, the read that asked for it goes to the socket.
    private func resume(context: ChannelHandlerContext) {
        guard held else { return readFromSocket(context: context) }
        if deliver(context: context) > 0 {
            // The end of a batch, as after a socket read: work collected so far is submitted.
            context.fireChannelReadComplete()
        }
        if !held { readFromSocket(context: context) }
    }

    private func readFromSocket(context: ChannelHandlerContext) {
        guard wantsInput else {
            // No bytes come while reads are held, so silence now says nothing about the stream.
            cancelGraceTimer()
            return
        }
        if decoder.isAwaitingNextMember && graceTimer == nil {
            armGraceTimer(context: context)
        }
        context.read()
    }

    /// How long one pass may deliver events before it yields the event loop: a pipelined burst
    /// (a megabyte of one-word searches answered inline takes seconds) must not stall the other
    /// connections sharing the loop. Measured every `eventsPerClockCheck` events.
    static let passNanoseconds: UInt64 = 5_000_000
    static let eventsPerClockCheck = 16
    /// How long a pass that yielded waits (long enough for the loop to poll its sockets).
    static let yieldPause = TimeAmount.microseconds(100)

    /// Fires events while the consumer wants them; returns how many. After `passNanoseconds` it
    /// stops and goes on in a later tick, as if the consumer had declined.
    @discardableResult
    private func deliver(context: ChannelHandlerContext) -> Int {
        guard !delivering else { return 0 }
        delivering = true
        held = false
        var fired = 0
        var yielded = false
        let started = DispatchTime.now().uptimeNanoseconds
        while true {
            guard wantsInput else {
                held = true
                break
            }
            // (A closed channel's last events go at once: it has no later tick to wait for.)
            if fired > 0 && fired % Self.eventsPerClockCheck == 0 && context.channel.isActive
                && DispatchTime.now().uptimeNanoseconds - started >= Self.passNanoseconds {
                held = true
                yielded = true
                break
            }
            guard let event = decoder.next() else { break }
            context.fireChannelRead(wrapInboundOut(event))
            fired += 1
        }
        delivering = false
        if held {
            cancelGraceTimer()
            // The consumer still wants input: nobody else will ask for the rest, so ask now.
            if yielded { scheduleResume(context: context, after: Self.yieldPause) }
        } else if decoder.isAwaitingNextMember && graceTimer == nil {
            armGraceTimer(context: context)
        }
        return fired
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
