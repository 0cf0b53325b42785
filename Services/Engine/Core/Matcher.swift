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
    /// An upper bound of `score()` on the current document, cheaper than scoring it.
    func currentBound() -> Double { maxScore }
    /// An upper bound of `score()` on the current document from what is at hand without
    /// touching per-document data (a term's frequency here, not the field's length); at most
    /// `currentBound()`.
    func frequencyBound() -> Double { currentBound() }
    /// Rough number of documents this matcher visits (what orders a conjunction's children).
    var cost: Int { 0 }
    /// Told by a top-k search that only documents scoring at least `threshold` matter from now
    /// on; a matcher may then skip the others (and under-report their scores). Default: ignored.
    func raiseThreshold(_ threshold: Double) {}
}

/// A child matcher as the hot loops of unions and conjunctions hold it: unretained, so walking
/// the children costs no retain and release per call (their parent keeps them alive in a
/// strong array).
extension Unmanaged where Instance == Matcher {
    @inline(__always) var doc: Int32 { _withUnsafeGuaranteedRef { $0.doc } }
    @inline(__always) @discardableResult func next() -> Int32 { _withUnsafeGuaranteedRef { $0.next() } }
    @inline(__always) @discardableResult func advance(to target: Int32) -> Int32 {
        _withUnsafeGuaranteedRef { $0.advance(to: target) }
    }
    @inline(__always) func score() -> Double { _withUnsafeGuaranteedRef { $0.score() } }
    @inline(__always) func currentBound() -> Double { _withUnsafeGuaranteedRef { $0.currentBound() } }
    @inline(__always) func frequencyBound() -> Double { _withUnsafeGuaranteedRef { $0.frequencyBound() } }
    @inline(__always) func bound(from target: Int32) -> (score: Double, until: Int32) {
        _withUnsafeGuaranteedRef { $0.bound(from: target) }
    }
}

/// One term of one field, BM25-scored. Its score bounds come from the exact per-block maxima
/// (`TermImpacts`, computed once per segment and term).
final class TermMatcher: Matcher {
    let cursor: PostingCursor
    let term: Int
    let bm25: BM25Field
    let lengths: [UInt32]

    /// Exact per-block maxima (the first search of a term in a segment computes them).
    private let impacts: TermImpacts

    init(postings: Postings, term: Int, bm25: BM25Field, lengths: [UInt32]) {
        cursor = PostingCursor(postings: postings, term: term)
        self.term = term
        self.bm25 = bm25
        self.lengths = lengths
        impacts = postings.impacts.impacts(term: term) { TermImpacts(postings: postings, term: term, lengths: lengths) }
    }

    override func next() -> Int32 { doc = cursor.next(); return doc }
    override func advance(to target: Int32) -> Int32 { doc = cursor.advance(to: target); return doc }
    override func score() -> Double {
        bm25.score(tf: Double(cursor.tf), length: Double(lengths[Int(doc)]))
    }
    override var cost: Int { cursor.docFreq }

    /// The small factor absorbs rounding, so that a bound is never below a real score.
    private static let slack = 1 + 1e-9

    private lazy var globalMax: Double = {
        var m = 0.0
        for b in 0..<(cursor.endBlock - cursor.firstBlock) { m = max(m, impacts.bound(block: b, bm25)) }
        return m * Self.slack
    }()
    override var maxScore: Double { globalMax }

    private var boundBlock = -1
    private var blockBound = 0.0
    /// The bound of block `b`, remembered for the block last asked about.
    @inline(__always) private func bound(ofBlock b: Int) -> Double {
        if b != boundBlock {
            boundBlock = b
            blockBound = impacts.bound(block: b - cursor.firstBlock, bm25) * Self.slack
        }
        return blockBound
    }

    override func currentBound() -> Double { bound(ofBlock: cursor.currentBlock) }

    private var onceBlock = -1
    private var onceBound = 0.0
    /// The current block's shortest field among its documents with at least this frequency
    /// (for a frequency of 1, the most common, remembered for the block).
    override func frequencyBound() -> Double {
        let b = cursor.currentBlock, tf = cursor.tf
        guard tf == 1 else { return impacts.bound(block: b - cursor.firstBlock, tf: tf, bm25) * Self.slack }
        if b != onceBlock {
            onceBlock = b
            onceBound = impacts.bound(block: b - cursor.firstBlock, tf: 1, bm25) * Self.slack
        }
        return onceBound
    }

    override func bound(from target: Int32) -> (score: Double, until: Int32) {
        guard let b = cursor.shallowBlock(for: target) else { return (0, Matcher.end) }
        return (bound(ofBlock: b), Int32(cursor.postings.blockLastDoc[b]))
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
    override func currentBound() -> Double { value }
    override var cost: Int { child.cost }
}

/// The documents of many posting lists at once (a prefix's expansions in one field), as a
/// bitmap filled by one pass over each list: walking hundreds of cursors side by side would
/// look at every one of them for every document. No score (wrapped in a `ConstantMatcher`).
final class BitsetMatcher: Matcher {
    private var words: [UInt64]
    private let count: Int

    init(postings: Postings, terms: [Int], docCount: Int) {
        words = [UInt64](repeating: 0, count: (docCount + 63) / 64)
        var matches = 0
        words.withUnsafeMutableBufferPointer { words in
            for term in terms {
                let cursor = PostingCursor(postings: postings, term: term)
                var d = cursor.next()
                while d != PostingCursor.exhausted {
                    words[Int(d) >> 6] |= 1 << UInt64(d & 63)
                    d = cursor.next()
                }
            }
            for w in words { matches += w.nonzeroBitCount }
        }
        count = matches
    }

    override func next() -> Int32 { advance(to: doc + 1) }
    override func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        var w = Int(target) >> 6
        guard w < words.count else { doc = Matcher.end; return doc }
        var m = words[w] & (~0 << UInt64(target & 63))
        while m == 0 {
            w += 1
            guard w < words.count else { doc = Matcher.end; return doc }
            m = words[w]
        }
        doc = Int32(w << 6 | m.trailingZeroBitCount)
        return doc
    }
    override var cost: Int { count }
}

/// A bare posting cursor (no score), for prefix expansions and phrase parts.
final class CursorMatcher: Matcher {
    let cursor: PostingCursor
    init(_ cursor: PostingCursor) { self.cursor = cursor }
    override func next() -> Int32 { doc = cursor.next(); return doc }
    override func advance(to target: Int32) -> Int32 { doc = cursor.advance(to: target); return doc }
    override var cost: Int { cursor.docFreq }
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
    override var cost: Int { languages.count }
}

/// Matches nothing.
final class EmptyMatcher: Matcher {
    override func next() -> Int32 { doc = Matcher.end; return doc }
    override func advance(to target: Int32) -> Int32 { doc = Matcher.end; return doc }
}

/// Whether block-max checks pay off: bounds are cheap but not free, and on some queries (many
/// short posting blocks, bounds far above the threshold) they never skip anything. After 64
/// checks, they stop unless at least one in 16 skipped.
struct SkipStatistics {
    private var checks = 0
    private var skips = 0

    var worthIt: Bool { checks < 64 || skips * 16 >= checks }

    mutating func record(skipped: Bool) {
        checks += 1
        if skipped { skips += 1 }
    }
}
