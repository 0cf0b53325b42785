#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Document iterators a query is compiled into, one tree per segment and language. Each walks
/// its documents in ascending order (`next`, `advance(to:)`), scores the current one, and can
/// bound the score of every document in `[target, until]` without decoding (`bound(from:)`),
/// which is what lets a top-k search skip blocks that cannot make it into the heap.
class Matcher {
    static let end = PostingCursor.exhausted
    var doc: Int32 = -1

    @discardableResult func next() -> Int32 { fatalError("abstract") }
    @discardableResult func advance(to target: Int32) -> Int32 {
        while doc < target { next() }
        return doc
    }
    func score() -> Double { 0 }
    /// An upper bound of `score()` for every document in `[target, until]`.
    func bound(from target: Int32) -> (score: Double, until: Int32) { (0, Matcher.end) }
    /// An upper bound of `score()` over all documents.
    var maxScore: Double { .infinity }
    /// Told by a top-k search that only documents scoring at least `threshold` matter from now
    /// on; a matcher may then skip the others (and under-report their scores). Default: ignored.
    func raiseThreshold(_ threshold: Double) {}
}

/// BM25 of one term in one field: `weight · idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))`.
struct BM25Field: Sendable {
    let weightedIdf: Double
    let k1: Double
    let b: Double
    let averageLength: Double

    @inline(__always) func score(tf: Double, length: Double) -> Double {
        weightedIdf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * length / averageLength))
    }

    static func idf(documents n: Int, docFreq df: Int) -> Double {
        let n = Double(n), df = Double(df)
        return log(1 + (n - df + 0.5) / (df + 0.5))
    }
}

/// One term of one field, BM25-scored.
final class TermMatcher: Matcher {
    let cursor: PostingCursor
    let bm25: BM25Field
    let lengths: [UInt32]

    init(cursor: PostingCursor, bm25: BM25Field, lengths: [UInt32]) {
        self.cursor = cursor
        self.bm25 = bm25
        self.lengths = lengths
    }

    override func next() -> Int32 { doc = cursor.next(); return doc }
    override func advance(to target: Int32) -> Int32 { doc = cursor.advance(to: target); return doc }
    override func score() -> Double {
        bm25.score(tf: Double(cursor.tf), length: Double(lengths[Int(doc)]))
    }
    private lazy var globalMax: Double = {
        let p = cursor.postings
        var m = 0.0
        for b in cursor.firstBlock..<cursor.endBlock {
            m = max(m, bm25.score(tf: Double(p.blockMaxTf[b]), length: Double(p.blockMinLength[b])))
        }
        return m * (1 + 1e-9)
    }()
    override var maxScore: Double { globalMax }

    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        guard let b = cursor.shallowBlock(for: target) else { return (0, Matcher.end) }
        let p = cursor.postings
        // Score grows with tf and shrinks with length, so (max tf, min length) bounds the block.
        // The small factor absorbs rounding so a bound is never below a real score.
        let s = bm25.score(tf: Double(p.blockMaxTf[b]), length: Double(p.blockMinLength[b])) * (1 + 1e-9)
        return (s, Int32(p.blockLastDoc[b]))
    }
}

/// A term matcher whose score is a constant (prefix expansions).
final class ConstantMatcher: Matcher {
    let child: Matcher
    let value: Double
    init(_ child: Matcher, score: Double) {
        self.child = child
        self.value = score
    }
    override func next() -> Int32 { doc = child.next(); return doc }
    override func advance(to target: Int32) -> Int32 { doc = child.advance(to: target); return doc }
    override func score() -> Double { value }
    override func bound(from target: Int32) -> (score: Double, until: Int32) { (value, Matcher.end) }
}

/// A bare posting cursor (no score), for prefix expansions and phrase parts.
final class CursorMatcher: Matcher {
    let cursor: PostingCursor
    init(_ cursor: PostingCursor) { self.cursor = cursor }
    override func next() -> Int32 { doc = cursor.next(); return doc }
    override func advance(to target: Int32) -> Int32 { doc = cursor.advance(to: target); return doc }
}

/// Any child matches; the score sums the children on the document.
///
/// With a threshold (top-k search) it works as MaxScore: children sorted by their maximum score;
/// the longest prefix whose maxima sum below the threshold is "non-essential" (a document found
/// only there cannot make the top k), so only the other children propose documents, and the
/// non-essential ones are merely probed for the documents proposed.
final class UnionMatcher: Matcher {
    let children: [Matcher]
    /// Children `[essential...]` drive iteration; earlier ones are only probed.
    private var essential = 0
    /// `prefixMax[i]` = sum of the maxima of children `0..<i` (children sorted by maximum).
    private var prefixMax: [Double] = []

    init(_ children: [Matcher]) {
        self.children = children.sorted { $0.maxScore < $1.maxScore }
    }

    private func settle() -> Int32 {
        var m = Matcher.end
        for i in essential..<children.count where children[i].doc < m { m = children[i].doc }
        doc = m
        return m
    }
    override func next() -> Int32 {
        if doc == -1 {
            for i in essential..<children.count { children[i].next() }
        } else {
            for i in essential..<children.count where children[i].doc <= doc { children[i].advance(to: doc + 1) }
        }
        return settle()
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        for i in essential..<children.count where children[i].doc < target { children[i].advance(to: target) }
        return settle()
    }
    override func score() -> Double {
        // Always summed in child order, so a score is bit-identical with or without pruning.
        var s = 0.0
        for (i, c) in children.enumerated() {
            if i < essential ? c.advance(to: doc) == doc : c.doc == doc { s += c.score() }
        }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        var s = 0.0, until = Matcher.end
        for c in children {
            let (cs, cu) = c.bound(from: target)
            s += cs
            until = min(until, cu)
        }
        return (s, until)
    }
    override var maxScore: Double { children.reduce(0) { $0 + $1.maxScore } }
    override func raiseThreshold(_ threshold: Double) {
        if prefixMax.isEmpty {
            prefixMax = [0]
            for c in children { prefixMax.append(prefixMax.last! + c.maxScore) }
        }
        // Keep at least one child essential; never shrink the set again (thresholds only grow).
        while essential + 1 < children.count && prefixMax[essential + 1] < threshold {
            // A child leaving the essential set may sit behind the current document.
            essential += 1
        }
    }
}

/// Every child matches and no excluded one does; the score sums the children.
final class ConjunctionMatcher: Matcher {
    let children: [Matcher]
    let excluded: [Matcher]
    init(_ children: [Matcher], excluded: [Matcher]) {
        // Leading with the sparsest child keeps leapfrogging short.
        self.children = children
        self.excluded = excluded
    }

    /// Only documents scoring at least this matter (top-k); -∞ until a search says otherwise.
    private var threshold = -Double.infinity
    private var boundUntil: Int32 = -1
    private var boundValue = 0.0

    private func align(from start: Int32) -> Int32 {
        var target = start
        outer: while target != Matcher.end {
            if threshold > -.infinity {
                // Block-max skipping: a run of documents whose summed block bounds cannot reach
                // the threshold is jumped over before any child is aligned on it.
                if target > boundUntil { (boundValue, boundUntil) = bound(from: target) }
                if boundValue < threshold {
                    if boundUntil == Matcher.end { break }
                    target = children[0].advance(to: boundUntil + 1)
                    continue outer
                }
            }
            for c in children {
                let d = c.advance(to: target)
                if d != target {
                    target = d
                    continue outer
                }
            }
            for x in excluded where x.advance(to: target) == target {
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
        guard let lead = children.first else { doc = Matcher.end; return doc }
        return align(from: doc == -1 ? lead.next() : lead.advance(to: doc + 1))
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        guard let lead = children.first else { doc = Matcher.end; return doc }
        return align(from: lead.advance(to: target))
    }
    override func score() -> Double {
        var s = 0.0
        for c in children { s += c.score() }
        return s
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        var s = 0.0, until = Matcher.end
        for c in children {
            let (cs, cu) = c.bound(from: target)
            s += cs
            until = min(until, cu)
        }
        return (s, until)
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

/// Every live document of one language, unscored (the empty query; the base of `-word`).
final class AllMatcher: Matcher {
    let languages: [UInt8]
    let language: UInt8
    init(languages: [UInt8], language: UInt8) {
        self.languages = languages
        self.language = language
    }
    override func next() -> Int32 {
        var d = Int(doc) + 1
        while d < languages.count && languages[d] != language { d += 1 }
        doc = d < languages.count ? Int32(d) : Matcher.end
        return doc
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        doc = target - 1
        return next()
    }
}

/// Matches nothing.
final class EmptyMatcher: Matcher {
    override func next() -> Int32 { doc = Matcher.end; return doc }
    override func advance(to target: Int32) -> Int32 { doc = Matcher.end; return doc }
}

/// An exact phrase in one field: all its terms, at the query's relative positions. Scored as
/// BM25 with the phrase frequency as tf and the sum of its terms' idf (as Lucene does). The
/// rarest term leads the search for documents holding all of them.
final class PhraseMatcher: Matcher {
    let cursors: [PostingCursor]
    let offsets: [UInt32]
    let bm25: BM25Field
    let lengths: [UInt32]
    private let order: [Int]
    private var frequency = 0
    private var buffers: [[UInt32]]

    init(cursors: [PostingCursor], offsets: [UInt32], bm25: BM25Field, lengths: [UInt32]) {
        self.cursors = cursors
        self.offsets = offsets
        self.bm25 = bm25
        self.lengths = lengths
        order = cursors.indices.sorted { cursors[$0].docFreq < cursors[$1].docFreq }
        buffers = cursors.map { _ in [] }
    }

    private func find(from start: Int32) -> Int32 {
        var target = start
        outer: while target != Matcher.end {
            for i in order {
                let d = cursors[i].advance(to: target)
                if d != target {
                    target = d
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

    private func countPhrases() -> Int {
        for i in cursors.indices { cursors[i].positions(into: &buffers[i]) }
        var n = 0
        // Walk the other lists alongside the first (all ascending) instead of searching them.
        var heads = [Int](repeating: 0, count: cursors.count)
        for p in buffers[0] where p >= offsets[0] {
            let base = p - offsets[0]
            var ok = true
            for i in 1..<cursors.count {
                let want = base + offsets[i]
                let list = buffers[i]
                while heads[i] < list.count && list[heads[i]] < want { heads[i] += 1 }
                if heads[i] == list.count || list[heads[i]] != want {
                    // Positions may repeat or step back slightly (compound forms): fall back.
                    if !list.contains(want) { ok = false; break }
                }
            }
            if ok { n += 1 }
        }
        return n
    }

    override func next() -> Int32 {
        let lead = cursors[order[0]]
        return find(from: doc == -1 ? lead.next() : lead.advance(to: doc + 1))
    }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        return find(from: cursors[order[0]].advance(to: target))
    }
    override func score() -> Double {
        bm25.score(tf: Double(frequency), length: Double(lengths[Int(doc)]))
    }
    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        (bm25.weightedIdf * (bm25.k1 + 1), Matcher.end)
    }
    override var maxScore: Double { bm25.weightedIdf * (bm25.k1 + 1) * (1 + 1e-9) }
}
