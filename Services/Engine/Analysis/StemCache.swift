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
public final class StemCache {
    /// A dense id for an interned term or stem; valid for this cache only.
    public typealias TermID = Int32

    private var bytes: [UInt8] = []
    private var offsets: [Int32] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt32] = []
    private var strings: [String] = []
    /// Open addressing; each slot holds `TermID + 1`, 0 when empty.
    private var slots: [Int32]
    private var mask: Int
    /// Stem of each term per language (`Language.allCases` order), -1 when not yet computed.
    private var stems: [[TermID]]
    /// Scratch buffers of the analyzer, kept here so their capacity is reused between documents.
    private var scanner = TextScanner()
    private var assembler = TokenAssembler()

    public init(expectedTerms: Int = 1 << 14) {
        var capacity = 1024
        while capacity < expectedTerms * 2 { capacity <<= 1 }
        slots = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
        stems = Language.allCases.map { _ in [] }
        bytes.reserveCapacity(expectedTerms * 8)
    }

    /// Number of distinct strings (terms and stems) interned so far.
    public var count: Int { offsets.count }

    /// The string of an id.
    public func string(_ id: TermID) -> String { strings[Int(id)] }

    /// The id of `term` (folded, as the analyzer produces it), interning it if new.
    public func intern(_ term: String) -> TermID {
        var term = term
        return term.withUTF8 { intern($0) }
    }

    /// The id of the UTF-8 bytes `term`, interning them if new.
    public func intern(_ term: UnsafeBufferPointer<UInt8>) -> TermID {
        let hash = Self.hash(term)
        var slot = Int(hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == hash, Int(lengths[id]) == term.count, equals(id, term) {
                return TermID(id)
            }
            slot = (slot + 1) & mask
        }
        let id = offsets.count
        offsets.append(Int32(bytes.count))
        lengths.append(Int32(term.count))
        hashes.append(hash)
        bytes.append(contentsOf: term)
        strings.append(String(decoding: term, as: UTF8.self))
        for index in stems.indices { stems[index].append(-1) }
        slots[slot] = Int32(id + 1)
        if offsets.count * 2 > slots.count { grow() }
        return TermID(id)
    }

    /// The stem of term `id` in `language`, computed on first request.
    public func stem(of id: TermID, language: Language) -> TermID {
        let languageIndex = language.cacheIndex
        let cached = stems[languageIndex][Int(id)]
        if cached >= 0 { return cached }
        let term = strings[Int(id)]
        let stemmed = Stemming.stem(term, language: language)
        let stemID = stemmed == term ? id : intern(stemmed)
        stems[languageIndex][Int(id)] = stemID
        return stemID
    }

    /// Forgets everything; earlier ids become meaningless.
    public func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
        for index in stems.indices { stems[index].removeAll(keepingCapacity: true) }
        for index in slots.indices { slots[index] = 0 }
    }

    func takeScanner() -> TextScanner {
        defer { scanner = TextScanner() }
        return scanner
    }

    func takeAssembler() -> TokenAssembler {
        defer { assembler = TokenAssembler() }
        return assembler
    }

    func giveBack(_ scanner: TextScanner, _ assembler: TokenAssembler) {
        self.scanner = scanner
        self.assembler = assembler
    }

    private func equals(_ id: Int, _ term: UnsafeBufferPointer<UInt8>) -> Bool {
        let offset = Int(offsets[id])
        return bytes.withUnsafeBufferPointer { stored in
            var i = 0
            while i < term.count {
                if stored[offset + i] != term[i] { return false }
                i += 1
            }
            return true
        }
    }

    private func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
        for id in 0..<offsets.count {
            var slot = Int(hashes[id]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id + 1)
        }
    }

    /// FNV-1a over the bytes, then a final mix so that the low bits (the slot) depend on all of them.
    @inline(__always)
    static func hash(_ term: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in term {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
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
