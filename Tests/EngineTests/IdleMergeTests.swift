import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

/// Merging while idle: fewer segments, the same answers, published by the next refresh.
@Suite struct IdleMergeTests {
    @Test func idleMergeLeavesOneSegmentAndTheSameAnswers() throws {
        let e = Engine(config: EngineConfig(mergeFactor: 50))
        for i in 0..<400 {
            e.upsert(id: "d\(i)", document: newsDoc(id: "d\(i)", title: "cyber nummer \(i)", body: i % 3 == 0 ? "ambassadør" : "valg"),
                     seq: UInt64(i + 1))
            if i % 40 == 39 { e.refresh() }
        }
        e.delete(id: "d3", seq: 401)
        e.refresh()
        #expect(e.stats().segments == 10)
        #expect(!e.hasUnpublishedChanges)
        let before = try search(e, words("ambassadør"), limit: 1_000)

        #expect(e.mergeWhileIdle())
        e.waitForMerges()
        #expect(e.hasUnpublishedChanges)
        #expect(e.stats().segments == 10)  // not published yet
        e.refresh()
        #expect(!e.hasUnpublishedChanges)
        #expect(e.stats().segments == 1)
        let after = try search(e, words("ambassadør"), limit: 1_000)
        #expect(after.total == before.total)
        #expect(after.hits.map(\.id) == before.hits.map(\.id))
        #expect(after.hits.map(\.score) == before.hits.map(\.score))
        #expect(e.searcher().get(id: "d3") == nil)
        // Nothing left to gain.
        #expect(!e.mergeWhileIdle())
    }

    @Test func aTrickleOfSmallSegmentsDoesNotRewriteTheLargeOne() throws {
        let e = Engine()
        for i in 0..<200 { e.upsert(id: "d\(i)", document: newsDoc(id: "d\(i)", title: "stor \(i)"), seq: UInt64(i + 1)) }
        e.refresh()
        #expect(!e.mergeWhileIdle())  // one segment
        for i in 200..<204 {
            e.upsert(id: "d\(i)", document: newsDoc(id: "d\(i)", title: "lille \(i)"), seq: UInt64(i + 1))
            e.refresh()
        }
        #expect(e.stats().segments == 5)
        #expect(e.mergeWhileIdle())
        e.waitForMerges()
        e.refresh()
        // The four small ones became one; the large one was left as it was.
        #expect(e.stats().segments == 2)
        #expect(try search(e, .all).total == 204)
    }
}
