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
    /// The current document's positions, decoded by `currentPositions` (grown as needed).
    private var positionBuffer: UnsafeMutablePointer<UInt32>
    private var positionCapacity = 0

    init(postings: Postings, term: Int) {
        self.postings = postings
        firstBlock = Int(postings.termFirstBlock[term])
        endBlock = Int(postings.termFirstBlock[term + 1])
        docFreq = Int(postings.termDocFreq[term])
        block = firstBlock - 1
        docsInBlock = .allocate(capacity: Postings.blockSize)
        tfsInBlock = .allocate(capacity: Postings.blockSize)
        positionBuffer = .allocate(capacity: 0)
    }

    deinit {
        docsInBlock.deallocate()
        tfsInBlock.deallocate()
        positionBuffer.deallocate()
    }

    var tf: UInt32 { tfsInBlock[index] }
    /// The block holding the current document.
    var currentBlock: Int { block }

    private func decode(_ b: Int) {
        block = b
        var prev: UInt32 = b == firstBlock ? 0 : postings.blockLastDoc[b - 1]
        var o = Int(postings.blockDocOffset[b])
        // Every block but a term's last is full.
        let count = b < endBlock - 1 ? Postings.blockSize : docFreq - (b - firstBlock) * Postings.blockSize
        let docsOut = docsInBlock, tfsOut = tfsInBlock
        postings.docBytes.withUnsafeBufferPointer { bytes in
            for k in 0..<count {
                let (delta, tf) = PostingsEncoder.readDoc(bytes, &o)
                prev &+= delta
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
            let o = skipToCurrent(bytes)
            return o..<Self.skip(bytes, o, count: tfsInBlock[index])
        }
    }

    /// Moves the position offset to the current document's positions: past those of the
    /// documents before it in the block, all skipped at once.
    @inline(__always)
    private func skipToCurrent(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if posDocIndex < index {
            var count: UInt32 = 0
            for k in posDocIndex..<index { count &+= tfsInBlock[k] }
            posOffset = Self.skip(bytes, posOffset, count: count)
            posDocIndex = index
        }
        return posOffset
    }

    /// The offset just past `count` varints from `start`. Eight bytes at a time where a whole
    /// word can be taken: a varint ends at each byte below 0x80, so a word holding at most the
    /// remaining count of such bytes is passed at once (frequent words' positions are skipped
    /// over for every document a phrase looks at).
    @inline(__always)
    private static func skip(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, count: UInt32) -> Int {
        var o = start
        var n = Int(count)
        let base = UnsafeRawPointer(bytes.baseAddress!)
        let limit = bytes.count - 8
        while n >= 8 && o <= limit {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            let ends = (~word & 0x8080_8080_8080_8080).nonzeroBitCount
            if ends > n { break }
            n -= ends
            o += 8
        }
        while n > 0 {
            if bytes[o] < 0x80 { n -= 1 }
            o += 1
        }
        return o
    }

    /// Replaces `out` with the positions of the current document; returns whether they ascend
    /// (they do unless an analyser emitted a form at an earlier position).
    @discardableResult
    func positions(into out: inout [UInt32]) -> Bool {
        out.removeAll(keepingCapacity: true)
        return postings.positionBytes.withUnsafeBufferPointer { bytes in
            var o = skipToCurrent(bytes)
            var last: UInt32 = 0
            var ascending = true
            for _ in 0..<Int(tfsInBlock[index]) {
                let v = readVarint32(bytes, &o)
                // A step back is stored as a wrapped (huge) delta.
                if v >= 1 << 31 { ascending = false }
                last &+= v
                out.append(last)
            }
            return ascending
        }
    }

    /// The positions of the current document, in a buffer the cursor owns (valid until the next
    /// call), and whether they ascend: `positions(into:)` without an array to keep unique.
    func currentPositions() -> (positions: UnsafeBufferPointer<UInt32>, ascending: Bool) {
        let tf = Int(tfsInBlock[index])
        if tf > positionCapacity {
            positionBuffer.deallocate()
            positionCapacity = max(tf, 2 * positionCapacity, 16)
            positionBuffer = .allocate(capacity: positionCapacity)
        }
        let out = positionBuffer
        let ascending = postings.positionBytes.withUnsafeBufferPointer { bytes in
            var o = skipToCurrent(bytes)
            var last: UInt32 = 0
            var ascending = true
            for k in 0..<tf {
                let v = readVarint32(bytes, &o)
                // A step back is stored as a wrapped (huge) delta.
                if v >= 1 << 31 { ascending = false }
                last &+= v
                out[k] = last
            }
            return ascending
        }
        return (UnsafeBufferPointer(start: out, count: tf), ascending)
    }
}
