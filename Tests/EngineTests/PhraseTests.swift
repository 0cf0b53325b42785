import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom

/// Phrases over documents where a frequent word has long runs of positions, so finding one
/// document's positions skips many varints of the documents before it (eight bytes at a time).
@Suite struct PhraseTests {
    @Test func phraseCountsMatchANaiveScan() throws {
        var rng = SplitMix(seed: 77)
        let words = ["og", "net", "sky", "data", "kabel"]
        var docs: [JSONValue] = []
        var bodies: [String: [String]] = [:]
        for i in 0..<600 {
            // "og" dominates (tens of positions per document, some above 127 so varints span two
            // bytes); the other words are sprinkled in.
            let n = 20 + Int(rng.next() % 300)
            let body = (0..<n).map { _ in rng.next() % 3 == 0 ? words[1 + Int(rng.next() % 4)] : "og" }
            let id = "d\(i)"
            bodies[id] = body
            docs.append(newsDoc(id: id, title: "t", body: body.joined(separator: " ")))
        }
        let e = engine(docs)
        for (a, b) in [("og", "net"), ("net", "og"), ("sky", "data"), ("og", "og"), ("kabel", "og")] {
            let expected = Set(bodies.filter { _, w in zip(w, w.dropFirst()).contains { $0 == a && $1 == b } }.keys)
            let result = try search(e, .phrase([a, b], field: "body"), limit: 1_000)
            #expect(Set(ids(result)) == expected, "\(a) \(b)")
            #expect(result.total == expected.count)
        }
    }
}
