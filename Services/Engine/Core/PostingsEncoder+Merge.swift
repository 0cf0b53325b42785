/// Merges write a term's postings straight from the sources' encoded bytes, without decoding
/// them into arrays and encoding them again:
///
/// - a source without deletions is renumbered by a constant offset, so every document delta but
///   the first is unchanged: its document bytes and positions are copied as they are, and only
///   the first posting is re-encoded (against the last document already merged for the term);
/// - a source with deletions is walked posting by posting; live positions are copied in runs.
///
/// Blocks are cut every `Postings.blockSize` postings of the merged term, as `addTerm` would:
/// the bytes and block tables come out identical to encoding the merged lists from scratch.
extension PostingsEncoder {
    /// The term being merged: postings so far, its last document, and its open block's bounds.
    struct MergedTerm {
        var count = 0
        var lastDoc: UInt32 = 0
        var maxTf: UInt32 = 0
        var minLength = UInt32.max
    }

    /// Ends the merged term; false (and nothing written) when it got no postings.
    mutating func finishMergedTerm(_ term: MergedTerm) -> Bool {
        guard term.count > 0 else { return false }
        if term.count % Postings.blockSize != 0 {
            var maxTf = term.maxTf, minLength = term.minLength
            closeBlock(lastDoc: term.lastDoc, maxTf: &maxTf, minLength: &minLength)
        }
        termDocFreq.append(UInt32(term.count))
        termFirstBlock.append(UInt32(blockLastDoc.count))
        return true
    }


    /// Appends term `t` of `source`, whose documents all move up by `base` (none deleted).
    /// `lengths` are the merged segment's lengths in the term's field.
    mutating func appendShifted(_ source: Postings, term t: Int, base: UInt32, lengths: UnsafeBufferPointer<UInt32>,
                                to term: inout MergedTerm) {
        let firstBlock = Int(source.termFirstBlock[t])
        let docStart = Int(source.blockDocOffset[firstBlock]), posStart = Int(source.blockPosOffset[firstBlock])
        var head: (UInt64, UInt64) = (0, 0)
        var headCount = 0
        var docEnd = 0, posEnd = 0, afterFirst = 0
        source.docBytes.withUnsafeBufferPointer { bytes in
            source.positionBytes.withUnsafeBufferPointer { pbytes in
                var o = docStart
                let (d0, tf0) = PostingsEncoder.readDoc(bytes, &o)
                afterFirst = o
                withUnsafeMutableBytes(of: &head) { raw in
                    Self.writeDoc(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &headCount,
                                  delta: d0 &+ base &- term.lastDoc, tf: tf0)
                }
                let run = ShiftedRun(
                    source: source, bytes: bytes, positions: pbytes, firstBlock: firstBlock,
                    endBlock: Int(source.termFirstBlock[t + 1]), count: Int(source.termDocFreq[t]), base: base,
                    firstDoc: d0 &+ base, firstTf: tf0, afterFirst: afterFirst, outDocBase: docs.count,
                    docShift: docs.count + headCount - afterFirst, posShift: positions.count - posStart)
                (docEnd, posEnd) = term.count % Postings.blockSize == 0
                    ? copyBlocks(run, to: &term) : recutBlocks(run, lengths: lengths, to: &term)
            }
            let rest = docEnd - afterFirst
            docs.reserve(headCount + rest)
            docs.write { out in
                withUnsafeBytes(of: &head) { out.update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: headCount) }
                if rest > 0 { (out + headCount).update(from: bytes.baseAddress! + afterFirst, count: rest) }
                return headCount + rest
            }
        }
        source.positionBytes.withUnsafeBytes { positions.append(UnsafeRawBufferPointer(rebasing: $0[posStart..<posEnd])) }
    }

    /// One source term being appended by `appendShifted`. Output offsets are source offsets
    /// plus a shift: past the first posting (re-encoded) the bytes are the source's.
    private struct ShiftedRun {
        let source: Postings
        let bytes: UnsafeBufferPointer<UInt8>
        let positions: UnsafeBufferPointer<UInt8>
        let firstBlock: Int
        let endBlock: Int
        let count: Int
        let base: UInt32
        let firstDoc: UInt32
        let firstTf: UInt32
        /// Source offset of the second posting.
        let afterFirst: Int
        let outDocBase: Int
        let docShift: Int
        let posShift: Int
    }

    /// `appendShifted` when the merged term is at a block boundary: the merged blocks are the
    /// source's, so their tables are copied and only the last block is decoded (to find where
    /// its bytes end). Returns the source's document and position end offsets.
    private mutating func copyBlocks(_ run: ShiftedRun, to term: inout MergedTerm) -> (docEnd: Int, posEnd: Int) {
        let source = run.source, last = run.endBlock - 1
        blockDocOffset.append(UInt32(run.outDocBase))
        for b in run.firstBlock + 1..<run.endBlock { blockDocOffset.append(UInt32(Int(source.blockDocOffset[b]) + run.docShift)) }
        for b in run.firstBlock..<run.endBlock { blockPosOffset.append(UInt32(Int(source.blockPosOffset[b]) + run.posShift)) }
        for b in run.firstBlock..<last { blockLastDoc.append(source.blockLastDoc[b] &+ run.base) }
        blockMaxTf.append(contentsOf: source.blockMaxTf[run.firstBlock..<last])
        blockMinLength.append(contentsOf: source.blockMinLength[run.firstBlock..<last])
        let inLast = run.count - (last - run.firstBlock) * Postings.blockSize
        var o = last == run.firstBlock ? run.afterFirst : Int(source.blockDocOffset[last])
        var tfs = last == run.firstBlock ? Int(run.firstTf) : 0
        for _ in 0..<(last == run.firstBlock ? inLast - 1 : inLast) {
            tfs += Int(PostingsEncoder.readDoc(run.bytes, &o).tf)
        }
        let p = Int(source.blockPosOffset[last])
        let posEnd = p + Self.varintsLength(run.positions, from: p, count: tfs)
        term = MergedTerm(count: term.count + run.count, lastDoc: source.blockLastDoc[last] &+ run.base,
                          maxTf: source.blockMaxTf[last], minLength: source.blockMinLength[last])
        if inLast == Postings.blockSize {
            closeBlock(lastDoc: term.lastDoc, maxTf: &term.maxTf, minLength: &term.minLength)
        }
        return (o, posEnd)
    }

    /// `appendShifted` in the middle of a block: every posting is decoded once to cut the
    /// merged blocks and bound them; positions are skipped only up to where a merged block starts.
    /// Postings go in chunks that cross no block boundary, source or merged, so the inner loop
    /// is decoding and min/max alone, in registers.
    private mutating func recutBlocks(_ run: ShiftedRun, lengths: UnsafeBufferPointer<UInt32>,
                                      to term: inout MergedTerm) -> (docEnd: Int, posEnd: Int) {
        let blockSize = Postings.blockSize
        let source = run.source, bytes = run.bytes, n = run.count
        // The first posting is decoded already; the merged term is mid-block, so none opens here.
        var doc = run.firstDoc
        var maxTf = max(term.maxTf, run.firstTf), minLength = min(term.minLength, lengths[Int(doc)])
        var k = term.count + 1
        if k % blockSize == 0 { closeBlock(lastDoc: doc, maxTf: &maxTf, minLength: &minLength) }
        var block = run.firstBlock, inBlock = 1, tfsInBlock = Int(run.firstTf)
        var o = run.afterFirst
        var i = 1
        while i < n {
            if inBlock == blockSize {
                block += 1
                inBlock = 0
                tfsInBlock = 0
            }
            if k % blockSize == 0 {
                blockDocOffset.append(UInt32(o + run.docShift))
                let p = Int(source.blockPosOffset[block])
                blockPosOffset.append(UInt32(p + Self.varintsLength(run.positions, from: p, count: tfsInBlock) + run.posShift))
            }
            let chunk = min(blockSize - k % blockSize, blockSize - inBlock, n - i)
            var d = doc, mx = maxTf, mn = minLength, at = o, tfs = 0
            for _ in 0..<chunk {
                let (delta, tf) = PostingsEncoder.readDoc(bytes, &at)
                d &+= delta
                mx = max(mx, tf)
                mn = min(mn, lengths[Int(d)])
                tfs &+= Int(tf)
            }
            (doc, maxTf, minLength, o) = (d, mx, mn, at)
            tfsInBlock += tfs
            i += chunk
            inBlock += chunk
            k += chunk
            if k % blockSize == 0 { closeBlock(lastDoc: doc, maxTf: &maxTf, minLength: &minLength) }
        }
        let p = Int(source.blockPosOffset[block])
        term = MergedTerm(count: k, lastDoc: doc, maxTf: maxTf, minLength: minLength)
        return (o, p + Self.varintsLength(run.positions, from: p, count: tfsInBlock))
    }

    /// Appends the live postings of term `t` of `source`, renumbered by `remap` (-1: deleted).
    mutating func appendRemapped(_ source: Postings, term t: Int, remap: UnsafeBufferPointer<Int32>,
                                 lengths: UnsafeBufferPointer<UInt32>, to term: inout MergedTerm) {
        let blockSize = Postings.blockSize
        let firstBlock = Int(source.termFirstBlock[t])
        let n = Int(source.termDocFreq[t])
        // Moved out of `self` so the loop may append to the block tables while writing.
        var docs = RawBytes(), positions = RawBytes()
        swap(&docs, &self.docs)
        swap(&positions, &self.positions)
        defer {
            swap(&docs, &self.docs)
            swap(&positions, &self.positions)
        }
        docs.reserve(n * 10)
        let outDocBase = docs.count
        source.docBytes.withUnsafeBufferPointer { bytes in
            source.positionBytes.withUnsafeBufferPointer { pbytes in
                docs.write { out in
                    var written = 0
                    var o = Int(source.blockDocOffset[firstBlock])
                    var runStart = Int(source.blockPosOffset[firstBlock])
                    var p = runStart
                    var prev: UInt32 = 0
                    var k = term.count, lastDoc = term.lastDoc
                    var maxTf = term.maxTf, minLength = term.minLength
                    for _ in 0..<n {
                        let (delta, tf) = PostingsEncoder.readDoc(bytes, &o)
                        prev &+= delta
                        let start = p
                        p += Self.varintsLength(pbytes, from: p, count: Int(tf))
                        let nd = remap[Int(prev)]
                        if nd < 0 {
                            if start > runStart { positions.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: pbytes[runStart..<start]))) }
                            runStart = p
                            continue
                        }
                        let doc = UInt32(nd)
                        if k % blockSize == 0 {
                            blockDocOffset.append(UInt32(outDocBase + written))
                            blockPosOffset.append(UInt32(positions.count + start - runStart))
                        }
                        Self.writeDoc(out, &written, delta: doc &- lastDoc, tf: tf)
                        lastDoc = doc
                        maxTf = max(maxTf, tf)
                        minLength = min(minLength, lengths[Int(doc)])
                        k += 1
                        if k % blockSize == 0 { closeBlock(lastDoc: doc, maxTf: &maxTf, minLength: &minLength) }
                    }
                    if p > runStart { positions.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: pbytes[runStart..<p]))) }
                    term = MergedTerm(count: k, lastDoc: lastDoc, maxTf: maxTf, minLength: minLength)
                    return written
                }
            }
        }
    }

    /// Bytes taken by `count` varints starting at `from`. A varint ends with a byte below 0x80:
    /// eight bytes at a time, their terminators are counted with one popcount.
    @inline(__always)
    static func varintsLength(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> Int {
        var o = from
        var n = count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        // While at least 8 varints remain, at least 8 bytes of them do: every terminator in the
        // next 8 bytes belongs to a varint still to skip, and so does any byte after the last one.
        while n >= 8 {
            let word = base.loadUnaligned(fromByteOffset: o, as: UInt64.self)
            n -= (~word & 0x8080_8080_8080_8080).nonzeroBitCount
            o &+= 8
        }
        while n > 0 {
            if bytes[o] < 0x80 { n -= 1 }
            o &+= 1
        }
        return o - from
    }
}
