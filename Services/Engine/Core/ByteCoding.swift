import CTidendeZstd

/// Appends little-endian integers, varints and raw arrays to a byte buffer. Used for stored
/// documents and snapshots.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always)
    mutating func varint(_ value: UInt32) { varint(UInt64(value)) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func string(_ value: String) {
        var s = value
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A count, `ArrayEncoding.raw`, then the array's raw memory (the host is little-endian; the
    /// snapshot header records that so a big-endian host refuses the file instead of misreading it).
    mutating func array<T: BitwiseCopyable>(_ values: [T]) {
        u64(UInt64(values.count))
        u8(ArrayEncoding.raw.rawValue)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// How an array's elements follow its count: as they lie in memory, or as one zstd frame of
/// that memory (snapshots compress the index's arrays, whose packed and small integers shrink
/// by a third to nine tenths), or as one zstd frame of the differences between successive
/// elements (a non-decreasing array of unsigned integers: offsets, starts, sequence numbers,
/// whose differences are small and repeat where the values never do).
enum ArrayEncoding: UInt8 {
    case raw = 0
    case zstd = 1
    case zstdDeltas = 2

    /// Each element of `values` less the one before it (the first as it is), or nil if
    /// `values` are not unsigned integers (32 or 64 bits) that never decrease.
    static func deltas<T: BitwiseCopyable>(_ values: [T]) -> [T]? {
        // `T` is `U` here: both arrays' memory is bound to it.
        func deltas<U: FixedWidthInteger & UnsignedInteger>(_: U.Type) -> [T]? {
            var ok = true
            let out = [T](unsafeUninitializedCapacity: values.count) { buffer, initialized in
                let target = UnsafeMutableRawBufferPointer(buffer).assumingMemoryBound(to: U.self)
                values.withUnsafeBytes { raw in
                    var previous: U = 0
                    for (i, v) in raw.assumingMemoryBound(to: U.self).enumerated() {
                        guard v >= previous else { ok = false; return }
                        target[i] = v &- previous
                        previous = v
                    }
                }
                initialized = ok ? values.count : 0
            }
            return ok ? out : nil
        }
        if T.self == UInt32.self { return deltas(UInt32.self) }
        if T.self == UInt64.self { return deltas(UInt64.self) }
        return nil
    }

    /// Undoes `deltas` in place (a running sum); false if `T` is not a type `deltas` accepts.
    static func undoDeltas<T: BitwiseCopyable>(_ values: inout [T]) -> Bool {
        func sum<U: FixedWidthInteger & UnsignedInteger>(_: U.Type) {
            values.withUnsafeMutableBytes { raw in
                let v = raw.assumingMemoryBound(to: U.self)
                var total: U = 0
                for i in v.indices {
                    total &+= v[i]
                    v[i] = total
                }
            }
        }
        if T.self == UInt32.self { sum(UInt32.self) } else if T.self == UInt64.self { sum(UInt64.self) } else { return false }
        return true
    }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and throws on truncation, so a
/// damaged buffer is refused rather than misread.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    private let decompressor = Decompressor()

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    private func need(_ n: Int) throws(EngineError) {
        if n < 0 || offset + n > bytes.count { throw .corrupt("unexpected end of data at byte \(offset)") }
    }

    mutating func u8() throws(EngineError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(EngineError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw .corrupt("varint too long at byte \(offset)") }
        }
    }

    mutating func u32() throws(EngineError) -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func u64() throws(EngineError) -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func f64() throws(EngineError) -> Double { Double(bitPattern: try u64()) }

    mutating func count(limit: Int = Int(Int32.max)) throws(EngineError) -> Int {
        let n = try varint()
        guard n <= UInt64(limit) else { throw .corrupt("implausible count \(n) at byte \(offset)") }
        return Int(n)
    }

    mutating func string() throws(EngineError) -> String {
        let n = try count()
        try need(n)
        defer { offset += n }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }

    /// Reads what `ByteWriter.array` (or a snapshot's compressed array) wrote.
    mutating func array<T: BitwiseCopyable>(of type: T.Type) throws(EngineError) -> [T] {
        let n = try u64()
        let size = MemoryLayout<T>.stride
        let encoding = ArrayEncoding(rawValue: try u8())
        switch encoding {
        case .raw:
            guard n <= UInt64(bytes.count / max(size, 1)) else { throw .corrupt("implausible array length \(n)") }
            let byteCount = Int(n) * size
            try need(byteCount)
            let start = offset
            offset += byteCount
            return [T](unsafeUninitializedCapacity: Int(n)) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[start..<start + byteCount]))
                }
                initialized = Int(n)
            }
        case .zstd, .zstdDeltas:
            let (frame, content) = bytes.withUnsafeBytes { raw in
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return (ZSTD_findFrameCompressedSize(rest.baseAddress, rest.count),
                        ZSTD_getFrameContentSize(rest.baseAddress, rest.count))
            }
            // The frame's recorded size must be the array's, which bounds what is allocated.
            guard ZSTD_isError(frame) == 0, n <= UInt64(Int.max / max(size, 1)), content == n * UInt64(size) else {
                throw .corrupt("compressed array at byte \(offset) is damaged")
            }
            let start = offset
            offset += frame
            var ok = false
            var values = [T](unsafeUninitializedCapacity: Int(n)) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    ok = decompressor.decompress(UnsafeRawBufferPointer(rebasing: raw[start..<start + frame]),
                                                 into: UnsafeMutableRawBufferPointer(buffer))
                }
                initialized = ok ? Int(n) : 0
            }
            guard ok else { throw .corrupt("compressed array at byte \(start) does not decompress") }
            if encoding == .zstdDeltas && !ArrayEncoding.undoDeltas(&values) {
                throw .corrupt("differences of an array that cannot have them at byte \(start)")
            }
            return values
        case nil:
            throw .corrupt("unknown array encoding at byte \(offset - 1)")
        }
    }
}
