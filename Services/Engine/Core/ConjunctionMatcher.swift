/// Every child matches and no excluded one does; the score sums the children.
final class ConjunctionMatcher: Matcher {
    let children: [Matcher]
    let excluded: [Matcher]
    /// `children` and `excluded`, unretained, for the loops below.
    private let refs: [Unmanaged<Matcher>]
    private let excludedRefs: [Unmanaged<Matcher>]
    init(_ children: [Matcher], excluded: [Matcher]) {
        // Leading with the sparsest child keeps leapfrogging short.
        self.children = children
        self.excluded = excluded
        refs = children.map { .passUnretained($0) }
        excludedRefs = excluded.map { .passUnretained($0) }
    }

    /// Only documents scoring at least this matter (top-k); -∞ until a search says otherwise.
    private var threshold = -Double.infinity
    private var boundUntil: Int32 = -1
    private var boundValue = 0.0
    private var blockChecks = SkipStatistics()

    private func align(from start: Int32) -> Int32 {
        var target = start
        outer: while target != Matcher.end {
            if threshold > -.infinity && blockChecks.worthIt {
                // Block-max skipping: a run of documents whose summed block bounds cannot reach
                // the threshold is jumped over before any child is aligned on it.
                if target > boundUntil {
                    (boundValue, boundUntil) = bound(from: target)
                    blockChecks.record(skipped: boundValue < threshold)
                }
                if boundValue < threshold {
                    if boundUntil == Matcher.end { break }
                    target = refs[0].advance(to: boundUntil + 1)
                    continue outer
                }
            }
            for c in refs {
                let d = c.advance(to: target)
                if d != target {
                    target = d
                    continue outer
                }
            }
            for x in excludedRefs where x.advance(to: target) == target {
                target += 1
                continue outer
            }
            doc = target
            return target
        }
        doc = Matcher.end
        return doc
    }
    override func next() -> Int32 {
        guard let lead = refs.first else { doc = Matcher.end; return doc }
        return align(from: doc == -1 ? lead.next() : lead.advance(to: doc + 1))
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        guard let lead = refs.first else { doc = Matcher.end; return doc }
        return align(from: lead.advance(to: target))
    }
    override func score() -> Double {
        var s = 0.0
        for c in refs { s += c.score() }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        refs.summedBound(from: target)
    }
    private lazy var maxima: [Double] = children.map(\.maxScore)
    override var maxScore: Double { maxima.reduce(0, +) }
    /// A document reaches `threshold` only if each child reaches `threshold` minus what all the
    /// others can add at most.
    override func raiseThreshold(_ threshold: Double) {
        self.threshold = threshold
        let total = maxima.reduce(0, +)
        guard total.isFinite else { return }
        for (i, c) in children.enumerated() { c.raiseThreshold(threshold - (total - maxima[i])) }
    }
}
