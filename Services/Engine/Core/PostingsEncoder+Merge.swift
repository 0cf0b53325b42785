/// Merges append each source's postings of a term to the merged term, block by block:
///
/// - a full block of a source that lost no document, met while the merged term is at a block
///   boundary, is copied as it is: every document moves up by the same amount, so its packed
///   deltas, term frequencies and positions are unchanged, and only its first document's delta
///   (from the merged term's previous block) is written anew;
/// - other postings are decoded (`PostingCursor`) and gathered into the merged term's open
///   block, which is packed once full; their positions are moved still encoded (zigzag deltas,
///   each document's from 0, do not depend on the block they are in).
///
/// Blocks are cut every `Postings.blockSize` postings of the merged term, as `addTerm` would:
/// the bytes and block tables come out identical to encoding the merged lists from scratch.
extension PostingsEncoder {
    /// The term being merged: postings so far, the open block's, and the open block's bounds.
    /// The open block's postings live in the encoder's scratch, so an encoder (and its copies)
    /// merges one term at a time: `finishMergedTerm` before the next term's first append.
    struct MergedTerm {
        var count = 0
        /// The last document of the merged term's last written block (the next one's delta base).
        var lastWritten: UInt32 = 0
        /// Postings and positions gathered in the open block (`BlockScratch.open…`).
        var pending = 0
        var pendingPositions = 0
        var maxTf: UInt32 = 0
        var minLength = UInt32.max
    }

    /// Ends the merged term; false (and nothing written) when it got no postings.
    mutating func finishMergedTerm(_ term: MergedTerm) -> Bool {
        var term = term
        if term.pending > 0 { writeOpenBlock(&term) }
        guard term.count > 0 else { return false }
        termDocFreq.append(UInt32(term.count))
        termFirstBlock.append(UInt32(blockLastDoc.count))
        return true
    }

    /// Appends term `t` of `source`, whose documents all move up by `base` (none deleted).
    /// `lengths` are the merged segment's lengths in the term's field.
    mutating func appendShifted(_ source: Postings, term t: Int, base: UInt32, lengths: UnsafeBufferPointer<UInt32>,
                                to term: inout MergedTerm) {
        append(source, term: t, lengths: lengths, to: &term, copyBlocks: true) { $0 &+ base }
    }

    /// Appends the live postings of term `t` of `source`, renumbered by `remap` (-1: deleted).
    mutating func appendRemapped(_ source: Postings, term t: Int, remap: UnsafeBufferPointer<Int32>,
                                 lengths: UnsafeBufferPointer<UInt32>, to term: inout MergedTerm) {
        append(source, term: t, lengths: lengths, to: &term, copyBlocks: false) { d in
            let nd = remap[Int(d)]
            return nd < 0 ? nil : UInt32(nd)
        }
    }

    /// Appends term `t` of `source` with its documents renumbered by `renumber` (nil: left
    /// out). With `copyBlocks`, `renumber` must add a constant (see the type's comment).
    private mutating func append(_ source: Postings, term t: Int, lengths: UnsafeBufferPointer<UInt32>,
                                 to term: inout MergedTerm, copyBlocks: Bool, renumber: (UInt32) -> UInt32?) {
        let blockSize = Postings.blockSize
        let firstBlock = Int(source.termFirstBlock[t]), endBlock = Int(source.termFirstBlock[t + 1])
        let docFreq = Int(source.termDocFreq[t])
        // Made only for a block that is not copied whole.
        var decoder: PostingCursor?
        for b in firstBlock..<endBlock {
            let n = b < endBlock - 1 ? blockSize : docFreq - (b - firstBlock) * blockSize
            if copyBlocks && term.pending == 0 && n == blockSize {
                copyBlock(source, block: b, termFirstBlock: firstBlock, renumber: renumber, to: &term)
                continue
            }
            // Postings one by one into the open block; their positions stay encoded (a zigzag
            // delta does not depend on the block it is in).
            let cursor = decoder ?? PostingCursor(postings: source, term: t)
            decoder = cursor
            cursor.load(block: b)
            let docs = cursor.blockDocs, tfs = cursor.blockTfs
            let open = scratch
            var first = 0
            for k in 0..<n {
                let tf = tfs[k]
                defer { first += Int(tf) }
                guard let doc = renumber(docs[k]) else { continue }
                open.reserve(openPositions: term.pendingPositions + Int(tf), gathered: term.pendingPositions)
                cursor.positionDeltas(from: first, count: Int(tf), into: open.openPositions + term.pendingPositions)
                gather(doc: doc, tf: tf, length: lengths[Int(doc)], to: &term)
            }
        }
    }

    /// Adds one posting (its positions already in the open block) to the merged term's open
    /// block, writing the block once it is full.
    @inline(__always)
    private mutating func gather(doc: UInt32, tf: UInt32, length: UInt32, to term: inout MergedTerm) {
        let open = scratch
        open.openDocs[term.pending] = doc
        open.openTfs[term.pending] = tf
        term.pendingPositions += Int(tf)
        term.pending += 1
        term.count += 1
        term.maxTf = max(term.maxTf, tf)
        term.minLength = min(term.minLength, length)
        if term.pending == Postings.blockSize { writeOpenBlock(&term) }
    }

    private mutating func writeOpenBlock(_ term: inout MergedTerm) {
        let open = scratch
        writeBlock(docs: open.openDocs, tfs: open.openTfs, count: term.pending, previous: term.lastWritten,
                   positionDeltas: open.openPositions, positionCount: term.pendingPositions,
                   maxTf: term.maxTf, minLength: term.minLength)
        term = MergedTerm(count: term.count, lastWritten: open.openDocs[term.pending - 1])
    }

    /// Copies full block `b` of `source` (of a term whose first block is `termFirstBlock`) with
    /// its documents renumbered by a constant: its bytes but the first delta, and its tables.
    private mutating func copyBlock(_ source: Postings, block b: Int, termFirstBlock: Int,
                                    renumber: (UInt32) -> UInt32?, to term: inout MergedTerm) {
        let docEnd = source.docEnd(ofBlock: b)
        let posStart = Int(source.blockPosOffset[b]), posEnd = source.positionEnd(ofBlock: b)
        let previous: UInt32 = b == termFirstBlock ? 0 : source.blockLastDoc[b - 1]
        blockDocOffset.append(UInt32(docs.count))
        blockPosOffset.append(UInt32(positions.count))
        source.docBytes.withUnsafeBufferPointer { bytes in
            let head = Postings.head(bytes, at: Int(source.blockDocOffset[b]))
            let first = renumber(previous &+ head.firstDelta)!
            // The widths and packed runs are the source's: copied as they are.
            let o = head.packed - 2
            docs.reserve(5 + docEnd - o)
            docs.write { out in
                var w = 0
                writeVarint(out, &w, UInt64(first &- term.lastWritten))
                (out + w).update(from: bytes.baseAddress! + o, count: docEnd - o)
                return w + docEnd - o
            }
        }
        source.positionBytes.withUnsafeBytes { positions.append(UnsafeRawBufferPointer(rebasing: $0[posStart..<posEnd])) }
        term.lastWritten = renumber(source.blockLastDoc[b])!
        closeBlock(lastDoc: term.lastWritten, maxTf: source.blockMaxTf[b], minLength: source.blockMinLength[b])
        term.count += Postings.blockSize
    }
}
