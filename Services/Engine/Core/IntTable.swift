/// An open-addressing hash map from `UInt64` keys to dense `Int32` values, for the indexing hot
/// loop: a multiplicative hash and linear probing are several times cheaper than `Dictionary`'s
/// seeded SipHash for integer keys that are not adversarial (they are our own term ids).
struct IntTable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0
    /// A key that is never used (field ids are 16-bit, so bit 48–55 stay clear in term keys).
    private static let empty = UInt64.max

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: n)
        values = [Int32](repeating: -1, count: n)
        mask = n - 1
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The value of `key`, inserting `make()` if absent.
    @inline(__always)
    mutating func value(for key: UInt64, orInsert make: () -> Int32) -> Int32 {
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == Self.empty { break }
            i = (i + 1) & mask
        }
        let v = make()
        keys[i] = key
        values[i] = v
        count += 1
        if count * 2 > keys.count { grow() }
        return v
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let n = keys.count * 2
        keys = [UInt64](repeating: Self.empty, count: n)
        values = [Int32](repeating: -1, count: n)
        mask = n - 1
        for (i, k) in oldKeys.enumerated() where k != Self.empty {
            var j = Self.slot(k, mask)
            while keys[j] != Self.empty { j = (j + 1) & mask }
            keys[j] = k
            values[j] = oldValues[i]
        }
    }
}
