import TidendeModels

/// A segment's original documents as compact JSON text, each compressed on its own (raw
/// deflate, level 1), so fetching one hit inflates only that document, and a hit can be sent
/// on as the very bytes stored, with no decoding or re-encoding.
///
/// The compressed bytes live in chunks: a merge keeps its sources' large chunks (shared, not
/// copied) and copies only small or mostly deleted ones, so merging costs neither the time nor
/// the transient memory of copying every stored document.
///
/// Documents may be compressed with a trained dictionary (`StoredDictionary`); each chunk holds
/// documents of one dictionary (or none).
final class StoredDocuments: Sendable {
    let chunks: [[UInt8]]
    /// Per chunk: the dictionary its documents were compressed with.
    let dictionaries: [StoredDictionary?]
    /// Document `d` is `chunks[chunkOf[d]][starts[d] ..< ends[d]]`.
    let chunkOf: [UInt32]
    let starts: [UInt32]
    let ends: [UInt32]
    let originalSizes: [UInt32]

    init(chunks: [[UInt8]], dictionaries: [StoredDictionary?], chunkOf: [UInt32], starts: [UInt32], ends: [UInt32],
         originalSizes: [UInt32]) {
        self.chunks = chunks
        self.dictionaries = dictionaries
        self.chunkOf = chunkOf
        self.starts = starts
        self.ends = ends
        self.originalSizes = originalSizes
    }

    /// One chunk: `offsets[d] ..< offsets[d + 1]` of `bytes` is document `d`.
    convenience init(bytes: [UInt8], offsets: [UInt32], originalSizes: [UInt32]) {
        self.init(chunks: [bytes], dictionaries: [nil], chunkOf: [UInt32](repeating: 0, count: max(offsets.count - 1, 0)),
                  starts: Array(offsets.dropLast()), ends: Array(offsets.dropFirst()), originalSizes: originalSizes)
    }

    var count: Int { originalSizes.count }

    /// Every document's range lies in its chunk (a check for data read from a file).
    var isConsistent: Bool {
        guard chunkOf.count == count, starts.count == count, ends.count == count,
              dictionaries.count == chunks.count else { return false }
        for d in 0..<count {
            let c = Int(chunkOf[d])
            guard c < chunks.count, starts[d] <= ends[d], Int(ends[d]) <= chunks[c].count else { return false }
        }
        return true
    }

    /// The stored JSON text of document `d`.
    func json(_ d: Int, decompressor: Decompressor = Decompressor()) throws(EngineError) -> [UInt8] {
        let c = Int(chunkOf[d])
        let result: Result<[UInt8], EngineError> = chunks[c].withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(rebasing: all[Int(starts[d])..<Int(ends[d])])
            do throws(EngineError) {
                return .success(try decompressor.decompress(slice, originalSize: Int(originalSizes[d]),
                                                            dictionary: dictionaries[c]))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Document `d`, parsed.
    func document(_ d: Int, decompressor: Decompressor = Decompressor()) throws(EngineError) -> JSONValue {
        let text = try json(d, decompressor: decompressor)
        do {
            return try JSONValue.parse(text)
        } catch {
            throw .corrupt("stored document \(d) is not valid JSON: \(error)")
        }
    }

    func compressed(_ d: Int) -> ArraySlice<UInt8> { chunks[Int(chunkOf[d])][Int(starts[d])..<Int(ends[d])] }

    /// The dictionary document `d` was compressed with.
    func dictionary(_ d: Int) -> StoredDictionary? { dictionaries[Int(chunkOf[d])] }

    var memoryBytes: Int {
        var seen = Set<ObjectIdentifier>()
        let dictionaryBytes = dictionaries.reduce(0) { sum, d in
            guard let d, seen.insert(ObjectIdentifier(d)).inserted else { return sum }
            return sum + d.bytes.count
        }
        return chunks.reduce(0) { $0 + $1.count } + count * 16 + dictionaryBytes
    }

    /// The documents' compressed bytes, end to end.
    var documentBytes: Int { lengths.reduce(0) { $0 + Int($1) } }

    /// Offsets of the documents in `documentBytes` (one more than there are documents).
    var flatOffsets: [UInt32] { lengths.reduce(into: [0]) { $0.append($0.last! + $1) } }

    /// Calls `body` with the bytes of the documents `include` accepts (all by default), in
    /// order, adjacent documents of a chunk together.
    func forEachRun(including include: (Int) -> Bool = { _ in true },
                    _ body: (UnsafeRawBufferPointer) throws(EngineError) -> Void) throws(EngineError) {
        var d = 0
        while d < count {
            guard include(d) else { d += 1; continue }
            let c = chunkOf[d]
            var last = d, e = d + 1
            while e < count {
                if !include(e) { e += 1; continue }
                guard chunkOf[e] == c && starts[e] == ends[last] else { break }
                last = e
                e += 1
            }
            let range = Int(starts[d])..<Int(ends[last])
            let result: Result<Void, EngineError> = chunks[Int(c)].withUnsafeBytes { raw in
                do throws(EngineError) { try body(UnsafeRawBufferPointer(rebasing: raw[range])); return .success(()) } catch { return .failure(error) }
            }
            try result.get()
            d = e
        }
    }

    /// For a snapshot: the distinct dictionaries, and per document its group (0: no dictionary,
    /// k: `dictionaries[k - 1]`).
    func groups() -> (dictionaries: [StoredDictionary], docGroup: [UInt16]) {
        var list: [StoredDictionary] = []
        var groupOf: [ObjectIdentifier: UInt16] = [:]
        let chunkGroup = dictionaries.map { d -> UInt16 in
            guard let d else { return 0 }
            if let g = groupOf[ObjectIdentifier(d)] { return g }
            list.append(d)
            groupOf[ObjectIdentifier(d)] = UInt16(list.count)
            return UInt16(list.count)
        }
        return (list, chunkOf.map { chunkGroup[Int($0)] })
    }

    /// Each document's compressed length.
    var lengths: [UInt32] { (0..<count).map { ends[$0] - starts[$0] } }

    /// What `groups` and the group's bytes (its documents' end to end, in order) describe, or nil
    /// if they disagree.
    static func restore(dictionaries: [StoredDictionary], docGroup: [UInt16], groupBytes: [[UInt8]],
                        lengths: [UInt32], originalSizes: [UInt32]) -> StoredDocuments? {
        let n = originalSizes.count
        guard docGroup.count == n, lengths.count == n, groupBytes.count == dictionaries.count + 1 else { return nil }
        var at = [Int](repeating: 0, count: groupBytes.count)
        var starts: [UInt32] = [], ends: [UInt32] = []
        starts.reserveCapacity(n)
        ends.reserveCapacity(n)
        for d in 0..<n {
            let g = Int(docGroup[d])
            guard g < groupBytes.count else { return nil }
            starts.append(UInt32(at[g]))
            at[g] += Int(lengths[d])
            guard at[g] <= groupBytes[g].count else { return nil }
            ends.append(UInt32(at[g]))
        }
        guard zip(at, groupBytes).allSatisfy({ $0 == $1.count }) else { return nil }
        return StoredDocuments(chunks: groupBytes, dictionaries: [nil] + dictionaries, chunkOf: docGroup.map(UInt32.init),
                               starts: starts, ends: ends, originalSizes: originalSizes)
    }

    /// Chunks at least this big are shared by a merge when at least half of their bytes are live.
    static let shareableChunkBytes = 1 << 20
    /// Copied documents are gathered into chunks of about this size.
    static let copiedChunkBytes = 4 << 20

    /// The live documents of `sources`, in order: large, mostly live chunks are shared with the
    /// sources; the other documents are copied (dropping deleted ones reclaims their space).
    static func merged(_ sources: [SegmentView]) -> StoredDocuments {
        var chunks: [[UInt8]] = []
        var dictionaries: [StoredDictionary?] = []
        var chunkOf: [UInt32] = [], starts: [UInt32] = [], ends: [UInt32] = [], sizes: [UInt32] = []
        let live = sources.reduce(0) { $0 + $1.liveCount }
        chunkOf.reserveCapacity(live)
        starts.reserveCapacity(live)
        ends.reserveCapacity(live)
        sizes.reserveCapacity(live)
        var pending: [UInt8] = []
        var pendingDictionary: StoredDictionary?
        func flushPending() {
            if pending.isEmpty { return }
            chunks.append(pending)
            dictionaries.append(pendingDictionary)
            pending = []
        }
        for sv in sources {
            let s = sv.segment.stored
            var liveBytes = [Int](repeating: 0, count: s.chunks.count)
            for d in 0..<s.count where !sv.deletions.contains(d) { liveBytes[Int(s.chunkOf[d])] += Int(s.ends[d] - s.starts[d]) }
            var mapped = [Int](repeating: -1, count: s.chunks.count)
            let shared = s.chunks.indices.map { s.chunks[$0].count >= shareableChunkBytes && liveBytes[$0] * 2 >= s.chunks[$0].count }
            for d in 0..<s.count where !sv.deletions.contains(d) {
                let c = Int(s.chunkOf[d])
                if shared[c] {
                    if mapped[c] < 0 {
                        flushPending()
                        mapped[c] = chunks.count
                        chunks.append(s.chunks[c])
                        dictionaries.append(s.dictionaries[c])
                    }
                    chunkOf.append(UInt32(mapped[c]))
                    starts.append(s.starts[d])
                    ends.append(s.ends[d])
                } else {
                    // A chunk holds documents of one dictionary.
                    if s.dictionaries[c] !== pendingDictionary { flushPending() }
                    pendingDictionary = s.dictionaries[c]
                    if pending.isEmpty { pending.reserveCapacity(copiedChunkBytes + (1 << 16)) }
                    chunkOf.append(UInt32(chunks.count))
                    starts.append(UInt32(pending.count))
                    pending.append(contentsOf: s.compressed(d))
                    ends.append(UInt32(pending.count))
                    if pending.count >= copiedChunkBytes { flushPending() }
                }
                sizes.append(s.originalSizes[d])
            }
        }
        flushPending()
        return StoredDocuments(chunks: chunks, dictionaries: dictionaries, chunkOf: chunkOf, starts: starts, ends: ends,
                               originalSizes: sizes)
    }
}

/// Accumulates compressed documents.
struct StoredDocumentsBuilder {
    private var chunks: [[UInt8]] = []
    private var dictionaries: [StoredDictionary?] = []
    private var current: [UInt8] = []
    private var currentDictionary: StoredDictionary?
    private var chunkOf: [UInt32] = [], starts: [UInt32] = [], ends: [UInt32] = []
    private(set) var originalSizes: [UInt32] = []

    /// Adds the next document, compressed with `dictionary` (a change of dictionary starts a chunk).
    mutating func add(compressed: some Collection<UInt8>, originalSize: Int, dictionary: StoredDictionary?) {
        if dictionary !== currentDictionary && !current.isEmpty { closeChunk() }
        currentDictionary = dictionary
        chunkOf.append(UInt32(chunks.count))
        starts.append(UInt32(current.count))
        current.append(contentsOf: compressed)
        ends.append(UInt32(current.count))
        originalSizes.append(UInt32(originalSize))
    }

    private mutating func closeChunk() {
        chunks.append(current)
        dictionaries.append(currentDictionary)
        current = []
    }

    /// Document `d`'s compressed bytes.
    func compressed(_ d: Int) -> ArraySlice<UInt8> {
        let c = Int(chunkOf[d])
        return (c == chunks.count ? current : chunks[c])[Int(starts[d])..<Int(ends[d])]
    }

    func dictionary(_ d: Int) -> StoredDictionary? {
        let c = Int(chunkOf[d])
        return c == chunks.count ? currentDictionary : dictionaries[c]
    }

    func build() -> StoredDocuments {
        var all = self
        if !all.current.isEmpty { all.closeChunk() }
        return StoredDocuments(chunks: all.chunks, dictionaries: all.dictionaries, chunkOf: all.chunkOf,
                               starts: all.starts, ends: all.ends, originalSizes: all.originalSizes)
    }
}
