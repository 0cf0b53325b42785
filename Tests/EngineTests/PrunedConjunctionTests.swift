import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom

/// Two-word queries over many matches, where titles (weight 3) hold the words rarely and bodies
/// often: a top-k search looks only at documents holding a word in a high-scoring field, and
/// must still return exactly what scoring every match returns.
@Suite struct PrunedConjunctionTests {
    @Test func topKOfManyMatchesEqualsExhaustive() throws {
        var rng = SplitMix(seed: 2_024)
        let vocabulary = ["netværk", "kabel", "server", "sky", "data", "model", "chip", "robot"]
        func pick(_ n: Int) -> String {
            (0..<n).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
        }
        var docs: [JSONValue] = []
        for i in 0..<3_000 {
            let title = rng.next() % 8 == 0 ? pick(2) : "nyhed"
            docs.append(newsDoc(id: "d\(i)", title: title, body: pick(5 + Int(rng.next() % 40)),
                                extra: rng.next() % 5 == 0 ? [("lead", .string(pick(6)))] : []))
        }
        let e = engine(docs)
        let searcher = e.searcher()
        var pruned = 0
        for a in vocabulary {
            for b in vocabulary where b != a {
                let node = QueryNode.and([.word(a, field: nil), .word(b, field: nil)])
                for limit in [1, 10, 50] {
                    let (exhaustive, fast) = try prunedAgreesWithExhaustive(searcher, node, limit: limit, "\(a) \(b) top \(limit)")
                    if !fast.totalIsExact && fast.total < exhaustive.total { pruned += 1 }
                    // Counting facets scores only what a block bound lets through.
                    let faceted = try searcher.search(SearchRequest(q: node, limit: limit, facets: ["type"],
                                                                    trackTotalHits: 0))
                    #expect(ids(faceted) == ids(exhaustive) && faceted.total == exhaustive.total, "\(a) \(b) facets")
                    #expect(faceted.hits.map(\.score) == exhaustive.hits.map(\.score))
                }
            }
        }
        // Most of these searches skip documents.
        #expect(pruned > 100)
    }

    /// Every shape the matcher tree is built of (unions of fields, conjunctions of unions, OR of
    /// conjunctions, exclusions, prefixes, words restricted to a field, three words) returns
    /// under pruning exactly what scoring every match returns, at several depths.
    @Test func mixedShapesEqualExhaustive() throws {
        var rng = SplitMix(seed: 77)
        let vocabulary = ["netværk", "kabel", "server", "sky", "data", "model", "chip", "robot", "kvante", "satellit"]
        func word() -> String { vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
        func pick(_ n: Int) -> String { (0..<n).map { _ in word() }.joined(separator: " ") }
        var docs: [JSONValue] = []
        for i in 0..<2_000 {
            docs.append(newsDoc(id: "m\(i)", title: rng.next() % 4 == 0 ? pick(3) : "nyhed", body: pick(3 + Int(rng.next() % 60)),
                                tags: rng.next() % 6 == 0 ? [word()] : [],
                                extra: rng.next() % 3 == 0 ? [("lead", .string(pick(8)))] : []))
        }
        let searcher = engine(docs).searcher()
        func w(_ s: String, _ field: String? = nil) -> QueryNode { .word(s, field: field) }
        var pruned = 0
        for _ in 0..<40 {
            let a = word(), b = word(), c = word()
            let shapes: [QueryNode] = [
                .and([w(a), w(b), w(c)]),
                .or([.and([w(a), w(b)]), w(c)]),
                .and([.or([w(a), w(b)]), w(c)]),
                .and([w(a), w(b), .not(w(c))]),
                .and([w(a, "title"), w(b)]),
                .and([.prefix(String(a.prefix(3)), field: nil), w(b)]),
                .or([w(a, "lead"), w(b, "tags"), w(c)]),
            ]
            for node in shapes {
                for limit in [1, 5, 20] {
                    let (exhaustive, fast) = try prunedAgreesWithExhaustive(searcher, node, limit: limit, "\(node) top \(limit)")
                    if !fast.totalIsExact && fast.total < exhaustive.total { pruned += 1 }
                }
            }
        }
        #expect(pruned > 200)
    }
}
