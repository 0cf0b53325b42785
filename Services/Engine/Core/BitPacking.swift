/// Fixed-width bit packing, the block encoding of postings (Lucene's and tantivy's): a block's
/// values all take as many bits as its largest needs, so decoding is one unaligned load, a
/// shift and a mask per value with no branch on the data (a varint costs a branch per byte),
/// and the k-th value of a block is found without reading the ones before it.
///
/// Values are written low bits first, end to end; a packed run ends on a byte boundary.
/// `unpack` loads eight bytes at a time, so a buffer holding packed runs must extend at least
/// `padding` bytes past the last of them.
enum BitPacking {
    static let padding = 8

    /// The bits the largest of `values` needs (0 when all are 0; at most 32).
    @inline(__always)
    static func width(_ values: UnsafePointer<UInt32>, count: Int) -> Int {
        var any: UInt32 = 0
        for i in 0..<count { any |= values[i] }
        return UInt32.bitWidth - any.leadingZeroBitCount
    }

    /// The bytes `count` values of `bits` bits take.
    @inline(__always)
    static func bytes(count: Int, bits: Int) -> Int { (count &* bits &+ 7) >> 3 }

    /// Writes `count` values (each below 2^`bits`) at `out`; returns the bytes written.
    @inline(__always)
    static func pack(_ values: UnsafePointer<UInt32>, count: Int, bits: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard bits > 0 else { return 0 }
        var pending: UInt64 = 0
        var filled = 0
        var o = 0
        for i in 0..<count {
            pending |= UInt64(values[i]) << UInt64(filled)
            filled &+= bits
            while filled >= 8 {
                out[o] = UInt8(truncatingIfNeeded: pending)
                pending >>= 8
                filled &-= 8
                o &+= 1
            }
        }
        if filled > 0 {
            out[o] = UInt8(truncatingIfNeeded: pending)
            o &+= 1
        }
        return o
    }

    /// Reads `count` values of `bits` bits, the first `bitOffset` bits past `base`.
    @inline(__always)
    static func unpack(_ base: UnsafeRawPointer, bitOffset: Int, count: Int, bits: Int,
                       into out: UnsafeMutablePointer<UInt32>) {
        guard bits > 0 else {
            out.update(repeating: 0, count: count)
            return
        }
        let mask = (UInt64(1) << UInt64(bits)) &- 1
        var bit = bitOffset
        for i in 0..<count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
            out[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit &+= bits
        }
    }

    /// A signed difference as an unsigned value that stays small when the difference is small
    /// either way (0, -1, 1, -2 … → 0, 1, 2, 3 …).
    @inline(__always)
    static func zigzag(_ delta: UInt32) -> UInt32 {
        let d = Int32(bitPattern: delta)
        return UInt32(bitPattern: (d << 1) ^ (d >> 31))
    }

    /// The difference `zigzag` encoded (wrapping: added to a UInt32 it steps back when negative).
    @inline(__always)
    static func unzigzag(_ z: UInt32) -> UInt32 { (z >> 1) ^ (0 &- (z & 1)) }
}
