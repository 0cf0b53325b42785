/// A segment's sorted term list, as one byte buffer plus offsets. A key is
/// `[language byte] stem-bytes 0x00 [field id, 2 bytes big-endian]`, so all fields of one stem
/// sit together (one binary search finds a word in every field) and a stem prefix is a
/// contiguous range (prefix queries walk it).
final class TermDictionary: Sendable {
    let keyBytes: [UInt8]
    /// `keyOffsets[t] ..< keyOffsets[t + 1]` is term `t`.
    let keyOffsets: [UInt32]

    init(keyBytes: [UInt8], keyOffsets: [UInt32]) {
        self.keyBytes = keyBytes
        self.keyOffsets = keyOffsets
    }

    var count: Int { keyOffsets.count - 1 }

    static func key(language: UInt8, stem: String, field: UInt16) -> [UInt8] {
        var k: [UInt8] = [language]
        k.append(contentsOf: stem.utf8)
        k.append(0)
        k.append(UInt8(field >> 8))
        k.append(UInt8(field & 0xff))
        return k
    }

    /// First term ordinal whose key is ≥ `probe`.
    func lowerBound(_ probe: [UInt8]) -> Int {
        keyBytes.withUnsafeBufferPointer { keys in
            probe.withUnsafeBufferPointer { p in
                var lo = 0
                var hi = count
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if Self.compare(keys, Int(keyOffsets[mid]), Int(keyOffsets[mid + 1]), p) < 0 {
                        lo = mid + 1
                    } else {
                        hi = mid
                    }
                }
                return lo
            }
        }
    }

    private static func compare(_ keys: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                _ probe: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(end - start, probe.count)
        var i = 0
        while i < n {
            let a = keys[start + i], b = probe[i]
            if a != b { return a < b ? -1 : 1 }
            i += 1
        }
        return (end - start) - probe.count
    }

    /// Byte order of term `i` of `a` and term `j` of `b`.
    static func compare(_ a: TermDictionary, _ i: Int, _ b: TermDictionary, _ j: Int) -> Int {
        a.keyBytes.withUnsafeBytes { x in
            b.keyBytes.withUnsafeBytes { y in
                ByteOrder.compare(UnsafeRawBufferPointer(rebasing: x[Int(a.keyOffsets[i])..<Int(a.keyOffsets[i + 1])]),
                                  UnsafeRawBufferPointer(rebasing: y[Int(b.keyOffsets[j])..<Int(b.keyOffsets[j + 1])]))
            }
        }
    }

    /// Whether term `t` starts with `prefix`.
    func hasPrefix(_ t: Int, _ prefix: [UInt8]) -> Bool {
        let start = Int(keyOffsets[t])
        guard Int(keyOffsets[t + 1]) - start >= prefix.count else { return false }
        for i in 0..<prefix.count where keyBytes[start + i] != prefix[i] { return false }
        return true
    }

    /// The field id of term `t`.
    func field(_ t: Int) -> UInt16 {
        let end = Int(keyOffsets[t + 1])
        return UInt16(keyBytes[end - 2]) << 8 | UInt16(keyBytes[end - 1])
    }

    /// The stem of term `t` (without language byte and field).
    func stem(_ t: Int) -> String {
        let start = Int(keyOffsets[t]) + 1
        let end = Int(keyOffsets[t + 1]) - 3
        return String(decoding: keyBytes[start..<end], as: UTF8.self)
    }

    func language(_ t: Int) -> UInt8 { keyBytes[Int(keyOffsets[t])] }

    /// Terms `(ordinal, field)` for one stem in one language, in every field.
    func lookup(language: UInt8, stem: String) -> [(term: Int, field: UInt16)] {
        var probe: [UInt8] = [language]
        probe.append(contentsOf: stem.utf8)
        probe.append(0)
        var t = lowerBound(probe)
        var result: [(Int, UInt16)] = []
        while t < count && hasPrefix(t, probe) && Int(keyOffsets[t + 1] - keyOffsets[t]) == probe.count + 2 {
            result.append((t, field(t)))
            t += 1
        }
        return result
    }

    /// Exact ordinal of a full key, or nil.
    func ordinal(of key: [UInt8]) -> Int? {
        let t = lowerBound(key)
        guard t < count, Int(keyOffsets[t + 1] - keyOffsets[t]) == key.count, hasPrefix(t, key) else { return nil }
        return t
    }

    var memoryBytes: Int { keyBytes.count + keyOffsets.count * 4 }
}

/// Field paths ↔ small integer ids shared by all segments of an engine. Append-only, so an id
/// never changes meaning; segments store ids, not names.
struct FieldRegistry: Sendable {
    private(set) var names: [String] = []
    private var ids: [String: UInt16] = [:]

    init() {}

    init(names: [String]) {
        for name in names { _ = intern(name) }
    }

    func id(of name: String) -> UInt16? { ids[name] }

    mutating func intern(_ name: String) -> UInt16 {
        // Documents have a handful of fields, asked for on every document: comparing short
        // strings is cheaper than hashing one.
        if names.count <= 16, let i = names.firstIndex(of: name) { return UInt16(i) }
        if let id = ids[name] { return id }
        let id = UInt16(truncatingIfNeeded: names.count)
        names.append(name)
        ids[name] = id
        return id
    }

    func name(of id: UInt16) -> String { names[Int(id)] }
}
