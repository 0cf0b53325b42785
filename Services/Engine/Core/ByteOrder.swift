#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TidendeAnalysis

/// Orders strings and keys by their UTF-8 bytes (which is Unicode code-point order): one
/// `memcmp`, where `String.<` would check normalisation on every non-ASCII comparison. Every
/// sorted string list in a segment (doc-value strings, words) uses this order.
enum ByteOrder {
    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compare(x, y) < 0 } }
    }

    static func compare(_ a: String, _ b: String) -> Int {
        let r = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) }
        }
        if let r, let r { return r }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : a.utf8.elementsEqual(b.utf8) ? 0 : 1
    }

    @inline(__always) static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.utf8.count >= prefix.utf8.count && s.utf8.starts(with: prefix.utf8)
    }

    /// First index in `sorted` (byte order) whose element is ≥ `probe`.
    static func lowerBound(_ sorted: [String], _ probe: String) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if less(sorted[mid], probe) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The indices of `strings` in byte order of their strings (stable for equal strings).
    /// Sorts integers: each string's first eight bytes as a big-endian key, comparing whole
    /// strings only within runs of equal keys. Several times faster than comparing strings.
    static func sortedOrder(_ strings: [String]) -> [Int] {
        sortedOrder(strings, keys: strings.map(prefixKey))
    }

    /// `sortedOrder(_:)` given the strings' `prefixKey`s (a caller that needs them too).
    static func sortedOrder(_ strings: [String], keys: [UInt64]) -> [Int] {
        var keyed = [(key: UInt64, index: Int)]()
        keyed.reserveCapacity(strings.count)
        for (i, key) in keys.enumerated() { keyed.append((key, i)) }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
        var order = keyed.map(\.index)
        var start = 0
        while start < keyed.count {
            var end = start + 1
            while end < keyed.count && keyed[end].key == keyed[start].key { end += 1 }
            if end - start > 1 {
                // Same first eight bytes (zero-padded): the rest decides.
                order[start..<end].sort { a, b in
                    let c = compare(strings[a], strings[b])
                    return c != 0 ? c < 0 : a < b
                }
            }
            start = end
        }
        return order
    }

    /// The first eight UTF-8 bytes of `s`, big-endian, zero-padded: keys compare as the
    /// strings' first eight bytes do (a shorter string first).
    @inline(__always)
    static func prefixKey(_ s: String) -> UInt64 {
        var key: UInt64 = 0
        var n = 0
        for byte in s.utf8 {
            if n == 8 { break }
            key = key << 8 | UInt64(byte)
            n += 1
        }
        return n == 8 ? key : key << UInt64(8 * (8 - n))
    }

    /// The sorted union of already sorted, duplicate-free lists.
    static func mergeUnique(_ lists: [[String]]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(lists.map(\.count).max() ?? 0)
        var heads = [Int](repeating: 0, count: lists.count)
        while true {
            var best = -1
            for (l, list) in lists.enumerated() where heads[l] < list.count {
                if best < 0 || less(list[heads[l]], lists[best][heads[best]]) { best = l }
            }
            if best < 0 { return out }
            let v = lists[best][heads[best]]
            out.append(v)
            for (l, list) in lists.enumerated() where heads[l] < list.count && compare(list[heads[l]], v) == 0 { heads[l] += 1 }
        }
    }
}

/// Every string a `StemCache` interned, in byte order, kept up to date as the cache grows: a
/// segment's dictionary lists its stems in byte order, and its word list its words, so each
/// refresh used to sort tens of thousands of strings it had mostly sorted before. Now a refresh
/// places only the strings interned since the last one (binary search) and sorts integers.
/// The writer owns one, beside its cache.
struct InternedOrder {
    /// All ids of the cache, in byte order of their strings.
    private var sorted: [StemCache.TermID] = []
    /// Their strings' first eight bytes (`ByteOrder.prefixKey`): most comparisons of the
    /// binary search below are integer comparisons, not strings fetched from the cache.
    private var sortedKeys: [UInt64] = []
    /// Id → position in `sorted`; ranks order ids as their strings' bytes do.
    private(set) var rank: [Int32] = []
    /// The cache's generation the order was built for (its ids change meaning on `removeAll`).
    private var generation = 0

    /// Takes in the strings `cache` interned since the last call.
    mutating func update(_ cache: StemCache) {
        if cache.generation != generation {
            sorted = []
            sortedKeys = []
            rank = []
            generation = cache.generation
        }
        let known = rank.count, total = cache.count
        guard total > known else { return }
        let fresh = (known..<total).map { cache.string(StemCache.TermID($0)) }
        let freshKeys = fresh.map(ByteOrder.prefixKey)
        var merged: [StemCache.TermID] = [], mergedKeys: [UInt64] = []
        merged.reserveCapacity(total)
        mergedKeys.reserveCapacity(total)
        var next = 0
        for i in ByteOrder.sortedOrder(fresh, keys: freshKeys) {
            // Interned strings are distinct: each goes before the first larger known string.
            // First the first known string whose prefix key is not smaller, then past those
            // with the same key that are smaller as whole strings.
            let key = freshKeys[i]
            var lo = next, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if sortedKeys[mid] < key { lo = mid + 1 } else { hi = mid }
            }
            while lo < sorted.count, sortedKeys[lo] == key, ByteOrder.less(cache.string(sorted[lo]), fresh[i]) { lo += 1 }
            merged.append(contentsOf: sorted[next..<lo])
            mergedKeys.append(contentsOf: sortedKeys[next..<lo])
            merged.append(StemCache.TermID(known + i))
            mergedKeys.append(key)
            next = lo
        }
        merged.append(contentsOf: sorted[next...])
        mergedKeys.append(contentsOf: sortedKeys[next...])
        sorted = merged
        sortedKeys = mergedKeys
        rank = [Int32](repeating: 0, count: total)
        rank.withUnsafeMutableBufferPointer { rank in
            for (r, id) in sorted.enumerated() { rank[Int(id)] = Int32(r) }
        }
    }
}
