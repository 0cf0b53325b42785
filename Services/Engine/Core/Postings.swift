/// Posting lists of one segment, stored flat: every term's documents live in one shared byte
/// stream, cut into blocks of `blockSize` documents. Per block we keep its last document (to skip
/// without decoding), its byte offsets, and the largest term frequency and smallest field length
/// in it (together they bound the block's BM25 score, for block-max pruning).
///
/// A block of n postings (`BitPacking`, format of snapshot version 6):
///
/// ```
/// documents: varint first-doc delta | docBits:u8 | tfBits:u8 | n-1 doc deltas × docBits | n (tf-1) × tfBits
/// positions: posBits:u8 | Σtf position deltas × posBits (zigzag; each document's from 0)
/// ```
///
/// The first document is a delta from the previous block's last (from 0 in a term's first
/// block), so the fixed width of the others is not set by it. Positions are a stream of their
/// own, so queries without phrases never touch them; within a block a document's positions start
/// at the sum of the term frequencies before it, found without decoding theirs. Both streams end
/// with `BitPacking.padding` zero bytes.
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
    let impacts: ImpactCache

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
        impacts = ImpactCache(blocks: blockLastDoc.count)
    }

    /// The document part of a block up to its packed runs: the first document's delta from the
    /// previous block's last, the two widths, and where the packed runs start.
    struct BlockHead {
        var firstDelta: UInt32
        var docBits: Int
        var tfBits: Int
        /// Offset of the packed document deltas; the term frequencies follow them.
        var packed: Int

        /// Offset of the packed term frequencies of a block of `count` postings.
        func tfs(count: Int) -> Int { packed + BitPacking.bytes(count: count - 1, bits: docBits) }
        /// Offset just past a block of `count` postings.
        func end(count: Int) -> Int { tfs(count: count) + BitPacking.bytes(count: count, bits: tfBits) }
    }

    /// Reads the head of the block whose document part starts at `start` in `docBytes`.
    @inline(__always)
    static func head(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> BlockHead {
        var o = start
        let first = readVarint32(bytes, &o)
        return BlockHead(firstDelta: first, docBits: Int(bytes[o]), tfBits: Int(bytes[o + 1]), packed: o + 2)
    }

    /// Where block `b`'s document part ends: at the next block's, or at the padding.
    func docEnd(ofBlock b: Int) -> Int {
        b + 1 < blockDocOffset.count ? Int(blockDocOffset[b + 1]) : docBytes.count - BitPacking.padding
    }

    /// Where block `b`'s positions end: at the next block's, or at the padding.
    func positionEnd(ofBlock b: Int) -> Int {
        b + 1 < blockPosOffset.count ? Int(blockPosOffset[b + 1]) : positionBytes.count - BitPacking.padding
    }

    /// Why these postings cannot be read safely, or nil: the tables agree with each other and
    /// every block decodes within its stream, to documents below `docCount` ending at its recorded
    /// last document. A snapshot is checked with this before it is used (its checksum keeps out
    /// files we did not write, not files a faulty build wrote). One pass over every block.
    func inconsistency(docCount: Int) -> String? {
        let blocks = blockLastDoc.count
        guard blockDocOffset.count == blocks, blockPosOffset.count == blocks, blockMaxTf.count == blocks,
              blockMinLength.count == blocks, termDocFreq.count + 1 == termFirstBlock.count,
              termFirstBlock.first == 0, termFirstBlock.last == UInt32(blocks),
              docBytes.count >= BitPacking.padding, positionBytes.count >= BitPacking.padding
        else { return "posting tables disagree in length" }
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
        defer { values.deallocate() }
        return docBytes.withUnsafeBufferPointer { bytes -> String? in
            positionBytes.withUnsafeBufferPointer { pbytes -> String? in
                for t in 0..<termDocFreq.count {
                    let first = Int(termFirstBlock[t]), end = Int(termFirstBlock[t + 1])
                    let df = Int(termDocFreq[t])
                    guard df > 0, end <= blocks, end - first == (df + Postings.blockSize - 1) / Postings.blockSize else {
                        return "term \(t) has \(end - first) blocks for \(df) documents"
                    }
                    var previous: UInt32 = 0
                    for b in first..<end {
                        let n = b < end - 1 ? Postings.blockSize : df - (b - first) * Postings.blockSize
                        // The document part: a varint, two widths, two packed runs, up to the next block.
                        let start = Int(blockDocOffset[b]), next = docEnd(ofBlock: b)
                        // Past the stream's end lie the padding's zero bytes: reading them is safe
                        // (a varint ends there at the latest), and a block that reaches into them
                        // fails the size check below.
                        guard start < next, next <= docBytes.count - BitPacking.padding else {
                            return "block \(b) starts past its stream"
                        }
                        let head = Self.head(bytes, at: start)
                        guard head.packed - 2 - start <= 5 else { return "block \(b) has no first document" }
                        guard head.docBits <= 32, head.tfBits <= 32, head.end(count: n) == next
                        else { return "block \(b) does not fit its bytes" }
                        let base = UnsafeRawPointer(bytes.baseAddress!)
                        BitPacking.unpack(base + head.packed, bitOffset: 0, count: n - 1, bits: head.docBits, into: values)
                        var doc = UInt64(previous) + UInt64(head.firstDelta)
                        for k in 0..<(n - 1) { doc += UInt64(values[k]) }
                        guard doc == UInt64(blockLastDoc[b]), doc < UInt64(docCount) else {
                            return "block \(b) ends at document \(doc), recorded \(blockLastDoc[b]) of \(docCount)"
                        }
                        previous = blockLastDoc[b]
                        BitPacking.unpack(base + head.tfs(count: n), bitOffset: 0, count: n, bits: head.tfBits, into: values)
                        var positions = 0
                        for k in 0..<n { positions += Int(values[k]) + 1 }
                        // The positions part: a width and one packed run, up to the next block.
                        let p = Int(blockPosOffset[b]), pnext = positionEnd(ofBlock: b)
                        guard p < pnext, pnext <= positionBytes.count - BitPacking.padding, pbytes[p] <= 32,
                              p + 1 + BitPacking.bytes(count: positions, bits: Int(pbytes[p])) == pnext
                        else { return "block \(b) positions do not fit their bytes" }
                    }
                }
                return nil
            }
        }
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
        shift &+= 7
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
    /// Scratch for one block's packed values (document deltas, tf-1, position deltas).
    let scratch = BlockScratch()

    /// Ends a block: records its last document and score bounds.
    @inline(__always)
    mutating func closeBlock(lastDoc: UInt32, maxTf: UInt32, minLength: UInt32) {
        blockLastDoc.append(lastDoc)
        blockMaxTf.append(maxTf)
        blockMinLength.append(minLength)
    }

    /// Writes one block of `count` postings (1…`Postings.blockSize`): ascending `docs` after
    /// `previous` (the term's last document so far, 0 for its first block), their `tfs`, and
    /// their positions end to end as zigzag deltas (`positionDeltas`: `tfs[i]` per document,
    /// each document's from 0), with the block's score bounds.
    mutating func writeBlock(docs blockDocs: UnsafePointer<UInt32>, tfs: UnsafePointer<UInt32>, count: Int,
                             previous: UInt32, positionDeltas posDeltas: UnsafePointer<UInt32>, positionCount: Int,
                             maxTf: UInt32, minLength: UInt32) {
        blockDocOffset.append(UInt32(docs.count))
        blockPosOffset.append(UInt32(positions.count))
        let deltas = scratch.deltas, tfsLess1 = scratch.tfs
        for i in 1..<count { deltas[i - 1] = blockDocs[i] &- blockDocs[i - 1] }
        for i in 0..<count { tfsLess1[i] = tfs[i] &- 1 }
        let docBits = BitPacking.width(deltas, count: count - 1)
        let tfBits = BitPacking.width(tfsLess1, count: count)
        docs.reserve(5 + 2 + BitPacking.bytes(count: count - 1, bits: docBits) + BitPacking.bytes(count: count, bits: tfBits))
        docs.write { out in
            var o = 0
            writeVarint(out, &o, UInt64(blockDocs[0] &- previous))
            out[o] = UInt8(docBits)
            out[o + 1] = UInt8(tfBits)
            o += 2
            o += BitPacking.pack(deltas, count: count - 1, bits: docBits, into: out + o)
            o += BitPacking.pack(tfsLess1, count: count, bits: tfBits, into: out + o)
            return o
        }
        let posBits = BitPacking.width(posDeltas, count: positionCount)
        positions.reserve(1 + BitPacking.bytes(count: positionCount, bits: posBits))
        positions.write { out in
            out[0] = UInt8(posBits)
            return 1 + BitPacking.pack(posDeltas, count: positionCount, bits: posBits, into: out + 1)
        }
        closeBlock(lastDoc: blockDocs[count - 1], maxTf: maxTf, minLength: minLength)
    }

    /// Adds the next term: ascending `docs`, their `tfs`, and all positions concatenated (`tfs[i]`
    /// positions per document, in token order: they may step back for a compound's forms). `length(doc)` is the document's length in the term's field.
    mutating func addTerm(docs termDocs: [UInt32], tfs: [UInt32], positions termPositions: [UInt32],
                          length: (UInt32) -> UInt32) {
        let n = termDocs.count
        termDocs.withUnsafeBufferPointer { termDocs in
            tfs.withUnsafeBufferPointer { tfs in
                termPositions.withUnsafeBufferPointer { termPositions in
                    var p = 0
                    var i = 0
                    while i < n {
                        let end = min(i + Postings.blockSize, n)
                        var maxTf: UInt32 = 0
                        var minLength = UInt32.max
                        var positionCount = 0
                        for j in i..<end {
                            maxTf = max(maxTf, tfs[j])
                            minLength = min(minLength, length(termDocs[j]))
                            positionCount += Int(tfs[j])
                        }
                        scratch.reserve(positions: positionCount)
                        let deltas = scratch.positions
                        var q = 0
                        for j in i..<end {
                            var last: UInt32 = 0
                            for _ in 0..<Int(tfs[j]) {
                                let pos = termPositions[p + q]
                                deltas[q] = BitPacking.zigzag(pos &- last)
                                last = pos
                                q += 1
                            }
                        }
                        writeBlock(docs: termDocs.baseAddress! + i, tfs: tfs.baseAddress! + i, count: end - i,
                                   previous: i == 0 ? 0 : termDocs[i - 1],
                                   positionDeltas: deltas, positionCount: positionCount,
                                   maxTf: maxTf, minLength: minLength)
                        p += positionCount
                        i = end
                    }
                }
            }
        }
        termDocFreq.append(UInt32(n))
        termFirstBlock.append(UInt32(blockLastDoc.count))
    }

    mutating func finish() -> Postings {
        for stream in [\PostingsEncoder.docs, \PostingsEncoder.positions] {
            self[keyPath: stream].reserve(BitPacking.padding)
            self[keyPath: stream].write { out in
                out.update(repeating: 0, count: BitPacking.padding)
                return BitPacking.padding
            }
        }
        return Postings(termFirstBlock: termFirstBlock, termDocFreq: termDocFreq, blockLastDoc: blockLastDoc,
                 blockDocOffset: blockDocOffset, blockPosOffset: blockPosOffset, blockMaxTf: blockMaxTf,
                 blockMinLength: blockMinLength, docBytes: docs.finish(), positionBytes: positions.finish())
    }
}

/// One block's scratch values, grown as needed (positions only: the others hold at most a
/// block). Transient: encoders that share one (copies of an encoder) never write concurrently.
final class BlockScratch {
    let deltas = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
    let tfs = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
    private(set) var positions = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
    private var positionCapacity = 256

    deinit {
        for buffer in [deltas, tfs, positions, openDocs, openTfs, openPositions] { buffer.deallocate() }
    }

    func reserve(positions count: Int) { Self.grow(&positions, &positionCapacity, to: count, keeping: 0) }

    // A merge's open block: the postings gathered for it so far, positions as zigzag deltas
    // (`PostingsEncoder+Merge`).
    let openDocs = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
    let openTfs = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
    private(set) var openPositions = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
    private var openPositionCapacity = 256

    /// Room for `count` open positions, keeping the `gathered` ones.
    func reserve(openPositions count: Int, gathered: Int) {
        Self.grow(&openPositions, &openPositionCapacity, to: count, keeping: gathered)
    }

    /// Makes `buffer` hold at least `count` values (doubling), keeping its first `keeping`.
    private static func grow(_ buffer: inout UnsafeMutablePointer<UInt32>, _ capacity: inout Int, to count: Int,
                             keeping: Int) {
        guard count > capacity else { return }
        capacity = max(count, 2 * capacity)
        let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        grown.update(from: buffer, count: keeping)
        buffer.deallocate()
        buffer = grown
    }
}
