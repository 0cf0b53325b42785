/// A union of term matchers (a word in all its fields, `a OR b`) evaluated a window of
/// documents at a time, for searches that visit every match (facets, a sort, or an exact total
/// still being counted): each leaf's postings in the window are scored straight into a
/// per-document sum and marked in a bitmap, then the window's matches are read back in document
/// order. That replaces, per match, finding the smallest current document among the leaves and
/// asking each for its score, with one pass over each leaf's postings (the idea of Lucene's
/// BooleanScorer).
///
/// Scores are summed leaf by leaf in the union's own order, so each is bit-identical with
/// `MaxScoreMatcher.score()` (and with a lone `TermMatcher`'s).
final class WindowedUnion {
    static let windowSize: Int32 = 4_096
    static let minimumCost = 1_000
    private let leaves: [TermMatcher]
    private let scores: UnsafeMutablePointer<Double>
    private let bits: UnsafeMutablePointer<UInt64>
    private static let words = Int(windowSize) / 64

    /// The first document of the current window.
    private(set) var start: Int32 = 0
    /// Just past the current window.
    private(set) var end: Int32 = 0

    /// Nil unless `root` is a term matcher or a plain union of them with enough postings to
    /// pay for the windows (a rare word's few matches go faster one by one).
    init?(_ root: Matcher) {
        guard root.cost >= Self.minimumCost else { return nil }
        if let term = root as? TermMatcher {
            leaves = [term]
        } else if let union = root as? MaxScoreMatcher, let terms = union.unionOfTerms {
            leaves = terms
        } else {
            return nil
        }
        scores = .allocate(capacity: Int(Self.windowSize))
        bits = .allocate(capacity: Self.words)
        bits.initialize(repeating: 0, count: Self.words)
    }

    deinit {
        scores.deallocate()
        bits.deallocate()
    }

    /// Scores the window that starts at the first match ≥ `from`; false when there is none.
    func fill(from: Int32) -> Bool {
        var first = Matcher.end
        for leaf in leaves {
            var d = leaf.doc
            if d < from { d = leaf.advance(to: from) }
            first = min(first, d)
        }
        guard first != Matcher.end else { return false }
        start = first
        word = -1
        mask = 0
        end = first &+ min(Self.windowSize, Matcher.end - first)
        var last = 0
        for leaf in leaves {
            var d = leaf.doc
            while d < end {
                let i = Int(d &- start)
                let word = i >> 6, bit = UInt64(1) << UInt64(i & 63)
                let s = leaf.score()
                if bits[word] & bit == 0 {
                    bits[word] |= bit
                    scores[i] = s
                } else {
                    scores[i] += s
                }
                last = max(last, i)
                d = leaf.next()
            }
        }
        lastWord = last >> 6
        return true
    }

    /// The window's next match in document order (its score in `score`), or nil at the
    /// window's end; clears the window as it goes.
    @inline(__always)
    func nextMatch() -> Int32? {
        while mask == 0 {
            word += 1
            if word > lastWord { return nil }
            mask = bits[word]
            bits[word] = 0
        }
        let i = word << 6 | mask.trailingZeroBitCount
        mask &= mask &- 1
        score = scores[i]
        return start &+ Int32(i)
    }
    private var word = -1
    /// The last bitmap word the window set.
    private var lastWord = 0
    private var mask: UInt64 = 0
    /// The score of the match `nextMatch` returned last.
    private(set) var score = 0.0
}
