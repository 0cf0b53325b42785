/// Any child matches; the score sums the children on the document.
///
/// With a threshold (top-k search) it works as MaxScore: children sorted by their maximum score;
/// the longest prefix whose maxima sum below the threshold is "non-essential" (a document found
/// only there cannot make the top k), so only the other children propose documents, and the
/// non-essential ones are merely probed for the documents proposed.
final class UnionMatcher: Matcher {
    let children: [Matcher]
    /// `children`, unretained, for the loops below.
    private let refs: [Unmanaged<Matcher>]
    /// Children `[essential...]` drive iteration; earlier ones are only probed.
    private var essential = 0
    /// `prefixMax[i]` = sum of the maxima of children `0..<i` (children sorted by maximum).
    private var prefixMax: [Double] = []

    init(_ children: [Matcher]) {
        self.children = children.sorted { $0.maxScore < $1.maxScore }
        refs = self.children.map { .passUnretained($0) }
    }

    private func settle() -> Int32 {
        var m = Matcher.end
        for i in essential..<refs.count {
            let d = refs[i].doc
            if d < m { m = d }
        }
        doc = m
        return m
    }
    override func next() -> Int32 {
        if doc == -1 {
            for i in essential..<refs.count { refs[i].next() }
            return settle()
        }
        return advance(to: doc + 1)
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        // Advances and takes the minimum in one pass.
        var m = Matcher.end
        for i in essential..<refs.count {
            var d = refs[i].doc
            if d < target { d = refs[i].advance(to: target) }
            if d < m { m = d }
        }
        doc = m
        return m
    }
    override func score() -> Double {
        // Always summed in child order, so a score is bit-identical with or without pruning.
        var s = 0.0
        for (i, c) in refs.enumerated() {
            if i < essential ? c.advance(to: doc) == doc : c.doc == doc { s += c.score() }
        }
        return s
    }
    override func currentBound() -> Double {
        // Non-essential children are not positioned here yet: their maxima stand in.
        var s = essential > 0 ? prefixMax[essential] : 0
        for i in essential..<refs.count where refs[i].doc == doc { s += refs[i].currentBound() }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        refs.summedBound(from: target)
    }
    private lazy var summedMax: Double = children.reduce(0) { $0 + $1.maxScore }
    override var maxScore: Double { summedMax }
    override var cost: Int { children.reduce(0) { $0 + $1.cost } }
    override func raiseThreshold(_ threshold: Double) {
        if prefixMax.isEmpty {
            prefixMax = [0]
            for c in children { prefixMax.append(prefixMax.last! + c.maxScore) }
        }
        // Keep at least one child essential; never shrink the set again (thresholds only grow).
        while essential + 1 < children.count && prefixMax[essential + 1] < threshold {
            essential += 1
        }
        // A child must reach the threshold minus what all the others can add at most; a document
        // it then skips cannot make the top k, so leaving out its part of the sum is harmless.
        let total = prefixMax[children.count]
        guard total.isFinite else { return }
        for (i, c) in children.enumerated() { c.raiseThreshold(threshold - (total - (prefixMax[i + 1] - prefixMax[i]))) }
    }
}
