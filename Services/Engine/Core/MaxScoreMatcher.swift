/// Documents that every group matches, scored by the sum of the leaves on them. A group matches
/// where any of its leaves does: a union (`a OR b`, a word in several fields) is one group; a
/// conjunction has a group per child, a union child giving its own children as the group's
/// leaves, so that a query's words in all their fields are one flat list of leaves.
///
/// With a threshold (top-k search) it works as block-max MaxScore over those leaves. The doc-id
/// space is walked in windows over which every leaf's block bound holds; in each, the leaves
/// sorted by that bound split into a non-essential prefix whose bounds sum below the threshold
/// (a document holding none of the others cannot reach it) and the essential rest, which
/// proposes the candidates (or the cheapest group does, when its postings are fewer). Each
/// candidate is bounded ever more tightly (block bounds of the leaves on it and of those not
/// looked at yet, then its term frequencies, then probing the unknown leaves, then exact scores)
/// and dropped as soon as the bound falls below the threshold: most candidates of a two-word
/// query (a word in a lead, the other anywhere) go without decoding a block of the dense
/// body postings or reading a field length.
///
/// Scores always sum group by group, each group's leaves in their order, so a score is
/// bit-identical with or without pruning.
final class MaxScoreMatcher: Matcher {
    /// The leaves, group after group; within a group ascending by maximum score.
    let leaves: [Matcher]
    /// Group `g` is `leaves[groupStart[g] ..< groupStart[g + 1]]`.
    let groupStart: [Int]
    let excluded: [Matcher]
    private let n: Int
    private let groupCount: Int
    /// `leaves` unretained, for the loops below.
    private let refs: UnsafeMutablePointer<Unmanaged<Matcher>>
    private let excludedRefs: [Unmanaged<Matcher>]
    /// Whether every leaf is a `TermMatcher`; then `terms` holds them as such.
    private let allTerms: Bool
    private let terms: UnsafeMutablePointer<Unmanaged<TermMatcher>>
    private let groupOf: UnsafeMutablePointer<Int>
    private let maxima: UnsafeMutablePointer<Double>
    /// Per leaf: its score on `scoredAt` (computed once per document).
    private let scores: UnsafeMutablePointer<Double>
    private let scoredAt: UnsafeMutablePointer<Int32>
    /// Per leaf: what it adds to the current candidate's bound (its block bound, its
    /// frequency bound, its exact score, or 0 once known to be off it).
    private let parts: UnsafeMutablePointer<Double>
    /// Per leaf: a block bound of its score, valid for documents up to `boundUntil`.
    private let bounds: UnsafeMutablePointer<Double>
    private let boundUntil: UnsafeMutablePointer<Int32>
    /// Per candidate: which leaves are on it, off it, or not looked at yet; per group, how many
    /// of its leaves are on it and how many are unknown.
    private let state: UnsafeMutablePointer<UInt8>
    private let groupOn: UnsafeMutablePointer<Int32>
    private let groupUnknown: UnsafeMutablePointer<Int32>
    /// Leaf indices by maximum score, descending: the order unknown leaves are probed in.
    private let probeOrder: UnsafeMutablePointer<Int>
    /// Group indices by their summed cost, ascending (the order `findAll` leapfrogs in).
    let groupsByCost: [Int]
    /// The sum of the leaves' maxima.
    private let summedMax: Double
    /// Per leaf: its cost (the postings it visits).
    private let costs: UnsafeMutablePointer<Int>
    private let cheapestGroupCost: Int
    /// Leaf indices by their bound in the current window, ascending.
    private let windowOrder: UnsafeMutablePointer<Int>

    /// Only documents scoring at least this matter (top-k); -∞ until a search says otherwise.
    private var threshold = -Double.infinity
    /// The last document of the current window: every leaf's block bound (`bounds`) holds
    /// up to there, so the window has one split into essential and non-essential leaves.
    private var windowEnd: Int32 = -1
    /// Whether even all leaves at their bounds cannot reach the threshold in this window.
    private var windowHopeless = false
    /// `generators[0 ..< generatorCount]`: the leaves whose documents are the candidates.
    private let generators: UnsafeMutablePointer<Int>
    private var generatorCount = 0

    private static let off: UInt8 = 0, on: UInt8 = 1, unknown: UInt8 = 2

    /// Any child matches; the score sums those on the document. A child that is a plain union
    /// itself (a word in several fields, in `a OR b`) gives its leaves, so that the whole
    /// disjunction is one flat list of term leaves (pruned, and evaluated by windows, as one).
    static func union(_ children: [Matcher]) -> MaxScoreMatcher {
        MaxScoreMatcher(groups: [children.flatMap { child -> [Matcher] in
            if let u = child as? MaxScoreMatcher, u.groupCount == 1, u.excluded.isEmpty { return u.leaves }
            return [child]
        }], excluded: [])
    }

    /// Every child matches and no excluded one does; the score sums the children. Children
    /// are taken in the given order (sparsest first is cheapest).
    static func conjunction(_ children: [Matcher], excluded: [Matcher]) -> MaxScoreMatcher {
        MaxScoreMatcher(groups: children.map { child in
            if let u = child as? MaxScoreMatcher, u.groupCount == 1, u.excluded.isEmpty { return u.leaves }
            return [child]
        }, excluded: excluded)
    }

    private init(groups: [[Matcher]], excluded: [Matcher]) {
        var leaves: [Matcher] = [], starts = [0]
        for g in groups {
            leaves.append(contentsOf: g.sorted { $0.maxScore < $1.maxScore })
            starts.append(leaves.count)
        }
        self.leaves = leaves
        groupStart = starts
        self.excluded = excluded
        n = leaves.count
        groupCount = groups.count
        excludedRefs = excluded.map { .passUnretained($0) }
        refs = .allocate(capacity: n)
        allTerms = leaves.allSatisfy { $0 is TermMatcher }
        terms = .allocate(capacity: allTerms ? n : 0)
        if allTerms {
            for (l, leaf) in leaves.enumerated() { terms[l] = .passUnretained(leaf as! TermMatcher) }
        }
        groupOf = .allocate(capacity: n)
        maxima = .allocate(capacity: n)
        scores = .allocate(capacity: n)
        scoredAt = .allocate(capacity: n)
        bounds = .allocate(capacity: n)
        parts = .allocate(capacity: n)
        boundUntil = .allocate(capacity: n)
        state = .allocate(capacity: n)
        groupOn = .allocate(capacity: groupCount)
        groupUnknown = .allocate(capacity: groupCount)
        for g in 0..<groupCount {
            for l in starts[g]..<starts[g + 1] {
                refs[l] = .passUnretained(leaves[l])
                groupOf[l] = g
                maxima[l] = leaves[l].maxScore
                scoredAt[l] = -1
                boundUntil[l] = -1
            }
        }
        let byMax = (0..<leaves.count).sorted { leaves[$0].maxScore < leaves[$1].maxScore }
        probeOrder = .allocate(capacity: n)
        for (i, l) in byMax.reversed().enumerated() { probeOrder[i] = l }
        summedMax = byMax.reduce(0) { $0 + leaves[$1].maxScore }
        costs = .allocate(capacity: n)
        windowOrder = .allocate(capacity: n)
        for l in 0..<n {
            costs[l] = leaves[l].cost
            windowOrder[l] = l
        }
        let groupCosts = (0..<groups.count).map { g in leaves[starts[g]..<starts[g + 1]].reduce(0) { $0 + $1.cost } }
        groupsByCost = groupCosts.indices.sorted { groupCosts[$0] < groupCosts[$1] }
        cheapestGroupCost = groupCosts[groupsByCost[0]]
        generators = .allocate(capacity: n)
    }

    deinit {
        refs.deallocate()
        terms.deallocate()
        groupOf.deallocate()
        maxima.deallocate()
        scores.deallocate()
        scoredAt.deallocate()
        bounds.deallocate()
        parts.deallocate()
        boundUntil.deallocate()
        state.deallocate()
        probeOrder.deallocate()
        generators.deallocate()
        costs.deallocate()
        windowOrder.deallocate()
        groupOn.deallocate()
        groupUnknown.deallocate()
    }

    /// The groups' leaves, when they are all term matchers.
    var termGroups: [[TermMatcher]]? {
        guard allTerms else { return nil }
        return (0..<groupCount).map { g in leaves[groupStart[g]..<groupStart[g + 1]].map { $0 as! TermMatcher } }
    }

    // The leaves of a query's words are all term matchers: called as such, their methods are
    // direct (and inlined) calls instead of dynamic dispatch, several times per candidate.
    @inline(__always) private func advance(_ l: Int, to target: Int32) -> Int32 {
        allTerms ? terms[l]._withUnsafeGuaranteedRef { $0.advance(to: target) } : refs[l].advance(to: target)
    }
    @inline(__always) private func frequencyBound(_ l: Int) -> Double {
        allTerms ? terms[l]._withUnsafeGuaranteedRef { $0.frequencyBound() } : refs[l].frequencyBound()
    }
    @inline(__always) private func score(_ l: Int) -> Double {
        allTerms ? terms[l]._withUnsafeGuaranteedRef { $0.score() } : refs[l].score()
    }
    @inline(__always) private func bound(_ l: Int, from target: Int32) -> (score: Double, until: Int32) {
        allTerms ? terms[l]._withUnsafeGuaranteedRef { $0.bound(from: target) } : refs[l].bound(from: target)
    }

    /// Whether a candidate bounded by `bound` cannot reach the threshold. The margin absorbs
    /// rounding: the bound sums in another order than `score()`, and a tie must be kept.
    @inline(__always) private func below(_ bound: Double) -> Bool {
        bound * (1 + 1e-12) < threshold
    }

    /// The block bound of leaf `l` at `d` (cached for the rest of its block).
    @inline(__always) private func blockBound(_ l: Int, _ d: Int32) -> Double {
        if d > boundUntil[l] {
            let (s, until) = bound(l, from: d)
            bounds[l] = s
            boundUntil[l] = until
        }
        return bounds[l]
    }

    @inline(__always) private func leafScore(_ l: Int, _ d: Int32) -> Double {
        if scoredAt[l] != d {
            scores[l] = score(l)
            scoredAt[l] = d
        }
        return scores[l]
    }

    /// The first document ≥ `start` in every group and none excluded (that may reach the
    /// threshold, once there is one).
    private func find(from start: Int32) -> Int32 {
        threshold == -.infinity ? findAll(from: start) : findPruned(from: start)
    }

    /// Without a threshold: leapfrogs between the groups, cheapest first, each group at the
    /// first document any of its leaves holds, until all of them agree.
    private func findAll(from start: Int32) -> Int32 {
        var target = start
        var i = 0, agreeing = 0
        while target != Matcher.end {
            let g = groupsByCost[i]
            var m = Matcher.end
            for l in groupStart[g]..<groupStart[g + 1] {
                var x = refs[l].doc
                if x < target { x = advance(l, to: target) }
                if x < m { m = x }
            }
            if m != target {
                target = m
                agreeing = 1
            } else {
                agreeing += 1
            }
            if agreeing >= groupCount && target != Matcher.end {
                if !isExcluded(target) {
                    doc = target
                    return target
                }
                target += 1
                agreeing = 0
            }
            i = i + 1 == groupCount ? 0 : i + 1
        }
        doc = Matcher.end
        return doc
    }

    /// With a threshold: candidates from the generators, each bounded first by the block
    /// bounds of the leaves on it or not looked at yet, then by what the term frequencies of
    /// those on it allow, then with the unknown leaves probed (largest maximum first), and at
    /// last by exact scores: each step is taken only while the bound still reaches the
    /// threshold, and the dearer ones (decoding a block, a document's field length) come last.
    private func findPruned(from start: Int32) -> Int32 {
        var target = start
        outer: while target != Matcher.end {
            if target > windowEnd {
                startWindow(at: target)
                if windowHopeless {
                    target = windowEnd == Matcher.end ? Matcher.end : windowEnd + 1
                    continue outer
                }
            }
            var d = Matcher.end
            for i in 0..<generatorCount {
                let l = generators[i]
                var x = refs[l].doc
                if x < target { x = advance(l, to: target) }
                if x < d { d = x }
            }
            if d == Matcher.end { break }
            if d > windowEnd {
                // Nothing in the rest of the window can reach the threshold.
                target = windowEnd + 1
                continue outer
            }
            for g in 0..<groupCount {
                groupOn[g] = 0
                groupUnknown[g] = 0
            }
            var bound = 0.0
            for l in 0..<n {
                let x = refs[l].doc
                if x > d {
                    state[l] = Self.off
                    continue
                }
                if x == d {
                    state[l] = Self.on
                    groupOn[groupOf[l]] += 1
                } else {
                    state[l] = Self.unknown
                    groupUnknown[groupOf[l]] += 1
                }
                parts[l] = blockBound(l, d)
                bound += parts[l]
            }
            for g in 0..<groupCount where groupOn[g] == 0 && groupUnknown[g] == 0 {
                // Every leaf of this group is past `d`: the next candidate is where its first is.
                target = nextOfGroup(g)
                continue outer
            }
            if below(bound) {
                target = d + 1
                continue outer
            }
            for l in 0..<n where state[l] == Self.on {
                let b = min(parts[l], frequencyBound(l))
                bound += b - parts[l]
                parts[l] = b
            }
            if below(bound) {
                target = d + 1
                continue outer
            }
            for i in 0..<n {
                let l = probeOrder[i]
                guard state[l] == Self.unknown else { continue }
                let g = groupOf[l]
                groupUnknown[g] -= 1
                if advance(l, to: d) == d {
                    state[l] = Self.on
                    groupOn[g] += 1
                    let b = min(parts[l], frequencyBound(l))
                    bound += b - parts[l]
                    parts[l] = b
                } else {
                    state[l] = Self.off
                    if groupOn[g] == 0 && groupUnknown[g] == 0 {
                        target = d + 1
                        continue outer
                    }
                    bound -= parts[l]
                }
                if below(bound) {
                    target = d + 1
                    continue outer
                }
            }
            for l in 0..<n where state[l] == Self.on { bound += leafScore(l, d) - parts[l] }
            if below(bound) || isExcluded(d) {
                target = d + 1
                continue outer
            }
            doc = d
            return d
        }
        doc = Matcher.end
        return doc
    }

    @inline(__always) private func isExcluded(_ d: Int32) -> Bool {
        for x in excludedRefs where x.advance(to: d) == d { return true }
        return false
    }

    /// The first document of group `g` (whose leaves all lie past the current candidate).
    private func nextOfGroup(_ g: Int) -> Int32 {
        var m = Matcher.end
        for l in groupStart[g]..<groupStart[g + 1] { m = min(m, refs[l].doc) }
        return m
    }

    override func next() -> Int32 {
        if doc == Matcher.end { return doc }
        return find(from: doc + 1)
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        return find(from: target)
    }
    override func score() -> Double {
        var total = 0.0
        for g in 0..<groupCount {
            var s = 0.0
            for l in groupStart[g]..<groupStart[g + 1] {
                var x = refs[l].doc
                if x < doc { x = advance(l, to: doc) }
                if x == doc { s += leafScore(l, doc) }
            }
            total += s
        }
        return total
    }
    override func currentBound() -> Double {
        var s = 0.0
        for l in 0..<n {
            let x = refs[l].doc
            if x == doc {
                s += allTerms ? terms[l]._withUnsafeGuaranteedRef { $0.currentBound() } : refs[l].currentBound()
            } else if x < doc {
                s += blockBound(l, doc)
            }
        }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        var s = 0.0, until = Matcher.end
        for l in 0..<n {
            let (cs, cu) = bound(l, from: target)
            s += cs
            until = min(until, cu)
        }
        return (s, until)
    }
    override var maxScore: Double { summedMax }
    /// The cheapest group's postings: every match is among them.
    override var cost: Int { cheapestGroupCost }
    /// Splits the leaves anew for the current window and tells each leaf the least it must
    /// score for a document to reach `threshold` with all the others at their maxima (a
    /// document it then skips cannot make the top k).
    override func raiseThreshold(_ threshold: Double) {
        self.threshold = threshold
        if windowEnd >= 0 { split() }
        guard summedMax.isFinite else { return }
        for l in 0..<n { refs[l]._withUnsafeGuaranteedRef { $0.raiseThreshold(threshold - (summedMax - maxima[l])) } }
    }

    /// Starts a window at `target`: the leaves' block bounds there, up to where the first of
    /// those blocks ends.
    private func startWindow(at target: Int32) {
        var end = Matcher.end
        for l in 0..<n {
            _ = blockBound(l, target)
            end = min(end, boundUntil[l])
        }
        windowEnd = end
        split()
    }

    /// MaxScore in the window: by their block bounds, the longest prefix of leaves summing
    /// below the threshold is non-essential; the others propose the candidates, unless the
    /// cheapest group has fewer postings.
    private func split() {
        // Insertion sort: few leaves, and the order rarely changes from one window to the next.
        for i in 1..<max(n, 1) {
            let x = windowOrder[i], b = bounds[x]
            var j = i
            while j > 0 && bounds[windowOrder[j - 1]] > b {
                windowOrder[j] = windowOrder[j - 1]
                j -= 1
            }
            windowOrder[j] = x
        }
        var sum = 0.0, first = 0
        while first < n && below(sum + bounds[windowOrder[first]]) {
            sum += bounds[windowOrder[first]]
            first += 1
        }
        windowHopeless = first == n
        var cost = 0
        for i in first..<n { cost += costs[windowOrder[i]] }
        generatorCount = 0
        if cost < cheapestGroupCost {
            for i in first..<n {
                generators[generatorCount] = windowOrder[i]
                generatorCount += 1
            }
        } else {
            for l in groupStart[groupsByCost[0]]..<groupStart[groupsByCost[0] + 1] {
                generators[generatorCount] = l
                generatorCount += 1
            }
        }
    }
}
