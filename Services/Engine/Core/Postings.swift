/// Posting lists of one segment, stored flat: every term's documents live in one shared byte
/// stream, cut into blocks of `blockSize` documents. Per block we keep its last document (to skip
/// without decoding), its byte offsets, and the largest term frequency and smallest field length
/// in it (together they bound the block's BM25 score, for block-max pruning).
///
/// A block is `blockSize` × (varint doc delta << 1 | tf == 1, then varint tf if not 1); a document's positions are varint
/// deltas in a separate stream, in the same order, so queries without phrases never touch them.
final class Postings: Sendable {
    static let blockSize = 128

    /// Term ordinal → its first block; `termFirstBlock[t + 1]` ends it.
    let termFirstBlock: [UInt32]
    let termDocFreq: [UInt32]
    let blockLastDoc: [UInt32]
    let blockDocOffset: [UInt32]
    let blockPosOffset: [UInt32]
    let blockMaxTf: [UInt32]
    let blockMinLength: [UInt32]
    let docBytes: [UInt8]
    let positionBytes: [UInt8]
    /// Exact per-block score maxima of the terms searched so far (derived, not stored).
    let impacts = ImpactCache()

    init(termFirstBlock: [UInt32], termDocFreq: [UInt32], blockLastDoc: [UInt32], blockDocOffset: [UInt32],
         blockPosOffset: [UInt32], blockMaxTf: [UInt32], blockMinLength: [UInt32], docBytes: [UInt8],
         positionBytes: [UInt8]) {
        self.termFirstBlock = termFirstBlock
        self.termDocFreq = termDocFreq
        self.blockLastDoc = blockLastDoc
        self.blockDocOffset = blockDocOffset
        self.blockPosOffset = blockPosOffset
        self.blockMaxTf = blockMaxTf
        self.blockMinLength = blockMinLength
        self.docBytes = docBytes
        self.positionBytes = positionBytes
    }

    var memoryBytes: Int {
        docBytes.count + positionBytes.count + termFirstBlock.count * 4 + termDocFreq.count * 4
            + blockLastDoc.count * 20
    }
}

/// A byte buffer written through a raw pointer: `reserve` makes room for a worst case, then
/// writes cost no per-byte uniqueness or capacity checks (the hot loops of seal and merge).
///
/// Room is made without filling it, and `finish` hands the storage on without copying it, so
/// an encoding costs the memory it writes, not its worst case twice over: a reserved tail that
/// is never written (of a large array, one mapping of its own) is never made resident. Before,
/// the zero-filled reserve and the exact-size copy at the end made a merge of the whole index
/// briefly hold its postings and positions three times.
struct RawBytes {
    /// `storage[0..<count]` is written; the rest is room, uninitialised.
    private(set) var storage: [UInt8] = []
    private(set) var count = 0

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        let need = count + extra
        if need > storage.count { grow(to: max(need, storage.count * 2, 4096)) }
    }

    private mutating func grow(to size: Int) {
        let written = count
        storage = storage.withUnsafeBufferPointer { old in
            [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                if written > 0 { buffer.baseAddress!.update(from: old.baseAddress!, count: written) }
                // UInt8 is trivial: the unwritten room is never read before it is written.
                initialized = size
            }
        }
    }

    /// Runs `body` with a pointer at the end of the written bytes (room for what was reserved);
    /// `body` returns how many bytes it wrote.
    @inline(__always)
    mutating func write(_ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let start = count
        let written = storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
        count += written
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        write { out in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            return bytes.count
        }
    }

    /// Arrays at least this large are mappings of their own (`AllocatorTuning`): pages of their
    /// room that were never written take no memory, so they keep their room rather than be copied.
    static let mappedBytes = 1 << 20

    /// The written bytes, exactly. The storage itself when its unwritten room costs little (a
    /// quarter of what was written at most, or a large array's untouched pages); an exact copy
    /// otherwise (a small seal's worst-case reserve). Leaves the buffer empty.
    mutating func finish() -> [UInt8] {
        var bytes: [UInt8] = []
        swap(&bytes, &storage)
        let room = bytes.count - count
        count = 0
        if room == 0 { return bytes }
        if room <= (bytes.count - room) / 4 || bytes.count >= Self.mappedBytes {
            bytes.removeLast(room)  // unique here: trims in place, keeping the allocation
            return bytes
        }
        return Array(bytes[0..<(bytes.count - room)])
    }
}

@inline(__always)
func writeVarint(_ out: UnsafeMutablePointer<UInt8>, _ o: inout Int, _ value: UInt64) {
    var v = value
    while v >= 0x80 {
        out[o] = UInt8(truncatingIfNeeded: v) | 0x80
        o &+= 1
        v >>= 7
    }
    out[o] = UInt8(truncatingIfNeeded: v)
    o &+= 1
}

/// Reads what `writeVarint` wrote (32 bits at most).
@inline(__always)
func readVarint32(_ bytes: UnsafeBufferPointer<UInt8>, _ o: inout Int) -> UInt32 {
    var v: UInt32 = 0
    var shift: UInt32 = 0
    while true {
        let byte = bytes[o]; o &+= 1
        v |= UInt32(byte & 0x7f) << shift
        if byte < 0x80 { return v }
        shift += 7
    }
}

/// Builds a `Postings` one term at a time, in term-ordinal order.
struct PostingsEncoder {
    var termFirstBlock: [UInt32] = [0]
    var termDocFreq: [UInt32] = []
    var blockLastDoc: [UInt32] = []
    var blockDocOffset: [UInt32] = []
    var blockPosOffset: [UInt32] = []
    var blockMaxTf: [UInt32] = []
    var blockMinLength: [UInt32] = []
    var docs = RawBytes()
    var positions = RawBytes()

    /// Ends a block: records its last document and score bounds, and resets the bounds for the next.
    @inline(__always)
    mutating func closeBlock(lastDoc: UInt32, maxTf: inout UInt32, minLength: inout UInt32) {
        blockLastDoc.append(lastDoc)
        blockMaxTf.append(maxTf)
        blockMinLength.append(minLength)
        maxTf = 0
        minLength = .max
    }

    /// Adds the next term: ascending `docs`, their `tfs`, and all positions concatenated (`tfs[i]`
    /// ascending positions per document). `length(doc)` is the document's length in the term's field.
    mutating func addTerm(docs termDocs: [UInt32], tfs: [UInt32], positions termPositions: [UInt32],
                          length: (UInt32) -> UInt32) {
        let n = termDocs.count
        // Moved out of `self` so the closures below may append to the block arrays.
        var positions = RawBytes(), docs = RawBytes()
        swap(&positions, &self.positions)
        swap(&docs, &self.docs)
        defer {
            swap(&positions, &self.positions)
            swap(&docs, &self.docs)
        }
        positions.reserve(termPositions.count * 5)
        docs.reserve(n * 10)
        let posBase = positions.count, docBase = docs.count
        var posWritten = 0, docWritten = 0
        positions.write { pout in
            docs.write { dout in
                termDocs.withUnsafeBufferPointer { termDocs in
                    tfs.withUnsafeBufferPointer { tfs in
                        termPositions.withUnsafeBufferPointer { termPositions in
                            var p = 0
                            var prev: UInt32 = 0
                            var i = 0
                            while i < n {
                                let end = min(i + Postings.blockSize, n)
                                blockDocOffset.append(UInt32(docBase + docWritten))
                                blockPosOffset.append(UInt32(posBase + posWritten))
                                var maxTf: UInt32 = 0
                                var minLength = UInt32.max
                                for j in i..<end {
                                    let d = termDocs[j]
                                    let tf = tfs[j]
                                    Self.writeDoc(dout, &docWritten, delta: d &- prev, tf: tf)
                                    prev = d
                                    maxTf = max(maxTf, tf)
                                    minLength = min(minLength, length(d))
                                    var last: UInt32 = 0
                                    for _ in 0..<Int(tf) {
                                        let pos = termPositions[p]
                                        writeVarint(pout, &posWritten, UInt64(pos &- last))
                                        last = pos
                                        p += 1
                                    }
                                }
                                closeBlock(lastDoc: prev, maxTf: &maxTf, minLength: &minLength)
                                i = end
                            }
                        }
                    }
                }
                return docWritten
            }
            return posWritten
        }
        termDocFreq.append(UInt32(n))
        termFirstBlock.append(UInt32(blockLastDoc.count))
    }

    /// Most postings have tf 1: its flag rides in the low bit of the document delta, saving a
    /// byte per posting (Lucene's trick).
    @inline(__always)
    static func writeDoc(_ out: UnsafeMutablePointer<UInt8>, _ o: inout Int, delta: UInt32, tf: UInt32) {
        if tf == 1 {
            writeVarint(out, &o, UInt64(delta) << 1 | 1)
        } else {
            writeVarint(out, &o, UInt64(delta) << 1)
            writeVarint(out, &o, UInt64(tf))
        }
    }

    /// Reads one posting written by `writeDoc`: the document delta and its term frequency.
    @inline(__always)
    static func readDoc(_ bytes: UnsafeBufferPointer<UInt8>, _ o: inout Int) -> (delta: UInt32, tf: UInt32) {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[o]; o &+= 1
            v |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        let delta = UInt32(truncatingIfNeeded: v >> 1)
        return (delta, v & 1 == 1 ? 1 : readVarint32(bytes, &o))
    }

    mutating func finish() -> Postings {
        Postings(termFirstBlock: termFirstBlock, termDocFreq: termDocFreq, blockLastDoc: blockLastDoc,
                 blockDocOffset: blockDocOffset, blockPosOffset: blockPosOffset, blockMaxTf: blockMaxTf,
                 blockMinLength: blockMinLength, docBytes: docs.finish(), positionBytes: positions.finish())
    }
}
