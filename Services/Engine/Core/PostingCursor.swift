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
    // Positions are decoded lazily: the sum of the term frequencies of the block's documents
    // before `posDocIndex` (where the current document's positions start) is kept between calls.
    private var posDocIndex = 0
    private var posIndex = 0
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
        let previous: UInt32 = b == firstBlock ? 0 : postings.blockLastDoc[b - 1]
        // Every block but a term's last is full.
        let count = b < endBlock - 1 ? Postings.blockSize : docFreq - (b - firstBlock) * Postings.blockSize
        let docsOut = docsInBlock, tfsOut = tfsInBlock
        postings.docBytes.withUnsafeBufferPointer { bytes in
            let head = Postings.head(bytes, at: Int(postings.blockDocOffset[b]))
            let base = UnsafeRawPointer(bytes.baseAddress!)
            BitPacking.unpack(base + head.packed, bitOffset: 0, count: count - 1, bits: head.docBits, into: docsOut + 1)
            var doc = previous &+ head.firstDelta
            docsOut[0] = doc
            for k in 1..<count {
                doc &+= docsOut[k]
                docsOut[k] = doc
            }
            BitPacking.unpack(base + head.tfs(count: count), bitOffset: 0, count: count, bits: head.tfBits, into: tfsOut)
            for k in 0..<count { tfsOut[k] &+= 1 }
        }
        countInBlock = count
        index = 0
        posDocIndex = 0
        posIndex = 0
    }

    /// Decodes block `b` of the term and moves to its first document (merges walk a term block
    /// by block).
    func load(block b: Int) {
        decode(b)
        doc = Int32(docsInBlock[0])
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

    /// The index of the current document's first position among its block's: the sum of the
    /// term frequencies before it, added up from where the last call left off.
    @inline(__always)
    private func positionIndex() -> Int {
        while posDocIndex < index {
            posIndex &+= Int(tfsInBlock[posDocIndex])
            posDocIndex &+= 1
        }
        return posIndex
    }

    /// Decodes the current document's positions into `out` (room for `tf`); returns whether
    /// they ascend (they do unless an analyser emitted a form at an earlier position).
    @inline(__always)
    private func decodePositions(into out: UnsafeMutablePointer<UInt32>) -> Bool {
        let tf = Int(tfsInBlock[index])
        positionDeltas(from: positionIndex(), count: tf, into: out)
        var last: UInt32 = 0
        var stepsBack: UInt32 = 0
        for k in 0..<tf {
            let z = out[k]
            stepsBack |= z & 1
            last &+= BitPacking.unzigzag(z)
            out[k] = last
        }
        return stepsBack == 0
    }

    /// The current block's documents and term frequencies, as decoded (`load(block:)`).
    var blockDocs: UnsafePointer<UInt32> { UnsafePointer(docsInBlock) }
    var blockTfs: UnsafePointer<UInt32> { UnsafePointer(tfsInBlock) }

    /// Copies `count` of the current block's positions, from its `first`, still encoded (zigzag
    /// deltas, each document's from 0): a merge packs them again as they are.
    func positionDeltas(from first: Int, count: Int, into out: UnsafeMutablePointer<UInt32>) {
        postings.positionBytes.withUnsafeBufferPointer { bytes in
            let o = Int(postings.blockPosOffset[block])
            BitPacking.unpack(UnsafeRawPointer(bytes.baseAddress! + o + 1), bitOffset: first &* Int(bytes[o]), count: count,
                              bits: Int(bytes[o]), into: out)
        }
    }

    /// Replaces `out` with the positions of the current document; returns whether they ascend.
    @discardableResult
    func positions(into out: inout [UInt32]) -> Bool {
        let (positions, ascending) = currentPositions()
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: positions)
        return ascending
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
        let ascending = decodePositions(into: positionBuffer)
        return (UnsafeBufferPointer(start: positionBuffer, count: tf), ascending)
    }
}
