import CTidendeZlib
import NIOCore

/// Which wrapper an ``Inflater`` expects around the deflate data.
public enum InflateFormat: Sendable, Hashable {
    /// gzip or zlib, whichever the header says.
    case auto
    /// gzip (RFC 1952) only.
    case gzip
    /// zlib (RFC 1950) only.
    case zlib
    /// Raw deflate (RFC 1951), no header or trailer.
    case raw

    var windowBits: Int32 {
        switch self {
        case .auto: return 15 + 32
        case .gzip: return 15 + 16
        case .zlib: return 15
        case .raw: return -15
        }
    }
}

/// Why ``Inflater/inflate(_:into:maxOutputBytes:)`` stopped.
public enum InflateProgress: Sendable, Hashable {
    /// All input was used; more is needed to go on (or the stream is truncated if none comes).
    case needsInput
    /// `maxOutputBytes` were written; call again (with the same input) for more.
    case outputFull
    /// The stream (one gzip member, or the zlib stream) ended. Bytes after it stay in the input;
    /// call ``Inflater/reset()`` to decode a following member.
    case streamEnd
}

/// A corrupt compressed stream, with zlib's own words for what is wrong.
public struct InflateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// zlib's return code (`Z_DATA_ERROR`, `Z_NEED_DICT`, `Z_MEM_ERROR`…).
    public var status: Int32
    /// zlib's message, e.g. `invalid block type` or `incorrect header check`.
    public var message: String

    public var description: String { message }
}

/// Streaming inflate with raw zlib: bounded output per call, member ends reported, no silent
/// truncation. Used by ``WireDecoder``, by feed subscribers and by tests.
///
/// ```swift
/// var inflater = Inflater(format: .zlib)
/// var out = ByteBuffer()
/// while true {   // per network read
///     let progress = try inflater.inflate(&read, into: &out)
///     …
/// }
/// ```
///
/// Copies share the zlib stream (it is ended when the last copy goes): keep one per stream.
public struct Inflater {
    private let stream: ZStream

    /// Total compressed bytes consumed since this inflater was created (across resets).
    public private(set) var totalIn = 0
    /// Total bytes produced since this inflater was created (across resets).
    public private(set) var totalOut = 0

    /// Creates an inflater for `format`.
    public init(format: InflateFormat = .auto) {
        stream = ZStream(.inflate) { tidende_inflate_init($0, format.windowBits) }
    }

    /// Prepares for the next member of a concatenated stream, keeping the window allocation.
    public mutating func reset() {
        inflateReset(stream.pointer)
    }

    /// Inflates bytes from `input` (advancing its reader index past what was consumed) and appends
    /// the result to `output` (growing it as needed), until the input is used up, the stream
    /// ends, or `maxOutputBytes` have been appended.
    ///
    /// - Throws: ``InflateError`` when the data is corrupt.
    public mutating func inflate(
        _ input: inout ByteBuffer, into output: inout ByteBuffer, maxOutputBytes: Int = .max
    ) throws(InflateError) -> InflateProgress {
        let z = stream.pointer
        var produced = 0
        var status: Int32 = Z_OK
        while true {
            if produced >= maxOutputBytes { return .outputFull }
            // Ask for at most 64 KiB at a time so that an unbounded call grows the buffer in steps.
            let want = min(maxOutputBytes - produced, 64 << 10)
            var consumed = 0
            var written = 0
            input.withUnsafeReadableBytes { inBytes in
                z.pointee.next_in = UnsafeMutablePointer(
                    mutating: inBytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
                z.pointee.avail_in = uInt(min(inBytes.count, Int(UInt32.max)))
                written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { outBytes in
                    let room = min(outBytes.count, want)
                    z.pointee.next_out = outBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    z.pointee.avail_out = uInt(room)
                    status = CTidendeZlib.inflate(z, Z_NO_FLUSH)
                    return room - Int(z.pointee.avail_out)
                }
                consumed = inBytes.count - Int(z.pointee.avail_in)
                // The pointers must not outlive this closure.
                z.pointee.next_in = nil
                z.pointee.next_out = nil
            }
            input.moveReaderIndex(forwardBy: consumed)
            produced += written
            totalIn += consumed
            totalOut += written
            switch status {
            case Z_STREAM_END:
                return .streamEnd
            case Z_OK:
                // Output space left over means zlib used all the input it was given.
                if z.pointee.avail_out > 0 && input.readableBytes == 0 { return .needsInput }
            case Z_BUF_ERROR:
                // No progress was possible: zlib needs input it has not got.
                return .needsInput
            default:
                let message = stream.message ?? (status == Z_NEED_DICT ? "preset dictionary required" : "zlib error \(status)")
                throw InflateError(status: status, message: message)
            }
        }
    }
}
