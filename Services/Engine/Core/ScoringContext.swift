import TidendeAnalysis

/// Collection statistics for one query over one consistent view: live document counts and
/// average lengths per field, and document frequencies of the query's terms summed over
/// segments and languages (minus deleted documents), so BM25 sees the index as if it were one
/// segment of live documents.
final class ScoringContext {
    let view: IndexView
    let config: EngineConfig
    /// Memos of the term lookups and document frequencies a query needs (a few entries, found
    /// by a linear search: the query's strings compare by identity, where hashing them would
    /// normalise their Unicode on every call).
    private var lookups: [(segment: Int, language: UInt8, stem: String, found: [(term: Int, field: UInt16)])] = []
    private var docFreqs: [(term: QueryTerm, byField: [Int])] = []

    /// At most this many terms per segment and language stand for one `prefix*`.
    static let prefixExpansions = 4_096

    init(view: IndexView, config: EngineConfig) {
        self.view = view
        self.config = config
    }

    func lookup(segment s: Int, language: UInt8, stem: String) -> [(term: Int, field: UInt16)] {
        if let hit = lookups.first(where: { $0.segment == s && $0.language == language && $0.stem == stem }) { return hit.found }
        let found = view.segments[s].segment.terms.lookup(language: language, stem: stem)
        lookups.append((s, language, stem, found))
        return found
    }

    /// Live documents containing `term` in each field (indexed by field id), over all
    /// languages and segments.
    func docFreq(_ term: QueryTerm) -> [Int] {
        if let hit = docFreqs.first(where: { $0.term == term }) { return hit.byField }
        var df = [Int](repeating: 0, count: view.fields.names.count)
        for (s, sv) in view.segments.enumerated() {
            for language in Language.allCases {
                for (t, field) in lookup(segment: s, language: language.code, stem: term.stems[Int(language.code)]) {
                    let deleted = Int(sv.deletions.termDocFreq[Int32(t)] ?? 0)
                    if Int(field) >= df.count { df += repeatElement(0, count: Int(field) + 1 - df.count) }
                    df[Int(field)] += Int(sv.segment.postings.termDocFreq[t]) - deleted
                }
            }
        }
        docFreqs.append((term, df))
        return df
    }

    /// The term's idf in `field`, with N = every live document (as tantivy), not only those
    /// having the field (as Lucene): documents are free-form, and a field few of them have
    /// (a `lead` only articles carry, a custom `misc`) would otherwise make its matches count
    /// for little next to the same words in `body`, whatever its weight.
    func idf(_ term: QueryTerm, field: UInt16) -> Double {
        let n = view.liveDocuments
        let df = docFreq(term)
        return BM25Field.idf(documents: n, docFreq: Int(field) < df.count ? df[Int(field)] : 0)
    }

    func weight(_ field: UInt16) -> Double { config.weight(of: view.fields.name(of: field)) }

    func bm25(field: UInt16, idf: Double) -> BM25Field {
        let totals = view.fieldTotals[field] ?? FieldTotals()
        let average = totals.documents > 0 ? Double(totals.length) / Double(totals.documents) : 1
        return BM25Field(weightedIdf: weight(field) * idf, k1: config.k1, b: config.b, averageLength: average)
    }

    /// Builds the matcher tree of `node` for segment `s`, documents of `language`.
    func matcher(_ node: PlanNode, segment s: Int, language: Language) -> Matcher {
        let seg = view.segments[s].segment
        let code = language.code
        let restrict = { (name: String?) -> UInt16?? in
            guard let name else { return .some(nil) }
            guard let id = self.view.fields.id(of: name) else { return nil }
            return .some(id)
        }
        switch node {
        case .all:
            return AllMatcher(languages: seg.languages, language: code)
        case .none:
            return EmptyMatcher()
        case .term(let t, let field):
            guard let only = restrict(field) else { return EmptyMatcher() }
            var children: [Matcher] = []
            for (term, f) in lookup(segment: s, language: code, stem: t.stems[Int(code)]) where only == nil || only == f {
                children.append(TermMatcher(postings: seg.postings, term: term,
                                            bm25: bm25(field: f, idf: idf(t, field: f)),
                                            lengths: seg.fieldLengths[f] ?? []))
            }
            return children.isEmpty ? EmptyMatcher() : children.count == 1 ? children[0] : MaxScoreMatcher.union(children)
        case .phrase(let ts, let field):
            guard let only = restrict(field) else { return EmptyMatcher() }
            var perField: [UInt16: [Int]] = [:]
            for (i, t) in ts.enumerated() {
                for (term, f) in lookup(segment: s, language: code, stem: t.stems[Int(code)])
                where (only == nil || only == f) && perField[f, default: []].count == i {
                    perField[f, default: []].append(term)
                }
            }
            var children: [Matcher] = []
            for (f, terms) in perField.sorted(by: { $0.key < $1.key }) where terms.count == ts.count {
                let idf = ts.reduce(0) { $0 + self.idf($1, field: f) }
                children.append(PhraseMatcher(
                    cursors: terms.map { PostingCursor(postings: seg.postings, term: $0) },
                    offsets: ts.map { UInt32($0.position - ts[0].position) },
                    bm25: bm25(field: f, idf: idf), lengths: seg.fieldLengths[f] ?? []))
            }
            return children.isEmpty ? EmptyMatcher() : children.count == 1 ? children[0] : MaxScoreMatcher.union(children)
        case .prefix(let p, let field, let stems):
            guard let only = restrict(field) else { return EmptyMatcher() }
            var probe: [UInt8] = [code]
            probe.append(contentsOf: p.utf8)
            var t = seg.terms.lowerBound(probe)
            var perField: [UInt16: [Int]] = [:]
            var expansions = 0
            // Bounded so `a*` cannot open a cursor on every term of the segment.
            while t < seg.terms.count && seg.terms.hasPrefix(t, probe) && expansions < Self.prefixExpansions {
                let f = seg.terms.field(t)
                if only == nil || only == f {
                    perField[f, default: []].append(t)
                    expansions += 1
                }
                t += 1
            }
            // The stems of words with the prefix whose own stems do not start with it (disjoint
            // from the terms above, and from each other).
            for stem in stems where expansions < Self.prefixExpansions {
                for (term, f) in lookup(segment: s, language: code, stem: stem) where only == nil || only == f {
                    perField[f, default: []].append(term)
                    expansions += 1
                }
            }
            let children: [Matcher] = perField.sorted(by: { $0.key < $1.key }).map { f, terms in
                let cursors = { terms.map { CursorMatcher(PostingCursor(postings: seg.postings, term: $0)) } }
                // Many expansions: one bitmap; a few: their cursors side by side.
                let matcher: Matcher = terms.count > 16
                    ? BitsetMatcher(postings: seg.postings, terms: terms, docCount: seg.docCount)
                    : terms.count == 1 ? cursors()[0] : MaxScoreMatcher.union(cursors())
                return ConstantMatcher(matcher, score: weight(f))
            }
            return children.isEmpty ? EmptyMatcher() : children.count == 1 ? children[0] : MaxScoreMatcher.union(children)
        case .or(let nodes):
            let children = nodes.map { matcher($0, segment: s, language: language) }.filter { !($0 is EmptyMatcher) }
            return children.isEmpty ? EmptyMatcher() : children.count == 1 ? children[0] : MaxScoreMatcher.union(children)
        case .and(let nodes, let excluded):
            var children = nodes.map { matcher($0, segment: s, language: language) }
            if children.contains(where: { $0 is EmptyMatcher }) { return EmptyMatcher() }
            children.sort { $0.cost < $1.cost }
            let ex = excluded.map { matcher($0, segment: s, language: language) }.filter { !($0 is EmptyMatcher) }
            if children.count == 1 && ex.isEmpty { return children[0] }
            return MaxScoreMatcher.conjunction(children, excluded: ex)
        }
    }
}
