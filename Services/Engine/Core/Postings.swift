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

/// Builds a `Postings` one term at a time, in term-ordinal order.
struct PostingsEncoder {
    var termFirstBlock: [UInt32] = [0]
    var termDocFreq: [UInt32] = []
    var blockLastDoc: [UInt32] = []
    var blockDocOffset: [UInt32] = []
    var blockPosOffset: [UInt32] = []
    var blockMaxTf: [UInt32] = []
    var blockMinLength: [UInt32] = []
    var docs = ByteWriter()
    var positions = ByteWriter()

    /// Adds the next term: ascending `docs`, their `tfs`, and all positions concatenated (`tfs[i]`
    /// ascending positions per document). `length(doc)` is the document's length in the term's field.
    mutating func addTerm(docs termDocs: [UInt32], tfs: [UInt32], positions termPositions: [UInt32],
                          length: (UInt32) -> UInt32) {
        var p = 0
        var prev: UInt32 = 0
        var i = 0
        while i < termDocs.count {
            let end = min(i + Postings.blockSize, termDocs.count)
            blockDocOffset.append(UInt32(docs.bytes.count))
            blockPosOffset.append(UInt32(positions.bytes.count))
            var maxTf: UInt32 = 0
            var minLength = UInt32.max
            for j in i..<end {
                let d = termDocs[j]
                let tf = tfs[j]
                Self.writeDoc(&docs, delta: d &- prev, tf: tf)
                prev = d
                maxTf = max(maxTf, tf)
                minLength = min(minLength, length(d))
                var last: UInt32 = 0
                for _ in 0..<Int(tf) {
                    let pos = termPositions[p]
                    positions.varint(pos &- last)
                    last = pos
                    p += 1
                }
            }
            blockLastDoc.append(prev)
            blockMaxTf.append(maxTf)
            blockMinLength.append(minLength)
            i = end
        }
        termDocFreq.append(UInt32(termDocs.count))
        termFirstBlock.append(UInt32(blockLastDoc.count))
    }

    /// Adds the next term whose positions are already encoded: `positionBytes` holds every
    /// document's position deltas back to back, document `i`'s starting at `docPositionStart[i]`.
    /// Merges use this to copy positions without decoding them.
    mutating func addTerm(docs termDocs: [UInt32], tfs: [UInt32], positionBytes: [UInt8], docPositionStart: [Int],
                          length: (UInt32) -> UInt32) {
        let base = positions.bytes.count
        positions.bytes.append(contentsOf: positionBytes)
        var prev: UInt32 = 0
        var i = 0
        while i < termDocs.count {
            let end = min(i + Postings.blockSize, termDocs.count)
            blockDocOffset.append(UInt32(docs.bytes.count))
            blockPosOffset.append(UInt32(base + docPositionStart[i]))
            var maxTf: UInt32 = 0
            var minLength = UInt32.max
            for j in i..<end {
                let d = termDocs[j]
                Self.writeDoc(&docs, delta: d &- prev, tf: tfs[j])
                prev = d
                maxTf = max(maxTf, tfs[j])
                minLength = min(minLength, length(d))
            }
            blockLastDoc.append(prev)
            blockMaxTf.append(maxTf)
            blockMinLength.append(minLength)
            i = end
        }
        termDocFreq.append(UInt32(termDocs.count))
        termFirstBlock.append(UInt32(blockLastDoc.count))
    }

    /// Most postings have tf 1: its flag rides in the low bit of the document delta, saving a
    /// byte per posting (Lucene's trick).
    @inline(__always)
    static func writeDoc(_ w: inout ByteWriter, delta: UInt32, tf: UInt32) {
        if tf == 1 {
            w.varint(UInt64(delta) << 1 | 1)
        } else {
            w.varint(UInt64(delta) << 1)
            w.varint(tf)
        }
    }

    func finish() -> Postings {
        Postings(termFirstBlock: termFirstBlock, termDocFreq: termDocFreq, blockLastDoc: blockLastDoc,
                 blockDocOffset: blockDocOffset, blockPosOffset: blockPosOffset, blockMaxTf: blockMaxTf,
                 blockMinLength: blockMinLength, docBytes: docs.bytes, positionBytes: positions.bytes)
    }
}

/// Walks one term's posting list: `next`, `advance(to:)` (skipping whole blocks by their last
/// document without decoding them), the current `tf`, and on demand the current positions.
final class PostingCursor {
    static let exhausted = Int32.max

    let postings: Postings
    let firstBlock: Int
    let endBlock: Int
    let docFreq: Int
    /// Current document, -1 before the first `next`, `exhausted` at the end.
    private(set) var doc: Int32 = -1
    private var block: Int
    // The decoded block lives in two fixed buffers owned by the cursor (no array copy-on-write
    // or exclusivity bookkeeping in the innermost loop).
    private let docsInBlock: UnsafeMutablePointer<UInt32>
    private let tfsInBlock: UnsafeMutablePointer<UInt32>
    private var countInBlock = 0
    private var index = 0
    // Positions are decoded lazily: we remember how far into the block's positions we have read.
    private var posDocIndex = 0
    private var posOffset = 0

    init(postings: Postings, term: Int) {
        self.postings = postings
        firstBlock = Int(postings.termFirstBlock[term])
        endBlock = Int(postings.termFirstBlock[term + 1])
        docFreq = Int(postings.termDocFreq[term])
        block = firstBlock - 1
        docsInBlock = .allocate(capacity: Postings.blockSize)
        tfsInBlock = .allocate(capacity: Postings.blockSize)
    }

    deinit {
        docsInBlock.deallocate()
        tfsInBlock.deallocate()
    }

    var tf: UInt32 { tfsInBlock[index] }

    private func decode(_ b: Int) {
        block = b
        var prev: UInt32 = b == firstBlock ? 0 : postings.blockLastDoc[b - 1]
        var o = Int(postings.blockDocOffset[b])
        // Every block but a term's last is full.
        let count = b < endBlock - 1 ? Postings.blockSize : docFreq - (b - firstBlock) * Postings.blockSize
        let docsOut = docsInBlock, tfsOut = tfsInBlock
        postings.docBytes.withUnsafeBufferPointer { bytes in
            for k in 0..<count {
                var v: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    let byte = bytes[o]; o += 1
                    v |= UInt64(byte & 0x7f) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                prev &+= UInt32(truncatingIfNeeded: v >> 1)
                var tf: UInt32 = 1
                if v & 1 == 0 {
                    tf = 0
                    var shift: UInt32 = 0
                    while true {
                        let byte = bytes[o]; o += 1
                        tf |= UInt32(byte & 0x7f) << shift
                        if byte < 0x80 { break }
                        shift += 7
                    }
                }
                docsOut[k] = prev
                tfsOut[k] = tf
            }
        }
        countInBlock = count
        index = 0
        posDocIndex = 0
        posOffset = Int(postings.blockPosOffset[b])
    }

    @discardableResult
    func next() -> Int32 {
        if doc == PostingCursor.exhausted { return doc }
        if block >= firstBlock && index + 1 < countInBlock {
            index += 1
        } else if block + 1 < endBlock {
            decode(block + 1)
        } else {
            doc = PostingCursor.exhausted
            return doc
        }
        doc = Int32(docsInBlock[index])
        return doc
    }

    /// Moves to the first document ≥ `target`.
    @discardableResult
    func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        let t = UInt32(target)
        var b = max(block, firstBlock)
        while b < endBlock && postings.blockLastDoc[b] < t { b += 1 }
        if b >= endBlock {
            doc = PostingCursor.exhausted
            return doc
        }
        if b != block { decode(b) }
        while docsInBlock[index] < t { index += 1 }
        doc = Int32(docsInBlock[index])
        return doc
    }

    /// The block holding the first document ≥ `target`, without decoding it: its index, or nil
    /// past the end. Used for score upper bounds.
    func shallowBlock(for target: Int32) -> Int? {
        let t = UInt32(max(target, 0))
        var b = max(block, firstBlock)
        while b < endBlock && postings.blockLastDoc[b] < t { b += 1 }
        return b < endBlock ? b : nil
    }

    /// Where the current document's encoded positions lie in `postings.positionBytes`.
    func positionByteRange() -> Range<Int> {
        postings.positionBytes.withUnsafeBufferPointer { bytes in
            var o = posOffset
            while posDocIndex < index {
                o = Self.skip(bytes, o, count: tfsInBlock[posDocIndex])
                posDocIndex += 1
            }
            posOffset = o
            return o..<Self.skip(bytes, o, count: tfsInBlock[index])
        }
    }

    @inline(__always)
    private static func skip(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, count: UInt32) -> Int {
        var o = start
        var n = count
        while n > 0 {
            if bytes[o] < 0x80 { n -= 1 }
            o += 1
        }
        return o
    }

    /// Replaces `out` with the positions of the current document.
    func positions(into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        postings.positionBytes.withUnsafeBufferPointer { bytes in
            var o = posOffset
            while posDocIndex < index {
                o = Self.skip(bytes, o, count: tfsInBlock[posDocIndex])
                posDocIndex += 1
            }
            posOffset = o
            var last: UInt32 = 0
            for _ in 0..<Int(tfsInBlock[index]) {
                var v: UInt32 = 0
                var shift: UInt32 = 0
                while true {
                    let byte = bytes[o]; o += 1
                    v |= UInt32(byte & 0x7f) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                last &+= v
                out.append(last)
            }
        }
    }
}
