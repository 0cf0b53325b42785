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
public struct WireDecoder {
    private enum Phase {
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
    private var phase: Phase = .detecting(nil)
    private var framer: LineFramer
    private var inflater: Inflater?
    /// Bytes received and not yet framed (plain) or inflated (compressed), oldest first.
    private var input = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    /// The buffer being framed: the current plain read, or the current inflated chunk.
    private var current = ByteBuffer()
    /// Events decided together (a flushed last line and an end marker), delivered first.
    private var queued = CircularBuffer<WireEvent>(initialCapacity: 4)
    private var inputClosed = false
    private var graceElapsed = false
    /// A member ended and no byte of the next one has been consumed yet.
    private var atMemberEnd = false
    /// zlib reported corrupt data; reported once the bytes inflated before it are framed.
    private var corruption: InflateError?
    /// Compressed bytes consumed so far (all members).
    public private(set) var compressedBytes = 0
    /// Bytes inflated so far (all members): what the ratio limit is checked against.
    public private(set) var inflatedBytes = 0

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

    // MARK: - Compressed

    private mutating func frameCurrent() -> WireEvent? {
        guard current.readableBytes > 0, let out = framer.next(in: &current) else { return nil }
        return Self.event(out, limit: limits.maxLineBytes)
    }

    /// Inflates the next chunk into `current`, or decides how the stream ends. Returns false when
    /// nothing can happen until more input (or the grace timer) arrives.
    private mutating func stepCompressed(_ encoding: StreamEncoding) -> Bool {
        if let corruption {
            fail(.invalidCompression, "\(encoding) stream is corrupt (\(corruption.message))")
            return true
        }
        if atMemberEnd { return stepAfterMemberEnd(encoding) }
        while input.first?.readableBytes == 0 { input.removeFirst() }
        guard !input.isEmpty else {
            if !inputClosed { return false }
            fail(.truncatedStream, "\(encoding) stream ends in the middle of a member (the upload was cut short)")
            return true
        }
        var chunk = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
        // Taken out of the queue (not copied) so that zlib reads the one and only reference.
        var head = input.removeFirst()
        let progress: InflateProgress
        do {
            progress = try inflater!.inflate(&head, into: &chunk, maxOutputBytes: Self.chunkSize)
        } catch {
            // What zlib inflated before it found the damage (a bad checksum comes after all the
            // data) is framed and delivered first; the failure follows once it is used up.
            corruption = error
            current = chunk
            return true
        }
        if head.readableBytes > 0 { input.prepend(head) }
        compressedBytes = inflater!.totalIn
        inflatedBytes = inflater!.totalOut
        if inflatedBytes > limits.inflateRatioFloor && inflatedBytes > limits.maxInflateRatio * compressedBytes {
            fail(.decompressionLimit, "\(encoding) stream inflates more than \(limits.maxInflateRatio)× "
                 + "(\(inflatedBytes) bytes from \(compressedBytes)), a likely decompression bomb")
            return true
        }
        if progress == .streamEnd { atMemberEnd = true }
        current = chunk
        return true
    }

    /// After a member's end: a next member, trailing garbage, or the end of the stream.
    private mutating func stepAfterMemberEnd(_ encoding: StreamEncoding) -> Bool {
        while input.first?.readableBytes == 0 { input.removeFirst() }
        if input.isEmpty {
            guard inputClosed || graceElapsed else { return false }
            endStream()
            return true
        }
        // Two bytes decide; gather them if the previous read ended one byte into the header.
        if input.first!.readableBytes < 2 && input.count > 1 {
            var merged = input.removeFirst()
            merged.writeImmutableBuffer(input.removeFirst())
            input.prepend(merged)
        }
        let head = input.first!
        if head.readableBytes < 2 {
            let first: UInt8 = head.getInteger(at: head.readerIndex)!
            if !encoding.mayStartMember(first) {
                fail(.invalidCompression, "bytes after the end of the \(encoding) stream do not start a new \(encoding) member")
            } else if inputClosed {
                fail(.truncatedStream, "\(encoding) stream ends one byte into a new member (the upload was cut short)")
            } else {
                return false
            }
            return true
        }
        guard encoding.startsMember(head.getInteger(at: head.readerIndex)!, head.getInteger(at: head.readerIndex + 1)!) else {
            fail(.invalidCompression, "bytes after the end of the \(encoding) stream do not start a new \(encoding) member")
            return true
        }
        atMemberEnd = false
        inflater!.reset()
        return true
    }

    private mutating func endStream() {
        if let last = framer.finish() { queued.append(Self.event(last, limit: limits.maxLineBytes)) }
        queued.append(.compressedStreamEnded)
        phase = .streamEnded
    }

    // MARK: - Endings

    private mutating func fail(_ code: ErrorCode, _ what: String) {
        framer.dropPartialLine()
        current = ByteBuffer()
        input.removeAll()
        let lines = framer.lineCount
        let message = "\(what) after \(lines) line\(lines == 1 ? "" : "s")"
        queued.append(.failure(WireError(code, message), linesDecoded: lines))
        phase = .failed
    }

    private mutating func finish() {
        queued.append(.inputEnded)
        phase = .done
    }

    private static func event(_ out: LineFramer.Output, limit: Int) -> WireEvent {
        switch out {
        case .line(let line, let number): return .line(line, number: number)
        case .oversized(let number): return .oversizedLine(number: number, limit: limit)
        }
    }
}
