import Foundation
import Testing
import TidendeAnalysis
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom

/// A deliberately plain BM25 over the same analyser's tokens, to check the engine against:
/// for every (query token, field): weight · idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen)),
/// with idf = ln(1 + (N − df + 0.5)/(df + 0.5)), N = live documents,
/// df = those whose field holds the token's stem in the document's language.
struct ReferenceBM25 {
    struct Doc {
        let id: String
        let language: Language
        let fields: [String: [String]]   // field → stems, in order
        let recency: Double
        let seq: UInt64
    }
    let docs: [Doc]
    let config: EngineConfig
    let analyzer = Analyzer()

    init(_ documents: [(JSONValue, UInt64)], config: EngineConfig) {
        self.config = config
        docs = documents.map { d, seq in
            var fields: [String: [String]] = [:]
            let language = Language(rawValue: { if case .string(let s)? = d["lang"] { return s } else { return "da" } }()) ?? .da
            guard case .object(let members) = d else { fatalError() }
            for (key, value) in members where !config.unindexedFields.contains(key) {
                var texts: [String] = []
                if case .string(let s) = value { texts = [s] }
                if case .array(let a) = value { texts = a.compactMap { if case .string(let s) = $0 { s } else { nil } } }
                let stems = texts.flatMap { Analyzer().analyze($0, language: language).map(\.stem) }
                if !stems.isEmpty { fields[key] = stems }
            }
            var recency = -Double.infinity
            if case .string(let p)? = d["published_at"] { recency = ISO8601.parse(p) ?? recency }
            guard case .string(let id)? = d["id"] else { fatalError() }
            return Doc(id: id, language: language, fields: fields, recency: recency, seq: seq)
        }
    }

    /// A query's words as stems in both languages.
    func stems(_ queryWords: [String]) -> [(da: String, en: String)] {
        queryWords.flatMap { analyzer.analyze($0, language: .da) }.map { ($0.stem, analyzer.stem($0.term, language: .en)) }
    }

    func stem(_ s: (da: String, en: String), _ l: Language) -> String { l == .da ? s.da : s.en }

    /// Whether some field of `d` holds every stem (in the document's language).
    func matches(_ d: Doc, _ stems: [(da: String, en: String)]) -> Bool {
        stems.allSatisfy { s in d.fields.values.contains { $0.contains(stem(s, d.language)) } }
    }

    /// How many documents of each language an AND of words matches (without any `excluded`).
    func languageCounts(_ queryWords: [String], excluding excluded: String? = nil) -> [String: Int] {
        let stems = self.stems(queryWords), without = excluded.map { self.stems([$0]) }
        var counts: [String: Int] = [:]
        for d in docs where matches(d, stems) && !(without.map { matches(d, $0) } ?? false) {
            counts[d.language.rawValue, default: 0] += 1
        }
        return counts
    }

    /// Ranked (id, score) for an AND of words.
    func search(_ queryWords: [String], limit: Int) -> (total: Int, hits: [(String, Double)]) {
        let stems = self.stems(queryWords)
        let fieldNames = Set(docs.flatMap { $0.fields.keys })
        // Collection statistics first (per field, per query token), then each document.
        var avg: [String: Double] = [:]
        for f in fieldNames {
            let withField = docs.filter { ($0.fields[f]?.count ?? 0) > 0 }
            avg[f] = Double(withField.reduce(0) { $0 + $1.fields[f]!.count }) / Double(withField.count)
        }
        var df: [Int: [String: Double]] = [:]
        for (i, s) in stems.enumerated() {
            for f in fieldNames {
                df[i, default: [:]][f] = Double(docs.filter { $0.fields[f]?.contains(stem(s, $0.language)) ?? false }.count)
            }
        }
        var scored: [(Doc, Double)] = []
        for d in docs {
            guard matches(d, stems) else { continue }
            var score = 0.0
            for (i, s) in stems.enumerated() {
                for (f, terms) in d.fields {
                    let tf = Double(terms.filter { $0 == stem(s, d.language) }.count)
                    if tf == 0 { continue }
                    let dfi = df[i]![f]!, nf = Double(docs.count)
                    let idf = log(1 + (nf - dfi + 0.5) / (dfi + 0.5))
                    let len = Double(terms.count)
                    score += config.weight(of: f) * idf * tf * (config.k1 + 1)
                        / (tf + config.k1 * (1 - config.b + config.b * len / avg[f]!))
                }
            }
            scored.append((d, score))
        }
        scored.sort { a, b in
            if a.1 != b.1 { return a.1 > b.1 }
            if a.0.recency != b.0.recency { return a.0.recency > b.0.recency }
            return a.0.seq > b.0.seq
        }
        return (scored.count, scored.prefix(limit).map { ($0.0.id, $0.1) })
    }
}

let vocabulary = ["netværk", "ambassadør", "sikkerhed", "regering", "cloud", "software", "udvikler",
                  "data", "Rusland", "Ukraine", "demokrati", "teknologi", "cyber", "angreb", "kunstig",
                  "intelligens", "marked", "aktie", "server", "kode", "platform", "privacy", "network",
                  "security", "developer", "market"]

func generatedCorpus(count: Int, seed: UInt64) -> [JSONValue] {
    var rng = SplitMix(seed: seed)
    func text(_ n: Int) -> String {
        // Skewed choice: early words are common, late ones rare.
        (0..<n).map { _ in vocabulary[Int(Double(vocabulary.count) * pow(Double.random(in: 0..<1, using: &rng), 2))] }
            .joined(separator: " ")
    }
    return (0..<count).map { i in
        newsDoc(id: "d\(i)", title: text(Int.random(in: 2...8, using: &rng)),
                body: text(Int.random(in: 0...60, using: &rng)),
                lang: Bool.random(using: &rng) ? "da" : "en",
                tags: (0..<Int.random(in: 0...3, using: &rng)).map { _ in text(1) },
                publishedAt: "2026-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))T10:00:00Z",
                extra: [("lead", .string(text(Int.random(in: 0...15, using: &rng))))])
    }
}

@Suite struct BM25ReferenceTests {
    func check(_ e: Engine, _ reference: ReferenceBM25, queries: [[String]]) throws {
        let searcher = e.searcher()
        for q in queries {
            let expected = reference.search(q, limit: 10)
            let node: QueryNode = q.count == 1 ? .word(q[0], field: nil) : .and(q.map { .word($0, field: nil) })
            let got = try searcher.search(SearchRequest(q: node, limit: 10, trackTotalHits: .max))
            #expect(got.total == expected.total, "total for \(q)")
            #expect(got.hits.count == expected.hits.count, "hits for \(q)")
            for (hit, (id, score)) in zip(got.hits, expected.hits) {
                #expect(abs(hit.score - score) <= 1e-9 * max(1, score), "score for \(q): \(hit.id) \(hit.score) vs \(id) \(score)")
                // Ids agree unless two scores tie within rounding.
                if hit.id != id { #expect(abs(hit.score - score) <= 1e-9 * max(1, score)) }
            }
        }
    }

    func queries(seed: UInt64, count: Int) -> [[String]] {
        var rng = SplitMix(seed: seed)
        return (0..<count).map { _ in (0..<Int.random(in: 1...3, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! } }
    }

    /// A generated corpus indexed in several segments (`perSegment` documents each, unmerged),
    /// and the reference over the same documents.
    func indexed(count: Int, seed: UInt64, perSegment: Int) -> (Engine, ReferenceBM25, [JSONValue]) {
        let docs = generatedCorpus(count: count, seed: seed)
        var config = EngineConfig()
        config.maxBufferedDocuments = perSegment
        config.mergeFactor = 100
        let e = engine(docs, config: config)
        #expect(e.stats().segments > 1)
        return (e, ReferenceBM25(docs.enumerated().map { ($1, UInt64($0 + 1)) }, config: config), docs)
    }

    @Test func scoresAgreeWithReference() throws {
        let (e, reference, _) = indexed(count: 300, seed: 7, perSegment: 70)
        try check(e, reference, queries: queries(seed: 11, count: 150))
    }

    /// Deletes every `n`-th of the indexed `docs` (from index `first`) and refreshes; returns
    /// the others with their seqs (as `indexed` gave them).
    func deleteEvery(_ n: Int, from first: Int, of docs: [JSONValue], in e: Engine) -> [(JSONValue, UInt64)] {
        var live: [(JSONValue, UInt64)] = []
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            if i % n == first {
                e.delete(id: id, seq: UInt64(docs.count + i + 1))
            } else {
                live.append((d, UInt64(i + 1)))
            }
        }
        e.refresh()
        return live
    }

    /// Words matching thousands of documents are evaluated a window of documents at a time when
    /// every match is visited (an exact total, facets), alone, in pairs and without another:
    /// same totals, scores and facet counts as the reference, before and after deletes.
    @Test func windowedEvaluationAgreesWithReference() throws {
        let (e, reference, docs) = indexed(count: 4_000, seed: 17, perSegment: 2_000)
        #expect(vocabulary.filter { reference.search([$0], limit: 0).total >= 1_000 }.count > 3)
        try checkWindowed(e, reference)
        let live = deleteEvery(7, from: 3, of: docs, in: e)
        #expect(e.stats().deletedDocuments > 0)
        try checkWindowed(e, ReferenceBM25(live, config: e.config))
    }

    /// An empty query over thousands of documents (a window of documents at a time): the
    /// newest first, every live document counted, filters and facets as over the documents
    /// themselves.
    @Test func emptyQueryOverManyDocuments() throws {
        let (e, _, docs) = indexed(count: 3_000, seed: 23, perSegment: 1_500)
        let live = deleteEvery(5, from: 1, of: docs, in: e)
        let reference = ReferenceBM25(live, config: e.config)
        // Each live document's distinct tags (an array field: counted once per document).
        var tagsOf: [String: Set<String>] = [:]
        for (d, _) in live {
            guard case .string(let id)? = d["id"] else { continue }
            if case .array(let tags)? = d["tags"] { tagsOf[id] = Set(tags.compactMap { if case .string(let t) = $0 { t } else { nil } }) }
        }
        for filter in [nil, "lang = da", "published_at >= 2026-05-01"] {
            let node = try filter.map { try FilterParser.parse($0) }
            let got = try e.searcher().search(SearchRequest(q: .all, filter: node, limit: 10, facets: ["lang", "tags"], facetLimit: 100))
            let plain = try e.searcher().search(SearchRequest(q: .all, filter: node, limit: 10))
            let kept = reference.docs.filter { d in
                switch filter {
                case "lang = da": d.language == .da
                case "published_at >= 2026-05-01": d.recency >= ISO8601.parse("2026-05-01")!
                default: true
                }
            }
            let newest = kept.sorted { $0.recency != $1.recency ? $0.recency > $1.recency : $0.seq > $1.seq }.prefix(10).map(\.id)
            #expect(ids(got) == newest, "\(filter ?? "no filter")")
            #expect(ids(plain) == newest, "\(filter ?? "no filter")")
            #expect(got.total == kept.count && plain.total == kept.count && plain.totalIsExact, "\(filter ?? "no filter")")
            let counts = Dictionary(grouping: kept, by: \.language.rawValue).mapValues(\.count)
            #expect(Dictionary(uniqueKeysWithValues: (got.facets["lang"] ?? []).map { ($0.value, $0.count) }) == counts)
            var tagCounts: [String: Int] = [:]
            for d in kept { for t in tagsOf[d.id] ?? [] { tagCounts[t, default: 0] += 1 } }
            #expect(Dictionary(uniqueKeysWithValues: (got.facets["tags"] ?? []).map { ($0.value, $0.count) }) == tagCounts)
        }
    }

    /// Sorted by a field with a few top hits out of thousands of matches: most matches lose to
    /// the k-th hit on the first key before any candidate is made; ties go newest first, then
    /// by seq.
    @Test func sortedTopKOverManyDocuments() throws {
        let (e, _, docs) = indexed(count: 3_000, seed: 29, perSegment: 1_500)
        let reference = ReferenceBM25(deleteEvery(9, from: 4, of: docs, in: e), config: e.config)
        let stems = reference.stems(["netværk"])
        for (q, kept) in [(QueryNode.all, reference.docs), (.word("netværk", field: nil), reference.docs.filter { reference.matches($0, stems) })] {
            #expect(kept.count > 1_000)
            for (field, descending) in [("published_at", true), ("published_at", false), ("lang", false), ("lang", true)] {
                let got = try e.searcher().search(SearchRequest(q: q, sort: [SortKey(field: field, descending: descending)], limit: 7))
                func key(_ d: ReferenceBM25.Doc) -> String { field == "lang" ? d.language.rawValue : String(format: "%020.3f", d.recency) }
                let expected = kept.sorted { a, b in
                    if key(a) != key(b) { return descending ? key(a) > key(b) : key(a) < key(b) }
                    return a.recency != b.recency ? a.recency > b.recency : a.seq > b.seq
                }.prefix(7).map(\.id)
                #expect(ids(got) == expected, "\(q) by \(field) \(descending ? "desc" : "asc")")
                #expect(got.total == kept.count)
            }
        }
    }

    /// `_score` sorts by relevance: alone it is the relevance order; after another key it
    /// orders the ties of that key, highest score first (or lowest, with `:asc`).
    @Test func sortByScore() throws {
        let (e, reference, _) = indexed(count: 2_000, seed: 31, perSegment: 1_000)
        let searcher = e.searcher()
        let q = QueryNode.word("netværk", field: nil)
        let relevance = try searcher.search(SearchRequest(q: q, limit: 10))
        let byScore = try searcher.search(SearchRequest(q: q, sort: [SortKey(field: "_score", descending: true)], limit: 10))
        #expect(ids(byScore) == ids(relevance))
        // Every match in relevance order; the sort by language keeps that order within each.
        let all = try searcher.search(SearchRequest(q: q, limit: 5_000, trackTotalHits: .max))
        #expect(all.hits.count == all.total && all.total > 100)
        let language = Dictionary(uniqueKeysWithValues: reference.docs.map { ($0.id, $0.language.rawValue) })
        for ascending in [true, false] {
            let order = all.hits.indices.sorted { a, b in
                let la = language[all.hits[a].id]!, lb = language[all.hits[b].id]!
                return la != lb ? la < lb : (ascending ? a > b : a < b)
            }
            let got = try searcher.search(SearchRequest(q: q, sort: [SortKey(field: "lang"), SortKey(field: "_score", descending: !ascending)], limit: 10))
            if ascending {
                // Lowest scores first: compare scores (equal scores keep no particular order).
                #expect(got.hits.map(\.score) == order.prefix(10).map { all.hits[$0].score })
            } else {
                #expect(ids(got) == order.prefix(10).map { all.hits[$0].id })
            }
        }
    }

    func checkWindowed(_ e: Engine, _ reference: ReferenceBM25) throws {
        let singles = vocabulary.map { [$0] }
        let common = vocabulary.prefix(4)
        let pairs = common.flatMap { a in common.filter { $0 != a }.map { [a, $0] } }
        try check(e, reference, queries: singles + pairs)
        func languages(_ r: SearchResult) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: (r.facets["lang"] ?? []).map { ($0.value, $0.count) })
        }
        for q in singles + pairs {
            let got = try search(e, words(q.joined(separator: " ")), limit: 10, facets: ["lang"])
            #expect(languages(got) == reference.languageCounts(q), "\(q)")
            #expect(got.total == reference.search(q, limit: 0).total, "\(q)")
        }
        // A word without another: the excluded one's documents leave the window.
        for pair in pairs {
            let got = try search(e, .and([.word(pair[0], field: nil), .not(.word(pair[1], field: nil))]), limit: 10, facets: ["lang"])
            let expected = reference.languageCounts([pair[0]], excluding: pair[1])
            #expect(languages(got) == expected, "\(pair)")
            #expect(got.total == expected.values.reduce(0, +), "\(pair)")
        }
    }

    @Test func scoresStayExactAfterDeletesAndReplacements() throws {
        var docs = generatedCorpus(count: 250, seed: 21)
        let e = engine(docs)
        var seqs = (0..<docs.count).map { UInt64($0 + 1) }
        var rng = SplitMix(seed: 5)
        var seq = UInt64(docs.count)
        let replacements = generatedCorpus(count: 40, seed: 99)
        for (i, r) in replacements.enumerated() {
            let target = Int.random(in: 0..<docs.count, using: &rng)
            guard case .string(let id)? = docs[target]["id"], case .object(var m) = r else { continue }
            m[0] = ("id", .string(id))
            seq += 1
            e.upsert(id: id, document: .object(m), seq: seq)
            docs[target] = .object(m)
            seqs[target] = seq
            if i % 10 == 0 { e.refresh() }
        }
        var live: [(JSONValue, UInt64)] = Array(zip(docs, seqs))
        for _ in 0..<30 {
            let victim = Int.random(in: 0..<live.count, using: &rng)
            guard case .string(let id)? = live[victim].0["id"] else { continue }
            seq += 1
            e.delete(id: id, seq: seq)
            live.remove(at: victim)
        }
        e.refresh()
        #expect(e.searcher().documentCount == live.count)
        try check(e, ReferenceBM25(live, config: e.config), queries: queries(seed: 3, count: 100))
        e.forceMerge()
        #expect(e.stats().deletedDocuments == 0)
        try check(e, ReferenceBM25(live, config: e.config), queries: queries(seed: 4, count: 50))
    }

    @Test func scoresStayExactWithBackgroundMerges() throws {
        var config = EngineConfig()
        config.maxBufferedDocuments = 15
        config.mergeFactor = 3
        config.backgroundMergeDocuments = 40  // most merges go to background threads
        let e = Engine(config: config)
        var live: [String: (JSONValue, UInt64)] = [:]
        var rng = SplitMix(seed: 61)
        let docs = generatedCorpus(count: 400, seed: 62)
        var seq: UInt64 = 0
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            seq += 1
            e.upsert(id: id, document: d, seq: seq)
            live[id] = (d, seq)
            if i % 3 == 0, let victim = live.keys.randomElement(using: &rng), Bool.random(using: &rng) {
                seq += 1
                e.delete(id: victim, seq: seq)
                live[victim] = nil
            }
            if i % 10 == 0 { e.refresh() }
        }
        e.refresh()
        e.waitForMerges()
        // Publishing the finished merges may start another one: wait for that too.
        e.refresh()
        e.waitForMerges()
        #expect(e.backgroundMerges == 0)
        #expect(e.stats().backgroundMergesStarted > 0)
        #expect(e.searcher().documentCount == live.count)
        let reference = ReferenceBM25(live.values.sorted { $0.1 < $1.1 }, config: config)
        try check(e, reference, queries: queries(seed: 63, count: 60))
    }

    @Test func prunedTopKEqualsExhaustive() throws {
        let docs = generatedCorpus(count: 3_000, seed: 42)
        var config = EngineConfig()
        config.maxBufferedDocuments = 1_000
        let e = engine(docs, config: config)
        let searcher = e.searcher()
        var pruned = 0
        for q in queries(seed: 8, count: 80) + vocabulary.map({ [$0] }) {
            let node: QueryNode = q.count == 1 ? .word(q[0], field: nil) : .and(q.map { .word($0, field: nil) })
            let (exhaustive, fast) = try prunedAgreesWithExhaustive(searcher, node, limit: 10, "\(q)")
            #expect(exhaustive.totalIsExact)
            if !fast.totalIsExact { pruned += 1 }
        }
        // The point of pruning: common words must actually skip documents.
        #expect(pruned > 10)

        // Phrases, OR and exclusions go through the same pruning paths.
        var rng = SplitMix(seed: 31)
        var prunedShapes = 0
        for _ in 0..<60 {
            let a = vocabulary.randomElement(using: &rng)!, b = vocabulary.randomElement(using: &rng)!
            for node in [QueryNode.phrase([a, b], field: nil), .or([.word(a, field: nil), .word(b, field: nil)]),
                         .and([.word(a, field: nil), .not(.word(b, field: nil))]), .phrase([a, b], field: "body")] {
                let (_, fast) = try prunedAgreesWithExhaustive(searcher, node, limit: 10, "\(node)")
                if !fast.totalIsExact { prunedShapes += 1 }
            }
        }
        #expect(prunedShapes > 10)
    }
}
