import Testing
import TidendeAnalysis
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom

/// Phrases over documents where a frequent word has long runs of positions, so one document's
/// positions start far into its block's (found from the term frequencies before it).
@Suite struct PhraseTests {
    @Test func phraseCountsMatchANaiveScan() throws {
        var rng = SplitMix(seed: 77)
        let words = ["og", "net", "sky", "data", "kabel"]
        var docs: [JSONValue] = []
        var bodies: [String: [String]] = [:]
        for i in 0..<600 {
            // "og" dominates (tens of positions per document, some gaps above 127, so blocks
            // pack them wider); the other words are sprinkled in.
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

    /// A suspended hyphen gives the expanded word at the suspended part's position, after the
    /// joined word at a later one: `it- og it-branchen` has `itbranchen` at 2, then at 0. When
    /// that word leads the phrase check (fewest positions in the document), its positions are
    /// taken in order, so the occurrence at 0 is found.
    @Test func phraseFindsAWordWhosePositionsStepBack() throws {
        let analyzer = Analyzer()
        let tokens = analyzer.analyze("it- og it-branchen og og", language: .da).filter { $0.term == "itbranchen" }
        try #require(tokens.map(\.position) == [2, 0])
        let e = engine([newsDoc(id: "a", title: "t", body: "it- og it-branchen og og")])
        #expect(ids(try search(e, .phrase(["itbranchen", "og"], field: "body"))) == ["a"])
        #expect(ids(try search(e, .phrase(["og", "itbranchen"], field: "body"))) == ["a"])
        #expect(try search(e, .phrase(["branchen", "itbranchen"], field: "body")).total == 0)
    }
}

