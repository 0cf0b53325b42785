/// A query of term matchers (a word in all its fields, `a OR b`, `a b`, `a -b`), or an empty
/// query's every document of a language, evaluated a window of documents at a time, for
/// searches that visit every match (facets, a sort, an empty query, or an exact total still
/// being counted). The cheapest group's postings in the window are scored
/// straight into a per-document sum and marked in a bitmap; every other group then only looks
/// at the documents still marked (its leaves leapfrog over the bitmap, skipping whole blocks),
/// and the bitmap keeps those it holds too; the window's matches are read back in document
/// order. For a union that replaces, per match, finding the smallest current document among the
/// leaves and asking each for its score with one pass over each leaf's postings (the idea of
/// Lucene's BooleanScorer); a conjunction scores only what all its groups hold.
///
/// Scores sum leaf by leaf within a group and group by group, in `MaxScoreMatcher`'s order, so
/// each is bit-identical with `MaxScoreMatcher.score()` (and with a lone `TermMatcher`'s).
final class WindowedMatcher {
    static let windowSize: Int32 = 4_096
    /// Fewer postings than this in the cheapest group go faster document by document.
    static let minimumCost = 1_000
    private static let words = Int(windowSize) / 64

    /// The groups in scoring order; `byCost` visits them cheapest first.
    private let groups: [[TermMatcher]]
    private let byCost: [Int]
    /// The cheapest group, and its window of sums.
    private let cheapest: [TermMatcher]
    private let cheapestSums: UnsafeMutablePointer<Double>
    private let excluded: [Matcher]
    /// One group and nothing excluded: a match's score is its one sum.
    private let single: Bool
    /// Per group, a window of partial scores (group `g`'s at `scores + g * windowSize`).
    private let scores: UnsafeMutablePointer<Double>
    /// The documents every group visited so far holds (after `fill`: the matches).
    private let bits: UnsafeMutablePointer<UInt64>
    /// Those the group being visited holds.
    private let groupBits: UnsafeMutablePointer<UInt64>

    /// The first document of the current window.
    private(set) var start: Int32 = 0
    /// Just past the current window.
    private(set) var end: Int32 = 0
    /// The last bitmap word the window set.
    private var lastWord = 0
    private var word = -1
    private var mask: UInt64 = 0
    /// The score of the match `nextMatch` returned last.
    private(set) var score = 0.0

    /// Nil unless `root` is a term matcher, a `MaxScoreMatcher` over term matchers whose
    /// cheapest group has enough postings to pay for the windows, or an empty query's
    /// `AllMatcher` over enough documents.
    init?(_ root: Matcher) {
        guard root.cost >= Self.minimumCost else { return nil }
        everyDocument = (root as? AllMatcher).map { ($0.languages, $0.language) }
        if everyDocument != nil {
            groups = [[]]
            excluded = []
            byCost = [0]
        } else if let term = root as? TermMatcher {
            groups = [[term]]
            excluded = []
            byCost = [0]
        } else if let m = root as? MaxScoreMatcher, let terms = m.termGroups {
            groups = terms
            excluded = m.excluded
            byCost = m.groupsByCost
        } else {
            return nil
        }
        single = groups.count == 1 && excluded.isEmpty
        buffers = Self.pool.borrow()
        buffers.reserve(groups: groups.count)
        scores = buffers.scores
        bits = buffers.bits
        groupBits = buffers.groupBits
        cheapest = groups[byCost[0]]
        cheapestSums = scores + byCost[0] * Int(Self.windowSize)
    }

    deinit {
        bits.update(repeating: 0, count: Self.words)
        groupBits.update(repeating: 0, count: Self.words)
        Self.pool.giveBack(buffers)
    }

    /// A window's memory (32 KiB of sums per group), reused from search to search: allocated
    /// afresh, it would cost page faults on every search.
    private final class Buffers: @unchecked Sendable {  // used by one search at a time (pool hand-off)
        private(set) var scores = UnsafeMutablePointer<Double>.allocate(capacity: 0)
        private var groups = 0
        let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: WindowedMatcher.words)
        let groupBits = UnsafeMutablePointer<UInt64>.allocate(capacity: WindowedMatcher.words)

        init() {
            bits.initialize(repeating: 0, count: WindowedMatcher.words)
            groupBits.initialize(repeating: 0, count: WindowedMatcher.words)
        }

        func reserve(groups n: Int) {
            guard n > groups else { return }
            scores.deallocate()
            scores = .allocate(capacity: n * Int(WindowedMatcher.windowSize))
            groups = n
        }

        deinit {
            scores.deallocate()
            bits.deallocate()
            groupBits.deallocate()
        }
    }
    private static let pool = ReusePool { Buffers() }
    private let buffers: Buffers

    /// For an empty query: the documents of one language (all scoring 0).
    private let everyDocument: (languages: [UInt8], language: UInt8)?

    /// Scores the window that starts at the cheapest group's first document ≥ `from`; false
    /// when there is none.
    func fill(from: Int32) -> Bool {
        if let (languages, language) = everyDocument { return fillEvery(from: Int(from), languages, language) }
        var first = Matcher.end
        for leaf in cheapest {
            var d = leaf.doc
            if d < from { d = leaf.advance(to: from) }
            first = min(first, d)
        }
        guard first != Matcher.end else { return false }
        start = first
        end = first &+ min(Self.windowSize, Matcher.end - first)
        word = -1
        mask = 0
        // The cheapest group: every posting in the window.
        var last = 0
        for leaf in cheapest {
            var d = leaf.doc
            while d < end {
                let i = Int(d &- start)
                add(leaf.score(), at: i, marking: bits, cheapestSums)
                last = max(last, i)
                d = leaf.next()
            }
        }
        lastWord = last >> 6
        // The others: only the documents still marked.
        for g in byCost.dropFirst() {
            let sums = scores + g * Int(Self.windowSize)
            for leaf in groups[g] {
                var next = firstMarked(from: 0)
                while next >= 0 {
                    var d = leaf.doc
                    if d < start &+ Int32(next) { d = leaf.advance(to: start &+ Int32(next)) }
                    if d >= end { break }
                    let i = Int(d &- start)
                    if bits[i >> 6] & (1 << UInt64(i & 63)) != 0 {
                        add(leaf.score(), at: i, marking: groupBits, sums)
                        next = i + 1 < Int(Self.windowSize) ? firstMarked(from: i + 1) : -1
                    } else {
                        next = firstMarked(from: i)
                    }
                }
            }
            for w in 0...lastWord {
                bits[w] &= groupBits[w]
                groupBits[w] = 0
            }
        }
        return true
    }

    /// The window of an empty query: the documents of `language` from the first at or after
    /// `from`.
    private func fillEvery(from: Int, _ languages: [UInt8], _ language: UInt8) -> Bool {
        var d = from
        while d < languages.count && languages[d] != language { d += 1 }
        guard d < languages.count else { return false }
        start = Int32(d)
        end = start &+ min(Self.windowSize, Matcher.end - start)
        word = -1
        mask = 0
        var last = 0
        while d < min(Int(end), languages.count) {
            if languages[d] == language {
                let i = d - Int(start)
                add(0, at: i, marking: bits, cheapestSums)
                last = i
            }
            d += 1
        }
        lastWord = last >> 6
        return true
    }

    /// Adds a leaf's score to document `i`'s sum: the first of its group to find `i` marks it
    /// and sets the sum, so the group's leaves sum in their order.
    @inline(__always)
    private func add(_ s: Double, at i: Int, marking marks: UnsafeMutablePointer<UInt64>, _ sums: UnsafeMutablePointer<Double>) {
        let w = i >> 6, bit = UInt64(1) << UInt64(i & 63)
        if marks[w] & bit == 0 {
            marks[w] |= bit
            sums[i] = s
        } else {
            sums[i] += s
        }
    }

    /// The first marked index ≥ `i` in the window, or -1.
    @inline(__always)
    private func firstMarked(from i: Int) -> Int {
        var w = i >> 6
        guard w <= lastWord else { return -1 }
        var m = bits[w] & (~0 << UInt64(i & 63))
        while m == 0 {
            w += 1
            if w > lastWord { return -1 }
            m = bits[w]
        }
        return w << 6 | m.trailingZeroBitCount
    }

    /// The window's next match in document order (its score in `score`), or nil at the
    /// window's end; clears the window as it goes.
    @inline(__always)
    func nextMatch() -> Int32? {
        while true {
            while mask == 0 {
                word += 1
                if word > lastWord { return nil }
                mask = bits[word]
                bits[word] = 0
            }
            let i = word << 6 | mask.trailingZeroBitCount
            mask &= mask &- 1
            let d = start &+ Int32(i)
            if single {
                score = scores[i]
                return d
            }
            if excluded.contains(where: { $0.advance(to: d) == d }) { continue }
            var total = 0.0
            for g in 0..<groups.count { total += scores[g * Int(Self.windowSize) + i] }
            score = total
            return d
        }
    }
}
