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
                    let exhaustive = try searcher.search(SearchRequest(q: node, limit: limit, trackTotalHits: .max))
                    let fast = try searcher.search(SearchRequest(q: node, limit: limit, trackTotalHits: 0))
                    #expect(ids(fast) == ids(exhaustive), "\(a) \(b) top \(limit)")
                    #expect(fast.hits.map(\.score) == exhaustive.hits.map(\.score), "\(a) \(b) top \(limit)")
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
}
