/// An exact phrase in one field: all its terms, at the query's relative positions. Scored as
/// BM25 with the phrase frequency as tf and the sum of its terms' idf (as Lucene does). The
/// rarest term leads the search for documents holding all of them.
final class PhraseMatcher: Matcher {
    let cursors: [PostingCursor]
    let offsets: [UInt32]
    let bm25: BM25Field
    let lengths: [UInt32]
    private let order: [Int]
    /// `cursors` unretained (indexed like it) and in `order`, for the loops below.
    private let refs: [Unmanaged<PostingCursor>]
    private let ordered: [Unmanaged<PostingCursor>]
    private var frequency = 0
    /// Documents scoring below this cannot make the top k (see `Matcher.raiseThreshold`).
    private var threshold = -Double.infinity
    /// Term indices by their tf in the current document (reused per document).
    private let byTf: UnsafeMutablePointer<Int>
    /// Start positions of the phrase still possible (reused per document).
    private var candidates: UnsafeMutablePointer<UInt32> = .allocate(capacity: 16)
    private var candidateCapacity = 16

    init(cursors: [PostingCursor], offsets: [UInt32], bm25: BM25Field, lengths: [UInt32]) {
        self.cursors = cursors
        self.offsets = offsets
        self.bm25 = bm25
        self.lengths = lengths
        order = cursors.indices.sorted { cursors[$0].docFreq < cursors[$1].docFreq }
        refs = cursors.map { .passUnretained($0) }
        ordered = order.map { .passUnretained(cursors[$0]) }
        byTf = .allocate(capacity: cursors.count)
    }

    deinit {
        candidates.deallocate()
        byTf.deallocate()
    }

    private func find(from start: Int32) -> Int32 {
        var target = start
        outer: while target != Matcher.end {
            for c in ordered {
                let d = c._withUnsafeGuaranteedRef { $0.advance(to: target) }
                if d != target {
                    target = d
                    continue outer
                }
            }
            // The phrase occurs at most min(tf) times: if even that cannot reach the threshold,
            // skip the document without decoding any positions.
            if threshold > -.infinity {
                var minTf = UInt32.max
                for c in refs { minTf = min(minTf, c._withUnsafeGuaranteedRef { $0.tf }) }
                if bm25.score(tf: Double(minTf), length: Double(lengths[Int(target)])) < threshold {
                    target += 1
                    continue outer
                }
            }
            frequency = countPhrases()
            if frequency > 0 {
                doc = target
                return target
            }
            target += 1
        }
        doc = Matcher.end
        return doc
    }

    @inline(__always) private func tf(_ i: Int) -> UInt32 { refs[i]._withUnsafeGuaranteedRef { $0.tf } }

    /// Occurrences of the phrase in the current document. Terms are checked rarest first (by
    /// their tf here), so a frequent word's positions are decoded only while candidates remain.
    private func countPhrases() -> Int {
        // Insertion sort of the few terms by tf, stable like the sort it replaces.
        let n = refs.count
        for i in 0..<n { byTf[i] = i }
        for i in 1..<n {
            let x = byTf[i], tf = tf(x)
            var j = i
            while j > 0 && self.tf(byTf[j - 1]) > tf {
                byTf[j] = byTf[j - 1]
                j -= 1
            }
            byTf[j] = x
        }
        let first = byTf[0]
        let (firstPositions, firstAscending) = refs[first]._withUnsafeGuaranteedRef { $0.currentPositions() }
        if firstPositions.count > candidateCapacity {
            candidates.deallocate()
            candidateCapacity = max(firstPositions.count, 2 * candidateCapacity)
            candidates = .allocate(capacity: candidateCapacity)
        }
        var count = 0
        for p in firstPositions where p >= offsets[first] {
            candidates[count] = p - offsets[first]
            count += 1
        }
        // The checks below walk each list once, so they need the candidates in order (and each
        // once): a word whose positions step back leaves them out of order.
        if !firstAscending {
            var inOrder = UnsafeMutableBufferPointer(start: candidates, count: count)
            inOrder.sort()
            var unique = 0
            for c in 0..<count where unique == 0 || candidates[c] != candidates[unique - 1] {
                candidates[unique] = candidates[c]
                unique += 1
            }
            count = unique
        }
        for r in 1..<n {
            if count == 0 { return 0 }
            let i = byTf[r]
            let (list, ascending) = refs[i]._withUnsafeGuaranteedRef { $0.currentPositions() }
            var head = 0
            var kept = 0
            for c in 0..<count {
                let base = candidates[c]
                let want = base + offsets[i]
                while head < list.count && list[head] < want { head += 1 }
                // Positions may repeat or step back slightly (compound forms): fall back to a scan.
                if (head < list.count && list[head] == want) || (!ascending && list.contains(want)) {
                    candidates[kept] = base
                    kept += 1
                }
            }
            count = kept
        }
        return count
    }

    override func next() -> Int32 {
        let target = ordered[0]._withUnsafeGuaranteedRef { doc == -1 ? $0.next() : $0.advance(to: doc + 1) }
        return find(from: target)
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        return find(from: ordered[0]._withUnsafeGuaranteedRef { $0.advance(to: target) })
    }
    override func score() -> Double {
        bm25.score(tf: Double(frequency), length: Double(lengths[Int(doc)]))
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        (bm25.weightedIdf * (bm25.k1 + 1), Matcher.end)
    }
    override var maxScore: Double { bm25.weightedIdf * (bm25.k1 + 1) * (1 + 1e-9) }
    override func raiseThreshold(_ threshold: Double) { self.threshold = threshold }
    override var cost: Int { cursors.map(\.docFreq).min() ?? 0 }
}
