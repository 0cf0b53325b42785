import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom

@Suite struct UpdateTests {
    @Test func replacementsAndDeletesAreExactAfterRefresh() throws {
        let e = engine([newsDoc(id: "x", title: "gammel overskrift"), newsDoc(id: "y", title: "anden historie")])
        e.upsert(id: "x", document: newsDoc(id: "x", title: "ny overskrift"), seq: 10)
        // Not visible before refresh.
        #expect(Set(ids(try search(e, words("gammel")))) == ["x"])
        e.refresh()
        #expect(try search(e, words("gammel")).total == 0)
        #expect(ids(try search(e, words("overskrift"))) == ["x"])
        #expect(e.searcher().get(id: "x")?["title"] == .string("ny overskrift"))
        e.delete(id: "y", seq: 11)
        e.refresh()
        #expect(e.searcher().get(id: "y") == nil)
        #expect(try search(e, .all).total == 1)
        #expect(e.appliedSeq == 11)
        #expect(e.searcher().seq == 11)
    }

    @Test func replacingWithinOneBufferKeepsOnlyTheLastVersion() throws {
        let e = Engine()
        for i in 0..<5 { e.upsert(id: "same", document: newsDoc(id: "same", title: "version\(i)"), seq: UInt64(i + 1)) }
        e.refresh()
        #expect(try search(e, .all).total == 1)
        #expect(ids(try search(e, words("version4"))) == ["same"])
        #expect(try search(e, words("version3")).total == 0)
    }

    @Test func aSearcherKeepsItsState() throws {
        let e = engine([newsDoc(id: "a", title: "første"), newsDoc(id: "b", title: "anden")])
        let before = e.searcher()
        e.delete(id: "a", seq: 3)
        e.upsert(id: "c", document: newsDoc(id: "c", title: "tredje første"), seq: 4)
        e.refresh()
        e.forceMerge()
        #expect(Set(ids(try before.search(SearchRequest(q: words("første"))))) == ["a"])
        #expect(before.get(id: "a") != nil)
        #expect(before.seq == 2)
        #expect(Set(ids(try e.searcher().search(SearchRequest(q: words("første"))))) == ["c"])
    }

    @Test func mergesReclaimDeletedDocuments() throws {
        var config = EngineConfig()
        config.maxBufferedDocuments = 10
        config.mergeFactor = 3
        let e = Engine(config: config)
        for i in 0..<200 {
            e.upsert(id: "d\(i)", document: newsDoc(id: "d\(i)", title: "nyhed nummer \(i)"), seq: UInt64(i + 1))
            if i % 7 == 0 { e.refresh() }
        }
        e.refresh()
        #expect(e.stats().segments < 20)
        for i in 0..<150 { e.delete(id: "d\(i)", seq: UInt64(1_000 + i)) }
        e.refresh()
        let stats = e.stats()
        #expect(stats.documents == 50)
        // Segments more than half deleted were rewritten without their deleted documents.
        #expect(stats.deletedDocuments < 150)
        #expect(try search(e, words("nyhed")).total == 50)
        #expect(try search(e, words("nyhed"), limit: 100).hits.allSatisfy { Int($0.id.dropFirst())! >= 150 })
    }

    @Test func concurrentReadersWhileWriting() async throws {
        let e = engine((0..<50).map { newsDoc(id: "d\($0)", title: "start \($0)") })
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for i in 50..<300 {
                    e.upsert(id: "d\(i)", document: newsDoc(id: "d\(i)", title: "start \(i)"), seq: UInt64(i + 1))
                    if i % 10 == 0 { e.refresh() }
                }
                e.refresh()
                return true
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<50 {
                        let s = e.searcher()
                        // Within one searcher, the total always equals its document count.
                        guard let r = try? s.search(SearchRequest(q: words("start"), limit: 5)),
                              r.total == s.documentCount else { return false }
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(try search(e, .all).total == 300)
    }
}

@Suite struct MergeEquivalenceTests {
    @Test func mergedSegmentsAnswerLikeOneBuiltAtOnce() throws {
        let docs = generatedCorpus(count: 600, seed: 77)
        var small = EngineConfig()
        small.maxBufferedDocuments = 37
        small.mergeFactor = 3
        let many = engine(docs, config: small)
        var big = EngineConfig()
        big.maxBufferedDocuments = 10_000
        let one = engine(docs, config: big)
        #expect(one.stats().segments == 1)
        var rng = SplitMix(seed: 9)
        var queries: [QueryNode] = []
        for _ in 0..<40 {
            let a = vocabulary.randomElement(using: &rng)!, b = vocabulary.randomElement(using: &rng)!
            queries.append(.phrase([a, b], field: nil))
            queries.append(.word(a, field: "title"))
            queries.append(.prefix(String(b.prefix(3)).lowercased(), field: nil))
        }
        for phase in 0..<2 {
            for q in queries {
                let request = SearchRequest(q: q, limit: 20, facets: ["tags"], trackTotalHits: .max)
                let a = try many.searcher().search(request), b = try one.searcher().search(request)
                #expect(a.total == b.total, "\(q) phase \(phase)")
                #expect(Set(ids(a)) == Set(ids(b)), "\(q) phase \(phase)")
                #expect(a.facets["tags"]!.map(\.count) == b.facets["tags"]!.map(\.count))
            }
            many.forceMerge()
        }
    }
}
