/// Distinct strings sorted by UTF-8 bytes, stored as one byte buffer plus offsets: no object
/// per string, and comparisons are `memcmp`s. Doc-value columns keep their strings here.
struct StringTable: Sendable {
    let bytes: [UInt8]
    /// `offsets[i] ..< offsets[i + 1]` is string `i`.
    let offsets: [UInt32]

    init(bytes: [UInt8], offsets: [UInt32]) {
        self.bytes = bytes
        self.offsets = offsets
    }

    /// From strings already sorted by `ByteOrder` and distinct.
    init(sorted strings: [String]) { self.init(strings) }

    /// From any strings, kept in their order (lookups by `lowerBound` need them sorted).
    init(_ strings: [String]) {
        var b: [UInt8] = []
        var o: [UInt32] = [0]
        o.reserveCapacity(strings.count + 1)
        for s in strings {
            b.append(contentsOf: s.utf8)
            o.append(UInt32(b.count))
        }
        bytes = b
        offsets = o
    }

    var count: Int { offsets.count - 1 }

    /// Offsets start at 0, never decrease and end at the byte count (a check for data read from a file).
    var isWellFormed: Bool {
        guard offsets.first == 0, Int(offsets.last!) == bytes.count else { return false }
        return zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 }
    }

    subscript(i: Int) -> String {
        String(decoding: bytes[Int(offsets[i])..<Int(offsets[i + 1])], as: UTF8.self)
    }

    @inline(__always)
    func withBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { all in body(UnsafeRawBufferPointer(rebasing: all[Int(offsets[i])..<Int(offsets[i + 1])])) }
    }

    /// First index whose string is ≥ `probe` (byte order).
    func lowerBound(_ probe: String) -> Int {
        var p = probe
        return p.withUTF8 { probeBytes in
            let raw = UnsafeRawBufferPointer(probeBytes)
            var lo = 0, hi = count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if withBytes(mid, { ByteOrder.compare($0, raw) }) < 0 { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    func equals(_ i: Int, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { p in withBytes(i) { ByteOrder.compare($0, UnsafeRawBufferPointer(p)) == 0 } }
    }

    var memoryBytes: Int { bytes.count + offsets.count * 4 }

    /// The sorted union of several tables, and for each table the map from its indices to the
    /// union's.
    static func merge(_ tables: [StringTable]) -> (StringTable, [[Int32]]) {
        var bytes: [UInt8] = []
        var offsets: [UInt32] = [0]
        var maps = tables.map { [Int32](repeating: -1, count: $0.count) }
        var heads = [Int](repeating: 0, count: tables.count)
        while true {
            var best = -1
            for t in tables.indices where heads[t] < tables[t].count {
                if best < 0 || compare(tables[t], heads[t], tables[best], heads[best]) < 0 { best = t }
            }
            if best < 0 { break }
            let (bt, bi) = (tables[best], heads[best])
            let ordinal = Int32(offsets.count - 1)
            bytes.append(contentsOf: bt.bytes[Int(bt.offsets[bi])..<Int(bt.offsets[bi + 1])])
            offsets.append(UInt32(bytes.count))
            for t in tables.indices where heads[t] < tables[t].count && compare(tables[t], heads[t], bt, bi) == 0 {
                maps[t][heads[t]] = ordinal
                heads[t] += 1
            }
        }
        return (StringTable(bytes: bytes, offsets: offsets), maps)
    }

    private static func compare(_ a: StringTable, _ i: Int, _ b: StringTable, _ j: Int) -> Int {
        a.withBytes(i) { x in b.withBytes(j) { y in ByteOrder.compare(x, y) } }
    }
}
