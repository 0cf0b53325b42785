import TidendeAnalysis
import TidendeModels
import TidendeQuerySyntax

/// A consistent, immutable view of the index at one `seq`: every call on it sees the same
/// documents. Cheap to take (`Engine.searcher()`), safe to share across threads, and unaffected
/// by later writes.
public struct Searcher: Sendable {
    let view: IndexView
    let config: EngineConfig
    let analyzer: Analyzer

    /// The last `seq` this view covers.
    public var seq: UInt64 { view.seq }

    /// Live documents in this view.
    public var documentCount: Int { view.liveDocuments }

    /// The stored document with this id, or nil.
    public func get(id: String) -> JSONValue? {
        for sv in view.segments.reversed() {
            if let d = sv.segment.idIndex[id], !sv.deletions.contains(Int(d)) {
                return try? sv.segment.stored.document(Int(d))
            }
        }
        return nil
    }

    /// The stored JSON text of the document with this id, or nil.
    public func json(id: String) -> [UInt8]? {
        for sv in view.segments.reversed() {
            if let d = sv.segment.idIndex[id], !sv.deletions.contains(Int(d)) {
                return try? sv.segment.stored.json(Int(d))
            }
        }
        return nil
    }

    /// Number of documents matching the query and filter (always exact).
    public func count(_ request: SearchRequest) throws(EngineError) -> Int {
        var r = request
        r.limit = 0
        r.offset = 0
        r.facets = []
        r.sort = []
        r.trackTotalHits = .max
        r.highlight = false
        return try search(r).total
    }

    /// The most frequent indexed words (normalised surface forms, not stems) starting with
    /// `prefix`, most frequent first, among the words some live document still holds. Counts are
    /// occurrences and may include deleted and replaced versions (a segment's word list keeps
    /// them, and a merge adds them up), which is also why each word is checked against the
    /// postings before it is suggested: a word only a deleted document had is not.
    public func suggest(prefix: String, limit: Int) -> [(term: String, count: Int)] {
        let stems = StemCachePool.borrow()
        defer { StemCachePool.giveBack(stems) }
        let planner = QueryPlanner(analyzer: analyzer, cache: stems.cache)
        let normal = planner.typedWord(prefix, language: .da) ?? prefix.lowercased()
        guard !normal.isEmpty, limit > 0 else { return [] }
        let counts = words(withPrefix: normal, perSegment: 50_000)
        let context = ScoringContext(view: view, config: config)
        var out: [(term: String, count: Int)] = []
        // Bounded too: past this many dead words, fewer suggestions.
        for (word, count) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
            .prefix(limit * 10) where isLive(word, planner: planner, context: context) {
            out.append((word, count))
            if out.count == limit { break }
        }
        return out
    }

    /// The indexed words (normalised surface forms) starting with `normal`, with their
    /// occurrence counts summed over segments; at most `perSegment` words are read from each
    /// segment's sorted list, so a one-letter prefix does not walk the whole vocabulary.
    func words(withPrefix normal: String, perSegment: Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for sv in view.segments {
            let words = sv.segment.words
            let lo = ByteOrder.lowerBound(words, normal)
            var i = lo
            while i < words.count && i - lo < perSegment && ByteOrder.hasPrefix(words[i], normal) {
                counts[words[i], default: 0] += Int(sv.segment.wordCounts[i])
                i += 1
            }
        }
        return counts
    }


    /// Whether a live document holds `word`, or another form with one of its stems.
    private func isLive(_ word: String, planner: QueryPlanner, context: ScoringContext) -> Bool {
        for language in Language.allCases {
            let plan = planner.plan(.word(word, field: nil), language: language)
            for (s, sv) in view.segments.enumerated() {
                let root = context.matcher(plan, segment: s, language: language)
                var d = root.next()
                while d != Matcher.end {
                    if !sv.deletions.contains(Int(d)) { return true }
                    d = root.next()
                }
            }
        }
        return false
    }
}
