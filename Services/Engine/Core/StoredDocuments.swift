import TidendeModels

/// A segment's original documents as compact JSON text, each compressed on its own (raw
/// deflate, level 1), so fetching one hit inflates only that document, and a hit can be sent
/// on as the very bytes stored, with no decoding or re-encoding.
///
/// The compressed bytes live in chunks: a merge keeps its sources' large chunks (shared, not
/// copied) and copies only small or mostly deleted ones, so merging costs neither the time nor
/// the transient memory of copying every stored document.
final class StoredDocuments: Sendable {
    let chunks: [[UInt8]]
    /// Document `d` is `chunks[chunkOf[d]][starts[d] ..< ends[d]]`.
    let chunkOf: [UInt32]
    let starts: [UInt32]
    let ends: [UInt32]
    let originalSizes: [UInt32]

    init(chunks: [[UInt8]], chunkOf: [UInt32], starts: [UInt32], ends: [UInt32], originalSizes: [UInt32]) {
        self.chunks = chunks
        self.chunkOf = chunkOf
        self.starts = starts
        self.ends = ends
        self.originalSizes = originalSizes
    }

    /// One chunk: `offsets[d] ..< offsets[d + 1]` of `bytes` is document `d`.
    convenience init(bytes: [UInt8], offsets: [UInt32], originalSizes: [UInt32]) {
        self.init(chunks: [bytes], chunkOf: [UInt32](repeating: 0, count: max(offsets.count - 1, 0)),
                  starts: Array(offsets.dropLast()), ends: Array(offsets.dropFirst()), originalSizes: originalSizes)
    }

    var count: Int { originalSizes.count }

    /// Every document's range lies in its chunk (a check for data read from a file).
    var isConsistent: Bool {
        guard chunkOf.count == count, starts.count == count, ends.count == count else { return false }
        for d in 0..<count {
            let c = Int(chunkOf[d])
            guard c < chunks.count, starts[d] <= ends[d], Int(ends[d]) <= chunks[c].count else { return false }
        }
        return true
    }

    /// The stored JSON text of document `d`.
    func json(_ d: Int, decompressor: Decompressor = Decompressor()) throws(EngineError) -> [UInt8] {
        let result: Result<[UInt8], EngineError> = chunks[Int(chunkOf[d])].withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(rebasing: all[Int(starts[d])..<Int(ends[d])])
            do throws(EngineError) {
                return .success(try decompressor.decompress(slice, originalSize: Int(originalSizes[d])))
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

    var memoryBytes: Int { chunks.reduce(0) { $0 + $1.count } + count * 16 }

    /// The documents' compressed bytes, end to end: what a snapshot writes.
    var documentBytes: Int { (0..<count).reduce(0) { $0 + Int(ends[$1] - starts[$1]) } }

    /// Offsets of the documents in `documentBytes` (one more than there are documents).
    var flatOffsets: [UInt32] {
        var out: [UInt32] = [0]
        out.reserveCapacity(count + 1)
        var at: UInt32 = 0
        for d in 0..<count {
            at += ends[d] - starts[d]
            out.append(at)
        }
        return out
    }

    /// Calls `body` with the documents' bytes in order, adjacent documents of a chunk together.
    func forEachRun(_ body: (UnsafeRawBufferPointer) throws(EngineError) -> Void) throws(EngineError) {
        var d = 0
        while d < count {
            let c = chunkOf[d]
            var e = d + 1
            while e < count && chunkOf[e] == c && starts[e] == ends[e - 1] { e += 1 }
            let range = Int(starts[d])..<Int(ends[e - 1])
            let result: Result<Void, EngineError> = chunks[Int(c)].withUnsafeBytes { raw in
                do throws(EngineError) { try body(UnsafeRawBufferPointer(rebasing: raw[range])); return .success(()) } catch { return .failure(error) }
            }
            try result.get()
            d = e
        }
    }

    /// Chunks at least this big are shared by a merge when at least half of their bytes are live.
    static let shareableChunkBytes = 1 << 20
    /// Copied documents are gathered into chunks of about this size.
    static let copiedChunkBytes = 4 << 20

    /// The live documents of `sources`, in order: large, mostly live chunks are shared with the
    /// sources; the other documents are copied (dropping deleted ones reclaims their space).
    static func merged(_ sources: [SegmentView]) -> StoredDocuments {
        var chunks: [[UInt8]] = []
        var chunkOf: [UInt32] = [], starts: [UInt32] = [], ends: [UInt32] = [], sizes: [UInt32] = []
        let live = sources.reduce(0) { $0 + $1.liveCount }
        chunkOf.reserveCapacity(live)
        starts.reserveCapacity(live)
        ends.reserveCapacity(live)
        sizes.reserveCapacity(live)
        var pending: [UInt8] = []
        func flushPending() {
            if pending.isEmpty { return }
            chunks.append(pending)
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
                    }
                    chunkOf.append(UInt32(mapped[c]))
                    starts.append(s.starts[d])
                    ends.append(s.ends[d])
                } else {
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
        return StoredDocuments(chunks: chunks, chunkOf: chunkOf, starts: starts, ends: ends, originalSizes: sizes)
    }
}

/// Accumulates compressed documents.
struct StoredDocumentsBuilder {
    var bytes: [UInt8] = []
    var offsets: [UInt32] = [0]
    var originalSizes: [UInt32] = []

    mutating func add(compressed: some Collection<UInt8>, originalSize: Int) {
        bytes.append(contentsOf: compressed)
        offsets.append(UInt32(bytes.count))
        originalSizes.append(UInt32(originalSize))
    }

    func build() -> StoredDocuments {
        StoredDocuments(bytes: bytes, offsets: offsets, originalSizes: originalSizes)
    }
}
