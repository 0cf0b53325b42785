import CTidendeZlib
import CTidendeZstd

/// Compresses stored documents with Zstandard (level `storedLevel`), reusing one context per
/// writer. It is several times faster than zlib at a similar ratio on ~2 KB JSON documents, and
/// its decoder is what every hit pays for (zlib's inflate was most of a rare query's time).
final class Compressor {
    /// With a 64 KiB dictionary, on 2.3 KB news documents, levels 1 / 2 / 3 give ratios 0.40 /
    /// 0.38 / 0.36 at 11.1 / 11.5 / 12.7 µs per document alone; decompression is as fast for
    /// all three. Inside the indexer level 3 (with a 256 KiB dictionary: 0.345) cost 6–9% of
    /// indexing throughput, its larger tables competing for the cache with the analyzer's;
    /// level 2 cost nothing measurable against level 1. Levels 4–9 gain a few percent more
    /// for two to eight times the compression time.
    static let storedLevel: Int32 = 2

    private let context: OpaquePointer
    private let level: Int32
    private var output: [UInt8] = []

    init(level: Int32 = Compressor.storedLevel) {
        context = ZSTD_createCCtx()!
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// `input` compressed on its own, with `dictionary` when given (which must then be given to
    /// decompress it too).
    func compress(_ input: [UInt8], dictionary: StoredDictionary? = nil) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let produced = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                if let dictionary {
                    ZSTD_compress_usingCDict(context, target.baseAddress, target.count, source.baseAddress, source.count,
                                             dictionary.cdict)
                } else {
                    ZSTD_compressCCtx(context, target.baseAddress, target.count, source.baseAddress, source.count, level)
                }
            }
        }
        // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
        precondition(ZSTD_isError(produced) == 0, "zstd: \(String(cString: ZSTD_getErrorName(produced)))")
        return Array(output[0..<produced])
    }

    /// `input` as one zstd frame (recording its size and a checksum of its content), handed to
    /// `emit` in pieces of at most `ZSTD_CStreamOutSize` bytes: a snapshot compresses a large
    /// array without a second copy of it.
    func frame(_ input: UnsafeRawBufferPointer,
               emit: (UnsafeRawBufferPointer) throws(EngineError) -> Void) throws(EngineError) {
        ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters)
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setPledgedSrcSize(context, UInt64(input.count))
        let chunk = ZSTD_CStreamOutSize()
        if output.count < chunk { output = [UInt8](repeating: 0, count: chunk) }
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var remaining = 1
        while remaining != 0 {
            let produced = output.withUnsafeMutableBytes { target -> Int in
                var sink = ZSTD_outBuffer(dst: target.baseAddress, size: chunk, pos: 0)
                remaining = ZSTD_compressStream2(context, &sink, &source, ZSTD_e_end)
                return sink.pos
            }
            // With all input given and room to flush, compression has no way to fail.
            precondition(ZSTD_isError(remaining) == 0, "zstd: \(String(cString: ZSTD_getErrorName(remaining)))")
            let result: Result<Void, EngineError> = output.withUnsafeBytes { raw in
                do throws(EngineError) { try emit(UnsafeRawBufferPointer(rebasing: raw[0..<produced])); return .success(()) } catch { return .failure(error) }
            }
            try result.get()
        }
    }
}

/// Decompresses stored documents whose original size is known. One decompressor serves a
/// whole search, reusing its context across hits; searches borrow one from a small pool, since
/// creating a zstd context costs more than decompressing ten documents.
final class Decompressor: @unchecked Sendable {  // used by one thread at a time (pool hand-off)
    private static let pool = ReusePool { Decompressor() }

    /// A decompressor from the pool (or a new one); hand it back with `giveBack` when done.
    static func borrow() -> Decompressor { pool.borrow() }

    static func giveBack(_ decompressor: Decompressor) { pool.giveBack(decompressor) }

    private let context: OpaquePointer

    init() { context = ZSTD_createDCtx()! }

    deinit { ZSTD_freeDCtx(context) }

    func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int,
                    dictionary: StoredDictionary? = nil) throws(EngineError) -> [UInt8] {
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: originalSize) { target, initialized in
            ok = decompress(input, into: UnsafeMutableRawBufferPointer(target), dictionary: dictionary)
            initialized = ok ? originalSize : 0
        }
        guard ok else { throw .corrupt("stored document does not decompress") }
        return output
    }

    /// Decompresses the one frame `input` into `output`; false unless it fills `output` exactly.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                    dictionary: StoredDictionary? = nil) -> Bool {
        let result = if let dictionary {
            ZSTD_decompress_usingDDict(context, output.baseAddress, output.count, input.baseAddress, input.count,
                                       dictionary.ddict)
        } else {
            ZSTD_decompressDCtx(context, output.baseAddress, output.count, input.baseAddress, input.count)
        }
        return ZSTD_isError(result) == 0 && result == output.count
    }
}

/// A zstd dictionary trained on a sample of stored documents. Small documents compressed on
/// their own share little with themselves; with a dictionary of what documents have in common
/// (member names, frequent words) they compress better and faster, and decompress faster
/// (measured on 2.3 KB news documents: ratio 1.84 → 2.47, 160 → 202 MB/s in, 459 → 588 MB/s
/// out). Immutable and thread-safe (zstd's digested dictionaries are read-only).
final class StoredDictionary: @unchecked Sendable {
    let bytes: [UInt8]
    let cdict: OpaquePointer
    let ddict: OpaquePointer

    /// A dictionary from its bytes (as trained, or read from a snapshot); nil if zstd refuses them.
    init?(bytes: [UInt8]) {
        guard !bytes.isEmpty else { return nil }
        let made: (OpaquePointer?, OpaquePointer?) = bytes.withUnsafeBytes { raw in
            (ZSTD_createCDict(raw.baseAddress, raw.count, Compressor.storedLevel), ZSTD_createDDict(raw.baseAddress, raw.count))
        }
        guard let c = made.0, let d = made.1 else {
            if let c = made.0 { ZSTD_freeCDict(c) }
            if let d = made.1 { ZSTD_freeDDict(d) }
            return nil
        }
        self.bytes = bytes
        cdict = c
        ddict = d
    }

    deinit {
        ZSTD_freeCDict(cdict)
        ZSTD_freeDDict(ddict)
    }

    /// A dictionary of at most `capacity` bytes trained on `samples`, or nil when zstd cannot
    /// train one (too few or too uniform samples). On 2 000 news documents 256 KiB does a little
    /// better than 64 KiB at level 3 (ratio 0.358 → 0.346), worse at level 1 (0.401 → 0.412),
    /// and slows the indexer (see `Compressor.storedLevel`); 64 KiB trains in ~0.1 s.
    static func train(_ samples: [[UInt8]], capacity: Int = 64 << 10) -> StoredDictionary? {
        guard samples.count >= 8 else { return nil }
        let joined = samples.flatMap { $0 }
        let sizes = samples.map { $0.count }
        var dictionary = [UInt8](repeating: 0, count: capacity)
        let size = dictionary.withUnsafeMutableBytes { out in
            joined.withUnsafeBytes { all in
                sizes.withUnsafeBufferPointer { sizes in
                    // Fixed fast-cover parameters: ~0.1 s on 2 000 news documents, where the default
                    // trainer's parameter search takes ~0.4 s for the same ratio.
                    var params = ZDICT_fastCover_params_t()
                    params.k = 200
                    params.d = 8
                    params.f = 20
                    params.steps = 1
                    params.accel = 1
                    params.splitPoint = 1.0
                    return ZDICT_trainFromBuffer_fastCover(out.baseAddress, out.count, all.baseAddress, sizes.baseAddress,
                                                           UInt32(sizes.count), params)
                }
            }
        }
        guard ZDICT_isError(size) == 0 else { return nil }
        return StoredDictionary(bytes: Array(dictionary[0..<size]))
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
