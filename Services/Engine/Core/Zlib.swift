import CTidendeZlib

/// A reusable zlib deflater (one per writer): `deflateReset` between documents avoids paying
/// for stream setup per document.
final class Deflater {
    private var stream = z_stream()
    private var output: [UInt8] = []

    init(level: Int32 = 1) {
        // Raw deflate (-15): stored documents need no header or checksum of their own; the
        // snapshot as a whole is CRC-checked.
        _ = tidende_deflate_init(&stream, level, -15)
    }

    deinit { deflateEnd(&stream) }

    func compress(_ input: [UInt8]) -> [UInt8] {
        deflateReset(&stream)
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        var produced = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                produced = outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}

/// Raw-inflates stored documents whose original size is known. One inflater serves a whole
/// search: `inflateReset` between documents avoids paying stream setup (and its 32 KiB window
/// allocation) per hit.
final class Inflater {
    private var stream = z_stream()
    private let ready: Bool

    init() { ready = tidende_inflate_init(&stream, -15) == Z_OK }

    deinit { if ready { inflateEnd(&stream) } }

    func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int) throws(EngineError) -> [UInt8] {
        guard ready else { throw .corrupt("inflate init failed") }
        inflateReset(&stream)
        var status: Int32 = 0
        var left: uInt = 0
        let output = [UInt8](unsafeUninitializedCapacity: originalSize) { outBuf, initialized in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = uInt(outBuf.count)
            status = inflate(&stream, Z_FINISH)
            left = stream.avail_out
            initialized = status == Z_STREAM_END && left == 0 ? originalSize : 0
        }
        guard status == Z_STREAM_END, left == 0 else { throw .corrupt("stored document does not inflate") }
        return output
    }
}

/// CRC-32 (zlib's) of a byte range, for snapshot checksums.
enum Checksum {
    static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = uLong(initial)
        var base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var remaining = bytes.count
        // zlib's length argument is 32-bit: feed large buffers in chunks.
        while remaining > 0, let p = base {
            let n = min(remaining, 1 << 30)
            crc = CTidendeZlib.crc32(crc, p, uInt(n))
            base = p + n
            remaining -= n
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
