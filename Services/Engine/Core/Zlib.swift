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

/// Raw-inflates a stored document whose original size is known.
enum Inflate {
    static func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int) throws(EngineError) -> [UInt8] {
        var stream = z_stream()
        guard tidende_inflate_init(&stream, -15) == Z_OK else { throw .corrupt("inflate init failed") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: originalSize)
        var status: Int32 = 0
        output.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = uInt(outBuf.count)
            status = inflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END, stream.avail_out == 0 else { throw .corrupt("stored document does not inflate") }
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
