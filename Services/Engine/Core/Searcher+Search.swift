import TidendeAnalysis
import TidendeModels
import TidendeQuerySyntax

extension Searcher {
    /// Runs a query: matches per segment and language, filters, counts, facets, keeps the best
    /// `offset + limit` (by BM25 or the sort keys, ties by recency), then loads, projects and
    /// highlights only the returned hits.
    ///
    /// Relevance-sorted searches without facets count exactly up to `trackTotalHits` matches;
    /// past that they skip every block of postings whose score bound cannot beat the current
    /// k-th hit (block-max pruning), which returns the same hits as scoring everything.
    public func search(_ request: SearchRequest) throws(EngineError) -> SearchResult {
        guard request.limit >= 0, request.offset >= 0 else {
            throw .invalidRequest("limit and offset must not be negative")
        }
        guard request.offset + request.limit <= config.maxResultWindow else {
            throw .invalidRequest("offset + limit must be at most \(config.maxResultWindow)")
        }
        // `_score` sorts by relevance among other keys; alone and highest first it is the
        // relevance order itself (which may prune).
        let sort = request.sort == [SortKey(field: SortKey.score, descending: true)] ? [] : request.sort
        var sortFields: [UInt16] = []
        for key in sort where key.field != SortKey.score {
            guard let f = view.fields.id(of: key.field) else { throw .invalidSort(key.field) }
            sortFields.append(f)
        }
        let byScore = sort.map { $0.field == SortKey.score }
        let descending = sort.map(\.descending)
        let byRelevance = sort.isEmpty
        let context = ScoringContext(view: view, config: config)
        let stems = StemCachePool.borrow()
        defer { StemCachePool.giveBack(stems) }
        let planner = QueryPlanner(analyzer: analyzer, cache: stems.cache) { [self] in
            Array(words(withPrefix: $0, perSegment: ScoringContext.prefixExpansions).keys)
        }
        let plans = Language.allCases.map { planner.plan(request.q, language: $0) }
        let k = request.offset + request.limit
        var heap = TopK<Candidate>(k: k, order: descending)
        var facets = FacetCounter(names: request.facets)
        let mayPrune = byRelevance && request.facets.isEmpty
        var total = 0
        var skipped = false
        /// The k-th best score once the heap is full (-∞ before).
        var worstScore = -Double.infinity
        /// The k-th hit's recency: with an equal score (an empty query scores 0), an older hit
        /// cannot enter either.
        var worstRecency = -Double.infinity

        for (s, sv) in view.segments.enumerated() {
            let seg = sv.segment
            let filter = request.filter.map { FilterEvaluator(segment: seg, fields: view.fields).compile($0) }
            // Per sort key its column (nil for `_score`, or a field this segment lacks).
            var fieldColumns = sortFields.map { seg.docValues[$0] }.makeIterator()
            let sortColumns = byScore.map { $0 ? nil : fieldColumns.next() ?? nil }
            var probe = StringKeyProbe(column: byScore.first == true ? nil : sortColumns.first ?? nil)
            facets.begin(segment: seg, fields: view.fields)
            for language in Language.allCases {
                let root = context.matcher(plans[Int(language.code)], segment: s, language: language)
                if root is EmptyMatcher { continue }
                // An empty query skips nothing (its total stays exact).
                let prunes = mayPrune && !(root is AllMatcher)
                var lastThreshold = -Double.infinity
                if prunes && total >= request.trackTotalHits && heap.isFull {
                    // The k-th hit of earlier languages and segments already bounds this tree.
                    lastThreshold = worstScore
                    root.raiseThreshold(worstScore)
                    skipped = true
                }
                var d: Int32
                if !prunes || total < request.trackTotalHits || (filter != nil && !heap.isFull),
                   let windows = WindowedMatcher(root) {
                    // Every match is visited (for facets, a sort or an empty query), or the first
                    // ones for an exact total or until enough pass the filter: a window at a
                    // time, then, once neither matters, on with pruning from the next window.
                    d = Matcher.end
                    var from: Int32 = 0
                    while windows.fill(from: from) {
                        while let d = windows.nextMatch() {
                            let doc = Int(d), score = windows.score
                            if sv.deletions.contains(doc) || !(filter?(doc) ?? true) { continue }
                            total += 1
                            if !request.facets.isEmpty { facets.add(doc) }
                            if k > 0 && Self.mayEnter(doc, score, seg, segment: s, byRelevance: byRelevance, worstScore, worstRecency,
                                                      &heap, &probe, descending: descending, keys: sortColumns.count) {
                                Self.offer(d, score, segment: s, seg, sortColumns, byScore, descending, into: &heap,
                                           worstScore: &worstScore, worstRecency: &worstRecency)
                            }
                        }
                        from = windows.end
                        if from == Matcher.end { break }
                        if prunes && total >= request.trackTotalHits && heap.isFull {
                            lastThreshold = worstScore
                            root.raiseThreshold(worstScore)
                            skipped = true
                            d = root.advance(to: from)
                            break
                        }
                    }
                } else {
                    d = root.next()
                }
                // A score bound holds for a run of documents: recompute it only past its end.
                var boundUntil: Int32 = -1
                var bound = 0.0
                var blockChecks = SkipStatistics()
                while d != Matcher.end {
                    if prunes && total >= request.trackTotalHits && heap.isFull && blockChecks.worthIt {
                        // Nothing in [d, until] can beat the k-th hit: skip it without scoring.
                        let threshold = heap.worst?.score ?? .infinity
                        if d > boundUntil {
                            (bound, boundUntil) = root.bound(from: d)
                            blockChecks.record(skipped: bound < threshold)
                        }
                        if bound < threshold {
                            skipped = true
                            if boundUntil == Matcher.end { break }
                            d = root.advance(to: boundUntil + 1)
                            continue
                        }
                    }
                    let doc = Int(d)
                    if sv.deletions.contains(doc) || !(filter?(doc) ?? true) {
                        d = root.next()
                        continue
                    }
                    total += 1
                    if !request.facets.isEmpty { facets.add(doc) }
                    // By relevance, a hit below the k-th score cannot enter the heap: it is not
                    // scored when a cheap bound already says so (counting every match, for facets
                    // or an exact total, then scores few; once the matchers prune by themselves
                    // the check rarely pays), and no candidate is built for it (ties still are
                    // compared).
                    if k > 0 && !(byRelevance && worstScore > -.infinity && lastThreshold == -.infinity
                                  && root.currentBound() < worstScore) {
                        let score = root.score()
                        if Self.mayEnter(doc, score, seg, segment: s, byRelevance: byRelevance, worstScore, worstRecency,
                                         &heap, &probe, descending: descending, keys: sortColumns.count) {
                            Self.offer(d, score, segment: s, seg, sortColumns, byScore, descending, into: &heap,
                                       worstScore: &worstScore, worstRecency: &worstRecency)
                        }
                    }
                    if prunes && total >= request.trackTotalHits && heap.isFull && worstScore > lastThreshold {
                        // From here on matchers may skip documents: the total becomes a bound.
                        lastThreshold = worstScore
                        root.raiseThreshold(worstScore)
                        skipped = true
                    }
                    d = root.next()
                }
            }
            facets.end()
        }

        var hits: [Hit] = []
        let highlighter = request.highlight ? Highlighter(analyzer: analyzer, config: config, plans: plans, cache: stems.cache) : nil
        let decompressor = Decompressor.borrow()
        defer { Decompressor.giveBack(decompressor) }
        // `fields` names top-level members (a dotted name keeps its top-level member).
        let scanner = JSONScanner()
        let wanted = request.fields.map { Set($0.map { $0.split(separator: ".", maxSplits: 1).first.map(String.init) ?? $0 }) }
        // `fields: ["id"]` with a string id (as the index keeps it) needs no document inflated.
        let idOnly = wanted == ["id"] && highlighter == nil ? view.fields.id(of: "id") : nil
        for c in heap.sorted().dropFirst(request.offset) {
            let seg = view.segments[c.segment].segment
            if let idField = idOnly, let column = seg.docValues[idField], column.valueRange(Int(c.doc)).count == 1,
               case .string(let id, _) = column.value(at: column.valueRange(Int(c.doc)).lowerBound),
               id == seg.ids[Int(c.doc)] {
                var json: [UInt8] = Array(#"{"id":"#.utf8)
                json.append(contentsOf: JSONValue.string(id).jsonBytes())
                json.append(UInt8(ascii: "}"))
                hits.append(Hit(id: seg.ids[Int(c.doc)], score: c.score, json: json, highlight: [:]))
                continue
            }
            // `fields: []` asks for ids and scores only: no document is inflated. Without a
            // projection or highlighting the stored bytes go out untouched.
            var json: [UInt8] = Array("{}".utf8)
            var highlight: [String: String] = [:]
            if request.fields?.isEmpty != true || highlighter != nil {
                let stored = try seg.stored.json(Int(c.doc), decompressor: decompressor)
                json = stored
                if wanted != nil || highlighter != nil {
                    let scan: JSONScan
                    do { scan = try scanner.scanObject(stored) } catch { throw .corrupt("stored document is not a JSON object") }
                    if let highlighter {
                        // Only the members highlighted are parsed: those in `fields`, when given.
                        let shown = wanted?.isEmpty == false ? wanted : nil
                        highlight = highlighter.highlight(scan, members: scan.members.filter { shown?.contains($0.key) ?? true },
                                                          language: Language(code: seg.languages[Int(c.doc)]))
                    }
                    if let wanted { json = project(scan, wanted) }
                }
            }
            hits.append(Hit(id: seg.ids[Int(c.doc)], score: c.score, json: json, highlight: highlight))
        }
        return SearchResult(total: total, totalIsExact: !skipped, hits: hits,
                            facets: facets.result(limit: request.facetLimit))
    }

    /// Whether a match may still enter the heap, by cheap checks before its candidate is made:
    /// by relevance, its score (and date) against the k-th hit's; sorted by fields, the first
    /// key straight from its column (`StringKeyProbe`).
    @inline(__always)
    private static func mayEnter(_ doc: Int, _ score: Double, _ seg: Segment, segment s: Int, byRelevance: Bool,
                                 _ worstScore: Double, _ worstRecency: Double, _ heap: inout TopK<Candidate>,
                                 _ probe: inout StringKeyProbe, descending: [Bool], keys: Int) -> Bool {
        if byRelevance { return !below(score, seg.recency[doc], worstScore, worstRecency) }
        return !(probe.column != nil && heap.isFull
                 && probe.loses(doc, to: heap.worst!, segment: s, descending: descending[0], onlyKey: keys == 1,
                                recency: seg.recency[doc]))
    }

    /// Whether a hit ranked by relevance cannot enter a full heap whose k-th hit has
    /// `worstScore` and `worstRecency` (lower score, or the same score and older).
    @inline(__always)
    private static func below(_ score: Double, _ recency: @autoclosure () -> Double, _ worstScore: Double,
                              _ worstRecency: Double) -> Bool {
        score < worstScore || (score == worstScore && recency() < worstRecency)
    }

    /// Puts a match into the heap (which keeps it if it ranks among the best k); `worstScore`
    /// and `worstRecency` become the k-th best's once the heap is full.
    @inline(__always)
    private static func offer(_ d: Int32, _ score: Double, segment s: Int, _ seg: Segment, _ sortColumns: [DocValuesColumn?],
                              _ byScore: [Bool], _ descending: [Bool], into heap: inout TopK<Candidate>,
                              worstScore: inout Double, worstRecency: inout Double) {
        let doc = Int(d)
        var keys: [SortValue] = []
        if !sortColumns.isEmpty {
            func key(_ i: Int) -> SortValue { byScore[i] ? .number(score) : sortValue(sortColumns[i], doc, descending: descending[i]) }
            // Sorted by fields: most documents lose to the k-th hit on the first key already,
            // and then need no keys array or candidate.
            let first = key(0)
            if heap.isFull, let worst = heap.worst {
                switch (first, worst.keys[0]) {
                case (.missing, .missing): break
                case (.missing, _): return
                case (_, .missing): break
                default:
                    let c = SortValue.compare(first, worst.keys[0])
                    if c != 0 && !(descending[0] ? c > 0 : c < 0) { return }
                }
            }
            keys.reserveCapacity(sortColumns.count)
            keys.append(first)
            for i in sortColumns.indices.dropFirst() { keys.append(key(i)) }
        }
        heap.offer(Candidate(segment: s, doc: d, score: score, recency: seg.recency[doc], seq: seg.seqs[doc], keys: keys))
        if heap.isFull, let worst = heap.worst {
            worstScore = worst.score
            worstRecency = worst.recency
        }
    }

    /// For a sort by a field: whether a match surely ranks after the k-th hit, read straight from
    /// the first key's column (a number or date as stored; a string by its ordinal against where
    /// the k-th hit's key falls among this segment's strings, found again only when the k-th hit
    /// changes), so that most matches need no sort value, keys array or candidate.
    struct StringKeyProbe {
        let column: DocValuesColumn?
        private var worst: (segment: Int, doc: Int32) = (-1, -1)
        private var lowerBound = 0
        private var present = false
        private var comparable = false

        /// Numbers and dates (a column holding any) are compared as they are stored; strings by
        /// ordinal, in a column of plain strings with one per document.
        private let numeric: Bool

        init(column: DocValuesColumn?) {
            let numeric = !(column?.numbers.isEmpty ?? true)
            self.numeric = numeric
            self.column = column.flatMap { numeric || $0.singleOrdinals != nil ? $0 : nil }
        }

        /// Whether document `doc` (of segment `segment`) surely ranks after the k-th hit: on the
        /// first key, or, when that is the only key and they are equal, by being older. False
        /// when unsure (no single plain string value, or a key of another kind).
        @inline(__always)
        mutating func loses(_ doc: Int, to k: Candidate, segment: Int, descending: Bool, onlyKey: Bool,
                            recency: @autoclosure () -> Double) -> Bool {
            guard let column else { return false }
            if numeric {
                // One value that sorts as a number (not a plain string) against a number.
                let i = Int(column.docStart[doc])
                guard Int(column.docStart[doc + 1]) == i + 1, case .number(let w) = k.keys[0] else { return false }
                let v = column.numbers[i]
                guard !v.isNaN else { return false }
                if v == w { return onlyKey && recency() < k.recency }
                return descending ? v < w : v > w
            }
            guard let single = column.singleOrdinals else { return false }
            let o = Int(single[doc])
            guard o >= 0 else { return false }  // no value, or a truncated string
            if worst != (k.segment, k.doc) {
                worst = (k.segment, k.doc)
                if case .string(let s) = k.keys[0] {
                    lowerBound = column.strings.lowerBound(s)
                    present = lowerBound < column.strings.count && column.strings.equals(lowerBound, s)
                    comparable = true
                } else {
                    comparable = false
                }
            }
            guard comparable else { return false }
            if present && o == lowerBound { return onlyKey && recency() < k.recency }  // equal: newer first
            let before = o < lowerBound
            return descending ? before : !before
        }
    }

    /// First value for ascending, last-sorting value for descending (min / max of an array).
    private static func sortValue(_ column: DocValuesColumn?, _ d: Int, descending: Bool) -> SortValue {
        guard let column else { return .missing }
        var best = SortValue.missing
        for i in column.valueRange(d) {
            // As `column.value(at:)` reads, without making a string of a date.
            let v: SortValue
            switch column.kinds[i] {
            case DocValuesColumn.Kind.string.rawValue:
                let date = column.number(i)
                v = date.isNaN ? .string(column.strings[Int(column.ordinals[i])]) : .number(date)
            case DocValuesColumn.Kind.truncated.rawValue: v = .string(column.strings[Int(column.ordinals[i])])
            default: v = .number(column.number(i))  // a number, or a bool as 0 / 1
            }
            if case .missing = best { best = v; continue }
            let c = SortValue.compare(v, best)
            if descending ? c > 0 : c < 0 { best = v }
        }
        return best
    }

    /// The stored object with only the `wanted` top-level members, their values copied as stored
    /// (no parse, no re-encoding).
    private func project(_ scan: JSONScan, _ wanted: Set<String>) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for member in scan.members where wanted.contains(member.key) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: JSONValue.string(member.key).jsonBytes())
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: scan.valueBytes(member))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
