import Foundation
import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

@Suite struct SnapshotTests {
    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tidende-\(name)-\(UInt32.random(in: 0...UInt32.max)).snap").path
    }

    func sampleEngine() -> Engine {
        let e = engine(generatedCorpus(count: 120, seed: 17))
        e.delete(id: "d3", seq: 500)
        e.upsert(id: "d4", document: newsDoc(id: "d4", title: "erstattet nyhed", publishedAt: "2026-02-02T00:00:00Z"), seq: 501)
        e.refresh()
        return e
    }

    @Test func roundTripKeepsResultsAndSeq() throws {
        let e = sampleEngine()
        let path = tempPath("roundtrip")
        defer { unlink(path) }
        try e.writeSnapshot(to: path)
        let loaded = try Engine.loadSnapshot(from: path)
        #expect(loaded.searcher().seq == 501)
        #expect(loaded.appliedSeq == 501)
        for q in [words("cyber"), words("netværk sikkerhed"), .all, .phrase(["cyber", "angreb"], field: nil)] {
            let a = try e.searcher().search(SearchRequest(q: q, limit: 20, facets: ["tags"], trackTotalHits: .max))
            let b = try loaded.searcher().search(SearchRequest(q: q, limit: 20, facets: ["tags"], trackTotalHits: .max))
            #expect(ids(a) == ids(b))
            #expect(a.hits.map(\.score) == b.hits.map(\.score))
            #expect(a.total == b.total)
            #expect(a.hits.map(\.document) == b.hits.map(\.document))
        }
        #expect(loaded.searcher().get(id: "d3") == nil)
        // The loaded engine keeps taking writes.
        loaded.upsert(id: "new", document: newsDoc(id: "new", title: "helt ny"), seq: 502)
        loaded.delete(id: "d5", seq: 503)
        loaded.refresh()
        #expect(ids(try search(loaded, words("helt"))) == ["new"])
        #expect(loaded.searcher().get(id: "d5") == nil)
    }

    /// The caller's origin tag (the query service's ingest store id) travels in the snapshot
    /// itself, negative values and none included.
    @Test func originIsKeptInTheSnapshot() throws {
        let e = sampleEngine()
        let path = tempPath("origin")
        defer { unlink(path) }
        #expect(e.snapshotOrigin == nil)
        for origin in [Int64(7_345_901_234_567_890_123), -5, nil] {
            try e.writeSnapshot(to: path, origin: origin)
            let loaded = try Engine.loadSnapshot(from: path)
            #expect(loaded.snapshotOrigin == origin)
            #expect(loaded.appliedSeq == 501)
        }
    }

    @Test func damagedFilesAreRefused() throws {
        let e = sampleEngine()
        let path = tempPath("damaged")
        defer { unlink(path) }
        try e.writeSnapshot(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        var flipped = good
        flipped[good.count / 2] ^= 0x40
        try flipped.write(to: URL(fileURLWithPath: path))
        #expect(throws: EngineError.self) { try Engine.loadSnapshot(from: path) }

        try good.prefix(good.count - 100).write(to: URL(fileURLWithPath: path))
        #expect(throws: EngineError.self) { try Engine.loadSnapshot(from: path) }

        var otherVersion = good
        otherVersion[8] = 99
        try otherVersion.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Engine.loadSnapshot(from: path)
            Issue.record("an other-version snapshot loaded")
        } catch {
            #expect(error.code == "snapshot_version")
        }

        try Data("not a snapshot".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: EngineError.self) { try Engine.loadSnapshot(from: path) }
        #expect(throws: EngineError.self) { try Engine.loadSnapshot(from: path + ".missing") }
    }
}
