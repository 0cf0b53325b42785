import Synchronization

/// Interned terms and their stems, owned by one indexer (or one query) at a time.
///
/// Every distinct term (folded UTF-8 bytes) gets a dense `TermID`, assigned in first-seen
/// order; stems are interned in the same table, so a stem is a `TermID` too. Each term's stem
/// is computed once per language, the first time it is asked for, and remembered: on a warm
/// cache analysing a word costs one hash lookup and no allocation.
///
/// Not `Sendable` and not locked, on purpose: the indexer owns one and passes it in, and a
/// reader thread can make its own. Memory grows with the vocabulary (roughly 60 bytes plus the
/// term's length per distinct term); `removeAll()` starts afresh, invalidating all ids.
///
/// A cache made with `shared: true` also records its strings in a `TermLog` other threads may
/// read: ids handed to another thread (an analysed document passed to the index writer) can
/// be turned back into strings there, without touching the cache itself.
public final class StemCache {
    /// A dense id for an interned term or stem; valid for this cache only.
    public typealias TermID = Int32

    /// All state in one struct, so each call pays one exclusivity check, not one per field.
    private var table: TermTable
    /// Scratch buffers of the analyzer, kept here so their capacity is reused between documents.
    let scanner = TextScanner()
    var assembler = TokenAssembler()

    /// Every string interned so far, readable from any thread (only with `shared: true`).
    public let log: TermLog?

    public init(expectedTerms: Int = 1 << 14, shared: Bool = false) {
        log = shared ? TermLog() : nil
        table = TermTable(expectedTerms: expectedTerms, log: log)
    }

    /// Number of distinct strings (terms and stems) interned so far.
    public var count: Int { table.strings.count }

    /// The string of an id.
    public func string(_ id: TermID) -> String { table.strings[Int(id)] }

    /// The id of `term` (folded, as the analyzer produces it), interning it if new.
    public func intern(_ term: String) -> TermID {
        var term = term
        return term.withUTF8 { table.intern($0) }
    }

    /// The id of the UTF-8 bytes `term`, interning them if new.
    public func intern(_ term: UnsafeBufferPointer<UInt8>) -> TermID {
        table.intern(term)
    }

    /// The stem of term `id` in `language`, computed on first request.
    public func stem(of id: TermID, language: Language) -> TermID {
        table.stem(of: id, language: language)
    }

    /// Term and stem ids of `term` in one step (the analyzer's inner loop).
    @inline(__always)
    func termAndStem(_ term: UnsafeBufferPointer<UInt8>, language: Language) -> (TermID, TermID) {
        table.termAndStem(term, language: language)
    }

    /// Forgets everything; earlier ids become meaningless.
    public func removeAll() {
        precondition(log == nil, "a shared cache's ids must stay valid")
        table = TermTable(expectedTerms: 1024, log: nil)
        generation += 1
    }

    /// Counts `removeAll()` calls: whatever was derived from the ids (an order of the strings)
    /// is stale when this changed.
    public private(set) var generation = 0
}

/// The hash table behind `StemCache`: open addressing over an arena of term bytes.
///
/// Laid out for one cache miss per look-up, since a large vocabulary does not fit in cache: a
/// 32-byte slot holds the hash, the id, both stems and, for terms of up to 16 bytes (nearly
/// all words), the term's bytes themselves, so finding a word and its stem reads one slot.
/// Longer terms are compared in the byte arena.
struct TermTable {
    typealias TermID = StemCache.TermID

    private struct Slot {
        /// `tag << 32 | (TermID + 1)`, 0 when empty; the tag is the hash's high 24 bits and the
        /// term's length (capped at 255).
        var key: UInt64 = 0
        /// Stem ids + 1 in Danish and English, 0 until computed (a fresh table is all zeros).
        var stemDA: TermID = 0
        var stemEN: TermID = 0
        /// The term's first 16 bytes, zero-padded (all of it when `length <= 16`).
        var head0: UInt64 = 0
        var head1: UInt64 = 0
    }

    private struct Record {
        var offset: Int32
        var length: Int32
        /// Where the term's slot is (slots move when the table grows).
        var slot: Int32
    }

    private var bytes: [UInt8] = []
    private var records: [Record] = []
    private(set) var strings: [String] = []
    /// A copy of `strings` other threads can read, when the cache is shared.
    private let log: TermLog?
    /// Zero-filled, in huge pages when large: probing it is most of a warm look-up's cost.
    private var slots: ZeroedTable<Slot>
    private var mask: Int

    init(expectedTerms: Int, log: TermLog?) {
        self.log = log
        var capacity = 64
        while capacity < expectedTerms * 2 { capacity <<= 1 }
        slots = ZeroedTable(count: capacity)
        mask = capacity - 1
        bytes.reserveCapacity(expectedTerms * 8)
    }

    @inline(__always)
    mutating func termAndStem(_ term: UnsafeBufferPointer<UInt8>, language: Language) -> (TermID, TermID) {
        let digest = Self.digest(term)
        let (id, slot) = find(term, digest, Self.tag(digest.hash, term.count))
        let cached = language == .da ? slots[slot].stemDA : slots[slot].stemEN
        if cached > 0 { return (id, cached - 1) }
        return (id, stem(of: id, language: language))
    }

    mutating func intern(_ term: UnsafeBufferPointer<UInt8>) -> TermID {
        let digest = Self.digest(term)
        return find(term, digest, Self.tag(digest.hash, term.count)).id
    }

    /// A slot's key tag: the hash's high 24 bits and the term's length (capped at 255); never 0
    /// for a term of at least one byte.
    @inline(__always)
    private static func tag(_ hash: UInt32, _ count: Int) -> UInt64 {
        UInt64(hash & 0xFFFF_FF00 | UInt32(min(count, 255))) << 32
    }

    /// The id and slot of `term`, inserting it if new.
    @inline(__always)
    private mutating func find(_ term: UnsafeBufferPointer<UInt8>, _ digest: (hash: UInt32, head0: UInt64, head1: UInt64),
                               _ tag: UInt64) -> (id: TermID, slot: Int) {
        let (hash, head0, head1) = digest
        let short = term.count <= 16
        let found: Int
        do {
            let slots = slots.base
            var slot = Int(hash) & mask
            while true {
                let entry = slots[slot].key
                if entry == 0 { found = -slot - 1; break }
                if entry & 0xFFFF_FFFF_0000_0000 == tag, slots[slot].head0 == head0, slots[slot].head1 == head1,
                   short || sameBytes(Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1, term) {
                    found = slot
                    break
                }
                slot = (slot &+ 1) & mask
            }
        }
        if found >= 0 { return (TermID(truncatingIfNeeded: slots[found].key & 0xFFFF_FFFF) - 1, found) }
        var slot = -found - 1
        let id = records.count
        records.append(Record(offset: Int32(bytes.count), length: Int32(term.count), slot: Int32(slot)))
        bytes.append(contentsOf: term)
        let string = String(decoding: term, as: UTF8.self)
        strings.append(string)
        log?.append(string)
        slots[slot] = Slot(key: tag | UInt64(id + 1), head0: head0, head1: head1)
        if records.count * 2 > slots.count {
            grow()
            slot = Int(records[id].slot)
        }
        return (TermID(id), slot)
    }

    private func sameBytes(_ id: Int, _ term: UnsafeBufferPointer<UInt8>) -> Bool {
        let record = records[id]
        guard Int(record.length) == term.count else { return false }
        return bytes.withUnsafeBufferPointer { stored in
            let offset = Int(record.offset)
            var i = 0
            while i < term.count, stored[offset &+ i] == term[i] { i += 1 }
            return i == term.count
        }
    }

    mutating func stem(of id: TermID, language: Language) -> TermID {
        let slot = Int(records[Int(id)].slot)
        let cached = language == .da ? slots[slot].stemDA : slots[slot].stemEN
        if cached > 0 { return cached - 1 }
        let term = strings[Int(id)]
        var stemmed = Stemming.stem(term, language: language)
        // Interning the stem may grow the table and move the term's slot.
        let stemID = stemmed == term ? id : stemmed.withUTF8 { intern($0) }
        let now = Int(records[Int(id)].slot)
        switch language {
        case .da: slots[now].stemDA = stemID + 1
        case .en: slots[now].stemEN = stemID + 1
        }
        return stemID
    }

    private mutating func grow() {
        let old = slots
        let capacity = slots.count * 2
        slots = ZeroedTable(count: capacity)
        mask = capacity - 1
        for i in 0..<old.count {
            let entry = old[i]
            guard entry.key != 0 else { continue }
            let id = Int(truncatingIfNeeded: entry.key & 0xFFFF_FFFF) - 1
            // The slot index comes from the hash's low bits, which the tag does not keep.
            var slot = Int(hashOf(id)) & mask
            while slots[slot].key != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
            records[id].slot = Int32(slot)
        }
    }

    private func hashOf(_ id: Int) -> UInt32 {
        let record = records[id]
        return bytes.withUnsafeBufferPointer { all in
            Self.digest(UnsafeBufferPointer(rebasing: all[Int(record.offset)..<Int(record.offset) + Int(record.length)])).hash
        }
    }

    /// The term's hash (the slot is its low bits, so they depend on every byte) and its first
    /// 16 bytes, packed little-endian and zero-padded. Reads the bytes eight at a time: a word
    /// costs two or three multiplications, not one per byte.
    @inline(__always)
    static func digest(_ term: UnsafeBufferPointer<UInt8>) -> (hash: UInt32, head0: UInt64, head1: UInt64) {
        let n = term.count
        guard let start = term.baseAddress, n > 0 else { return (0, 0, 0) }
        let raw = UnsafeRawPointer(start)
        let head0 = word(raw, 0, min(n, 8))
        let head1 = n > 8 ? word(raw, 8, min(n - 8, 8)) : 0
        var h = (head0 ^ 0x9E37_79B9_7F4A_7C15) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 31) ^ head1) &* 0x94d0_49bb_1331_11eb
        var offset = 16
        while offset < n {
            h = (h ^ (h >> 31) ^ word(raw, offset, min(n - offset, 8))) &* 0xbf58_476d_1ce4_e5b9
            offset += 8
        }
        h ^= UInt64(n)
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return (UInt32(truncatingIfNeeded: h), head0, head1)
    }

    /// `count` (1...8) bytes at `offset` as a little-endian integer, zero-padded; never reads
    /// outside them.
    @inline(__always)
    private static func word(_ raw: UnsafeRawPointer, _ offset: Int, _ count: Int) -> UInt64 {
        let p = raw + offset
        if count == 8 { return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }
        if count >= 4 {
            // Two overlapping 4-byte reads cover 4...7 bytes; the overlap holds the same bytes.
            let low = UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            return low | high << UInt64(8 * (count - 4))
        }
        var value = UInt64(p.load(as: UInt8.self))
        if count > 1 { value |= UInt64(p.load(fromByteOffset: 1, as: UInt8.self)) << 8 }
        if count > 2 { value |= UInt64(p.load(fromByteOffset: 2, as: UInt8.self)) << 16 }
        return value
    }
}

/// The strings of a shared `StemCache`, by id, for other threads: the owner appends under a
/// lock (once per new string, so rarely once the vocabulary is warm); a reader may ask for any
/// id it was handed.
public final class TermLog: Sendable {
    private let strings = Mutex<[String]>([])

    init() {}

    func append(_ string: String) {
        strings.withLock { $0.append(string) }
    }

    /// The string of `id`, an id the owning cache handed out.
    public func string(_ id: StemCache.TermID) -> String {
        strings.withLock { $0[Int(id)] }
    }
}

extension Language {
    /// Index of the language in per-language tables.
    var cacheIndex: Int {
        switch self {
        case .da: 0
        case .en: 1
        }
    }
}
