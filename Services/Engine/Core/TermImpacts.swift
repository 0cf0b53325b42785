import Synchronization

/// Per posting block of one term: the (term frequency, field length) pairs of its documents
/// that no other document of the block beats on both (a higher frequency in a field no
/// longer). BM25 grows with the frequency and shrinks with the length, so the best of these
/// pairs is the block's exact maximum score, whatever the collection statistics; the stored
/// block bound pairs the block's largest frequency with its shortest field, which two different
/// documents usually hold, and sits some 10–20% higher: enough, in a two-word query, to keep a
/// lead field essential that the exact maxima leave out.
///
/// Pairs are kept by ascending length (and so ascending frequency).
final class TermImpacts: Sendable {
    /// Block `b` of the term (counted from its first) has pairs `start[b] ..< start[b + 1]`.
    let start: [UInt32]
    let tfs: [UInt32]
    let lengths: [UInt32]

    /// Reads every posting of `term` once.
    init(postings: Postings, term: Int, lengths fieldLengths: [UInt32]) {
        let cursor = PostingCursor(postings: postings, term: term)
        var start: [UInt32] = [0], tfs: [UInt32] = [], lengths: [UInt32] = []
        var frontier: [(tf: UInt32, length: UInt32)] = []
        var block = cursor.firstBlock
        func close() {
            for p in frontier.sorted(by: { $0.length < $1.length }) {
                tfs.append(p.tf)
                lengths.append(p.length)
            }
            start.append(UInt32(tfs.count))
            frontier.removeAll(keepingCapacity: true)
        }
        var d = cursor.next()
        while d != PostingCursor.exhausted {
            if cursor.currentBlock != block {
                close()
                block = cursor.currentBlock
            }
            let tf = cursor.tf, length = Int(d) < fieldLengths.count ? fieldLengths[Int(d)] : 0
            if !frontier.contains(where: { $0.tf >= tf && $0.length <= length }) {
                frontier.removeAll { $0.tf <= tf && $0.length >= length }
                frontier.append((tf, length))
            }
            d = cursor.next()
        }
        if cursor.endBlock > cursor.firstBlock { close() }
        self.start = start
        self.tfs = tfs
        self.lengths = lengths
    }

    var pairCount: Int { tfs.count }

    /// The largest score in block `b` (counted from the term's first).
    func bound(block b: Int, _ bm25: BM25Field) -> Double {
        var m = 0.0
        for i in Int(start[b])..<Int(start[b + 1]) {
            m = max(m, bm25.score(tf: Double(tfs[i]), length: Double(lengths[i])))
        }
        return m
    }

    /// The largest score a document of block `b` with frequency `tf` can have: its field is at
    /// least as long as the shortest among the pairs of at least that frequency.
    func bound(block b: Int, tf: UInt32, _ bm25: BM25Field) -> Double {
        for i in Int(start[b])..<Int(start[b + 1]) where tfs[i] >= tf {
            return bm25.score(tf: Double(tf), length: Double(lengths[i]))
        }
        return 0
    }
}

/// The `TermImpacts` of the terms a segment's searches have used, computed on first use (a
/// segment never changes, so they never go stale). Bounded: past `maxPairs` pairs it starts
/// over, so memory stays bounded whatever the queries.
///
/// The bound grows with the segment: four pairs per posting block, room for the impacts of
/// every term in it (a block rarely has more than a few pairs), at most 36 bytes per block
/// beside the block's own hundreds. A fixed 2^20 pairs held only ~50 common terms' impacts in
/// a segment of a million documents, so a mix of 500 queries kept starting over and scanning
/// every posting of its terms again (two-word p50 6.0 ms there, 2.0 ms with room).
final class ImpactCache: Sendable {
    let maxPairs: Int
    private struct State {
        var table: [Int: TermImpacts] = [:]
        var pairs = 0
    }
    private let state = Mutex(State())

    /// A cache for a segment whose postings have `blocks` blocks.
    init(blocks: Int) { maxPairs = max(1 << 20, 4 * blocks) }

    func impacts(term: Int, make: () -> TermImpacts) -> TermImpacts {
        if let hit = state.withLock({ $0.table[term] }) { return hit }
        let made = make()
        state.withLock { s in
            if s.pairs + made.pairCount > maxPairs {
                s.table.removeAll()
                s.pairs = 0
            }
            if s.table.updateValue(made, forKey: term) == nil { s.pairs += made.pairCount }
        }
        return made
    }
}
