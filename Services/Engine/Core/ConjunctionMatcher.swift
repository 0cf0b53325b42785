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
    /// The leaves of this conjunction (its children, a union child counting as its own children),
    /// by maximum score: filled at the first threshold.
    private var leaves: [Matcher] = []
    /// With a threshold, the leaves a document must hold at least one of to reach it (those past
    /// the longest prefix of `leaves` whose maxima sum below it): they propose candidates instead
    /// of the first child when their postings are fewer. Empty otherwise.
    private var pivots: [Unmanaged<Matcher>] = []

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
                    target = pivots.isEmpty ? refs[0].advance(to: boundUntil + 1) : boundUntil + 1
                    continue outer
                }
            }
            if !pivots.isEmpty {
                // A document none of the pivots holds scores below the threshold: jump to the next
                // one that some pivot holds.
                var next = Matcher.end
                for p in pivots {
                    var d = p.doc
                    if d < target { d = p.advance(to: target) }
                    if d < next { next = d }
                }
                if next != target {
                    target = next
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
        if !pivots.isEmpty && doc >= 0 { return align(from: doc + 1) }
        return align(from: doc == -1 ? lead.next() : lead.advance(to: doc + 1))
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        guard let lead = refs.first else { doc = Matcher.end; return doc }
        if !pivots.isEmpty { return align(from: target) }
        return align(from: lead.advance(to: target))
    }
    override func score() -> Double {
        var s = 0.0
        for c in refs { s += c.score() }
        return s
    }
    override func currentBound() -> Double {
        var s = 0.0
        for c in refs { s += c.currentBound() }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        refs.summedBound(from: target)
    }
    private lazy var maxima: [Double] = children.map(\.maxScore)
    override var maxScore: Double { maxima.reduce(0, +) }
    override var cost: Int { children.map(\.cost).min() ?? 0 }
    /// A document reaches `threshold` only if each child reaches `threshold` minus what all the
    /// others can add at most.
    override func raiseThreshold(_ threshold: Double) {
        self.threshold = threshold
        let total = maxima.reduce(0, +)
        guard total.isFinite else { return }
        for (i, c) in children.enumerated() { c.raiseThreshold(threshold - (total - maxima[i])) }
        choosePivots(threshold)
    }

    /// MaxScore over the leaves: summed per field, a query's words have loose maxima (a word in
    /// the title, lead and body at once), so the children's thresholds above rarely prune; but
    /// the low-scoring leaves (bodies) together often cannot reach the threshold, and then only
    /// documents holding one of the others (titles, leads) need to be looked at.
    private func choosePivots(_ threshold: Double) {
        guard let lead = children.first else { return }
        if leaves.isEmpty {
            leaves = children.flatMap { ($0 as? UnionMatcher)?.children ?? [$0] }.sorted { $0.maxScore < $1.maxScore }
        }
        var sum = 0.0
        var first = 0
        while first < leaves.count && sum + leaves[first].maxScore < threshold {
            sum += leaves[first].maxScore
            first += 1
        }
        // Pivots only when they visit fewer documents than leading with the sparsest child.
        guard first > 0, first < leaves.count,
              leaves[first...].reduce(0, { $0 + $1.cost }) < lead.cost else { return }
        pivots = leaves[first...].map { .passUnretained($0) }
    }
}
