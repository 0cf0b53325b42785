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
