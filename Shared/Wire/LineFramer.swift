import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits decoded bytes into lines, bounded by a maximum line length.
///
/// ```
///  buffer:  {"a":1}\n{"b":2}\r\n\n{"c":
///           └─ line 1 ┘└─ line 2 ─┘└3┘└─ partial (kept, ≤ max + 1 bytes) ─▶ completed by the next buffer
/// ```
///
/// Lines that lie inside one buffer are returned as zero-copy slices of it; only a line that spans
/// buffers is copied, into `partial`. Every byte is scanned once: a new buffer is searched from its
/// start, never the partial line again. A line that grows past the limit is reported as soon as
/// that is certain and the rest of it is dropped as it arrives (`discarding`), so memory stays
/// bounded whatever the client sends.
struct LineFramer {
    /// What the framer found.
    enum Output {
        case line(ByteBuffer, number: Int)
        case oversized(number: Int)
    }

    let maxLineBytes: Int
    /// Complete lines seen so far (blank and oversized included): the last ended line's number.
    private(set) var lineCount = 0
    /// The start of a line that began in an earlier buffer.
    private var partial: ByteBuffer?
    /// Dropping the rest of an oversized line until its newline.
    private var discarding = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Whether a line has started but not yet ended (so a stream cut here loses it).
    var hasPartialLine: Bool { partial != nil || discarding }

    /// The next non-blank line or oversize report from `buffer`, consuming what it used; nil when
    /// `buffer` is used up (its tail, if any, is kept as the partial line).
    mutating func next(in buffer: inout ByteBuffer) -> Output? {
        while buffer.readableBytes > 0 {
            guard let newline = Self.indexOfNewline(in: buffer) else {
                return keepTail(of: &buffer)
            }
            if discarding {
                buffer.moveReaderIndex(forwardBy: newline + 1)
                discarding = false
                lineCount += 1  // the oversized line, reported earlier, is complete now
                continue
            }
            lineCount += 1
            let length = (partial?.readableBytes ?? 0) + newline
            var line: ByteBuffer
            if var start = partial {
                partial = nil
                if length > maxLineBytes + 1 {
                    buffer.moveReaderIndex(forwardBy: newline + 1)
                    return .oversized(number: lineCount)
                }
                start.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: newline)!)
                line = start
            } else {
                line = buffer.getSlice(at: buffer.readerIndex, length: newline)!
            }
            buffer.moveReaderIndex(forwardBy: newline + 1)
            if let out = finishLine(&line) { return out }
        }
        return nil
    }

    /// Ends the stream: the partial line, if any, is a last line without a newline.
    mutating func finish() -> Output? {
        if discarding {
            discarding = false
            lineCount += 1
            return nil
        }
        guard var line = partial else { return nil }
        partial = nil
        lineCount += 1
        return finishLine(&line)
    }

    /// Forgets a partial line (the stream failed, the line will never be complete).
    mutating func dropPartialLine() {
        partial = nil
        discarding = false
    }

    // MARK: - Private

    /// Strips a trailing `\r` (and a UTF-8 byte order mark opening the stream, as editors on
    /// Windows write one), applies the length limit and skips blank lines.
    private func finishLine(_ line: inout ByteBuffer) -> Output? {
        if lineCount == 1, line.readableBytesView.starts(with: [0xEF, 0xBB, 0xBF]) {
            line.moveReaderIndex(forwardBy: 3)
        }
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        if line.readableBytes > maxLineBytes { return .oversized(number: lineCount) }
        if Self.isBlank(line) { return nil }
        return .line(line, number: lineCount)
    }

    /// Keeps a buffer's tail (no newline in it) as the partial line, or reports it oversized.
    private mutating func keepTail(of buffer: inout ByteBuffer) -> Output? {
        defer { buffer.moveReaderIndex(to: buffer.writerIndex) }
        if discarding { return nil }
        let length = (partial?.readableBytes ?? 0) + buffer.readableBytes
        // One byte of slack: the line may still end in "\r\n" and be exactly the limit.
        if length > maxLineBytes + 1 {
            partial = nil
            discarding = true
            // Counted as complete only at its newline, so a failure meanwhile reports true counts.
            return .oversized(number: lineCount + 1)
        }
        if partial == nil {
            // A fresh buffer, not a slice: a slice would pin the whole read (or inflate chunk).
            var start = ByteBufferAllocator().buffer(capacity: max(buffer.readableBytes * 2, 256))
            start.writeImmutableBuffer(buffer)
            partial = start
        } else {
            partial!.writeImmutableBuffer(buffer)
        }
        return nil
    }

    private static func indexOfNewline(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let hit = memchr(base, 0x0a, bytes.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    private static func isBlank(_ line: ByteBuffer) -> Bool {
        line.readableBytesView.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d || $0 == 0x0b || $0 == 0x0c }
    }
}
