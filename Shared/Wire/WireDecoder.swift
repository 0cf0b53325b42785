import NIOCore
import TidendeModels

/// The wire codec's state machine, without a channel: detection, bounded streaming inflate,
/// member ends, line framing and the failure rules of DESIGN §2.
///
/// Push bytes with ``feed(_:)``, say when the client closed with ``endOfInput()``, and pull
/// ``WireEvent``s with ``next()`` until it returns nil. Pulling is what bounds memory: the decoder
/// inflates the next 64 KiB chunk only when the lines of the previous one have been taken, so a
/// small read that inflates to gigabytes never exists in memory at once.
///
/// When ``isAwaitingNextMember`` is true after draining, a compressed member has ended and no byte
/// of a next one has arrived: the owner starts a ``WireLimits/memberEndGrace`` timer and calls
/// ``memberEndGraceElapsed()`` if it fires before more bytes come.
///
/// One decoder per connection. Copies share the underlying zlib stream, so do not use a copy
/// after the original has moved on.
public struct WireDecoder {
    // Stored state is internal (not private) only so that WireDecoder+Compressed.swift can reach it.
    enum Phase {
        /// Waiting for the first two bytes; everything read so far is held here.
        case detecting(ByteBuffer?)
        case plain
        case compressed(StreamEncoding)
        /// The compressed stream ended (``WireEvent/compressedStreamEnded`` was emitted).
        case streamEnded
        /// A failure was emitted; input is ignored from now on.
        case failed
        /// ``WireEvent/inputEnded`` was emitted; nothing more will come.
        case done
    }

    /// Inflated bytes per chunk: the unit of work between two looks at the ratio limit.
    static let chunkSize = 64 << 10

    /// The limits this decoder enforces.
    public let limits: WireLimits
    var phase: Phase = .detecting(nil)
    var framer: LineFramer
    var inflater: Inflater?
    /// Bytes received and not yet framed (plain) or inflated (compressed), oldest first.
    var input = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    /// The buffer being framed: the current plain read, or the current inflated chunk.
    var current = ByteBuffer()
    /// Events decided together (a flushed last line and an end marker), delivered first.
    var queued = CircularBuffer<WireEvent>(initialCapacity: 4)
    var inputClosed = false
    var graceElapsed = false
    /// A member ended and no byte of the next one has been consumed yet.
    var atMemberEnd = false
    /// zlib reported corrupt data; reported once the bytes inflated before it are framed.
    var corruption: InflateError?
    /// Compressed bytes consumed so far (all members).
    public internal(set) var compressedBytes = 0
    /// Bytes inflated so far (all members): what the ratio limit is checked against.
    public internal(set) var inflatedBytes = 0

    /// Creates a decoder for one connection.
    public init(limits: WireLimits = WireLimits()) {
        self.limits = limits
        self.framer = LineFramer(maxLineBytes: limits.maxLineBytes)
    }

    /// The encoding, once detected.
    public private(set) var encoding: StreamEncoding?

    /// Complete lines so far (blank and oversized included).
    public var linesDecoded: Int { framer.lineCount }

    /// True when a compressed member has ended, every event has been pulled, and no further input
    /// is pending: the moment to arm the member-end grace timer.
    public var isAwaitingNextMember: Bool {
        if case .compressed = phase {
            return atMemberEnd && input.isEmpty && queued.isEmpty && current.readableBytes == 0 && !inputClosed
        }
        return false
    }

    /// Whether ``WireEvent/inputEnded`` has been emitted (nothing more will come).
    public var isFinished: Bool {
        if case .done = phase { return true }
        return false
    }

    /// Hands the decoder bytes read from the connection. Bytes after a failure are ignored.
    public mutating func feed(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0, !inputClosed else { return }
        switch phase {
        case .detecting(nil):
            phase = .detecting(bytes)
        case .detecting(var held?):
            // Only when the first read was a single byte: copy to have two bytes in one place.
            phase = .detecting(nil)
            held.writeImmutableBuffer(bytes)
            phase = .detecting(held)
        case .plain, .compressed, .streamEnded:
            graceElapsed = false
            input.append(bytes)
        case .failed, .done:
            break
        }
    }

    /// The client half-closed or closed: what is pending is flushed and ``WireEvent/inputEnded``
    /// follows as the last event.
    public mutating func endOfInput() {
        inputClosed = true
    }

    /// The member-end grace period passed with no new bytes: the compressed stream is complete.
    public mutating func memberEndGraceElapsed() {
        if isAwaitingNextMember { graceElapsed = true }
    }

    /// The next event, or nil when the decoder needs more input (or has finished).
    public mutating func next() -> WireEvent? {
        while true {
            if let event = queued.popFirst() { return event }
            switch phase {
            case .detecting(let held):
                guard let encoding = detect(held) else { return nil }
                return .encoding(encoding)
            case .plain:
                if let event = nextPlain() { return event }
                if !inputClosed { return nil }
                if let last = framer.finish() { queued.append(Self.event(last, limit: limits.maxLineBytes)) }
                finish()
            case .compressed(let encoding):
                if let event = frameCurrent() { return event }
                if !stepCompressed(encoding) { return nil }
            case .streamEnded:
                if !input.isEmpty {
                    input.removeAll()
                    fail(.invalidCompression, "bytes arrived after the compressed stream ended")
                } else if inputClosed {
                    finish()
                } else {
                    return nil
                }
            case .failed:
                input.removeAll()
                guard inputClosed else { return nil }
                finish()
            case .done:
                return nil
            }
        }
    }

    // MARK: - Detection

    private mutating func detect(_ held: ByteBuffer?) -> StreamEncoding? {
        let bytes = held ?? ByteBuffer()
        let encoding: StreamEncoding
        if bytes.readableBytes >= 2 {
            encoding = StreamEncoding.detect(bytes.getInteger(at: bytes.readerIndex)!,
                                             bytes.getInteger(at: bytes.readerIndex + 1)!)
        } else if inputClosed {
            encoding = .plain
        } else {
            return nil
        }
        if bytes.readableBytes > 0 { input.prepend(bytes) }
        self.encoding = encoding
        switch encoding {
        case .plain:
            phase = .plain
            // A TLS client (`curl https://…`, a driver with TLS on) sends a record with no
            // newline and waits: without this, both sides would wait for the idle timeout.
            if bytes.readableBytes >= 2, bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0x16,
               bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self) == 0x03 {
                fail(.httpNotSupported, "a TLS handshake arrived",
                     hint: "; this port speaks newline-delimited JSON over plain TCP, not TLS (https)")
            }
        case .gzip, .zlib:
            inflater = Inflater(format: encoding == .gzip ? .gzip : .zlib)
            phase = .compressed(encoding)
        }
        return encoding
    }

    // MARK: - Plain

    private mutating func nextPlain() -> WireEvent? {
        while true {
            if let out = framer.next(in: &current) { return Self.event(out, limit: limits.maxLineBytes) }
            guard let read = input.popFirst() else { return nil }
            current = read
        }
    }

    // MARK: - Endings

    /// Ends the stream with a failure whose message reads "`what` after N lines`hint`".
    mutating func fail(_ code: ErrorCode, _ what: String, hint: String = "") {
        framer.dropPartialLine()
        current = ByteBuffer()
        input.removeAll()
        let lines = framer.lineCount
        let message = "\(what) after \(lines) line\(lines == 1 ? "" : "s")\(hint)"
        queued.append(.failure(WireError(code, message), linesDecoded: lines))
        phase = .failed
    }

    private mutating func finish() {
        queued.append(.inputEnded)
        phase = .done
    }

    static func event(_ out: LineFramer.Output, limit: Int) -> WireEvent {
        switch out {
        case .line(let line, let number): return .line(line, number: number)
        case .oversized(let number): return .oversizedLine(number: number, limit: limit)
        }
    }
}
