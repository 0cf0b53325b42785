import CTidendeZlib
import NIOCore

/// Which wrapper a ``Deflater`` writes around the deflate data.
public enum DeflateFormat: Sendable, Hashable {
    /// zlib (RFC 1950): the feed's format and `hello compress zlib`.
    case zlib
    /// gzip (RFC 1952): `hello compress gzip`.
    case gzip
    /// Raw deflate (RFC 1951).
    case raw

    var windowBits: Int32 {
        switch self {
        case .zlib: return 15
        case .gzip: return 15 + 16
        case .raw: return -15
        }
    }
}

/// How much a ``Deflater/compress(_:into:flush:)`` call pushes out.
public enum DeflateFlush: Sendable, Hashable {
    /// Buffer as zlib sees fit (best ratio); output may lag the input.
    case none
    /// Emit everything so far, byte-aligned (`Z_SYNC_FLUSH`): the peer can inflate every reply
    /// sent up to here without waiting for more.
    case sync
    /// End the stream (`Z_FINISH`, with trailer). The next call starts a new stream/member.
    case finish

    var zlibValue: Int32 {
        switch self {
        case .none: return Z_NO_FLUSH
        case .sync: return Z_SYNC_FLUSH
        case .finish: return Z_FINISH
        }
    }
}

/// Streaming deflate with raw zlib, for compressed replies and the feed.
///
/// Level 1 is the default: on this hardware it compresses NDJSON ~6× faster than level 6 for a
/// ratio that is a little worse, which is the right trade for a live link.
///
/// Copies share the zlib stream (it is ended when the last copy goes): keep one per stream.
public struct Deflater {
    private let stream: ZStream

    /// Creates a deflater writing `format` at compression `level` (0–9).
    public init(format: DeflateFormat, level: Int32 = 1) {
        stream = ZStream(.deflate) { tidende_deflate_init($0, level, format.windowBits) }
    }

    /// Compresses all of `input` and appends what zlib emits to `output` (which grows as needed).
    /// With `.sync` or `.finish`, everything given so far is in `output` when this returns.
    public mutating func compress(_ input: ByteBuffer, into output: inout ByteBuffer, flush: DeflateFlush) {
        let z = stream.pointer
        let mode = flush.zlibValue
        input.withUnsafeReadableBytes { inBytes in
            z.pointee.next_in = UnsafeMutablePointer(
                mutating: inBytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
            z.pointee.avail_in = uInt(inBytes.count)
            while true {
                var status: Int32 = Z_OK
                // deflateBound lets one call finish small inputs; the cap keeps a huge input from
                // reserving its whole size up front (the loop simply goes round again).
                let want = min(max(Int(deflateBound(z, uLong(z.pointee.avail_in))), 64), 64 << 10)
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { outBytes in
                    z.pointee.next_out = outBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    z.pointee.avail_out = uInt(min(outBytes.count, Int(UInt32.max)))
                    let before = Int(z.pointee.avail_out)
                    status = deflate(z, mode)
                    return before - Int(z.pointee.avail_out)
                }
                precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                             "deflate failed: \(status)")
                if status == Z_STREAM_END {
                    // Ready for the next stream, so a reused deflater writes a new gzip member.
                    deflateReset(z)
                    break
                }
                // Done once zlib has all the input and, when flushing, left output space unused.
                if z.pointee.avail_in == 0 && (mode == Z_NO_FLUSH || z.pointee.avail_out > 0) && mode != Z_FINISH {
                    break
                }
            }
            z.pointee.next_in = nil
            z.pointee.next_out = nil
        }
    }
}
