#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import TidendeModels
import TidendeTestRandom
import Testing
@testable import TidendeEngine

/// Merging stored documents shares large, mostly live chunks and copies the rest; every live
/// document reads back as stored, deleted ones are gone, and a snapshot holds them end to end.
@Suite struct StoredDocumentsTests {
    /// ~3 KB of random letters: compresses to ~2 KB, so 600 of them make a chunk over 1 MB.
    static func bulky(_ i: Int, _ rng: inout SplitMix) -> JSONValue {
        var bytes = [UInt8](repeating: 32, count: 3_000)
        for k in 0..<3_000 where k % 9 != 8 { bytes[k] = 97 + UInt8(rng.next() % 26) }
        return newsDoc(id: "b\(i)", title: "dokument \(i)", body: String(decoding: bytes, as: UTF8.self))
    }

    @Test func mergesShareLargeChunksAndReclaimDeletedSpace() throws {
        var rng = SplitMix(seed: 5)
        // The bulky body is stored, not indexed: the test is about stored bytes.
        let e = Engine(config: EngineConfig(unindexedFields: ["id", "lang", "published_at", "body"], mergeFactor: 100))
        var docs: [String: JSONValue] = [:]
        for i in 0..<1_800 {
            let d = Self.bulky(i, &rng)
            docs["b\(i)"] = d
            e.upsert(id: "b\(i)", document: d, seq: UInt64(i + 1))
            if i % 600 == 599 { e.refresh() }
        }
        // A few deletions in the first segment (its chunk stays shared), most of the second
        // (which a refresh then rewrites alone, small), none in the third.
        var seq: UInt64 = 2_000
        for i in stride(from: 0, to: 600, by: 10) { seq += 1; e.delete(id: "b\(i)", seq: seq); docs["b\(i)"] = nil }
        for i in 600..<1_100 { seq += 1; e.delete(id: "b\(i)", seq: seq); docs["b\(i)"] = nil }
        e.refresh()
        let before = e.publishedView.segments.flatMap { $0.segment.stored.chunks.map(\.count) }
        let big = before.filter { $0 >= StoredDocuments.shareableChunkBytes }
        #expect(before.count == 3 && big.count == 2, "\(before)")
        e.forceMerge()
        let view = e.publishedView
        #expect(view.segments.count == 1)
        let stored = view.segments[0].segment.stored
        #expect(stored.count == docs.count)
        // The large chunks are shared as they were; the small segment's documents were copied.
        let sizes = stored.chunks.map(\.count)
        #expect(sizes.count == 3 && sizes.filter { big.contains($0) }.count == 2, "\(sizes) from \(before)")
        for (id, d) in docs { #expect(e.searcher().get(id: id) == d) }
        #expect(e.searcher().get(id: "b0") == nil && e.searcher().get(id: "b700") == nil)
        // Written end to end as one array of bytes with flat offsets.
        var all: [UInt8] = []
        try stored.forEachRun { (run: UnsafeRawBufferPointer) throws(EngineError) in all.append(contentsOf: run) }
        let offsets = stored.flatOffsets
        #expect(all.count == stored.documentBytes && offsets.count == stored.count + 1)
        for d in 0..<stored.count { #expect(Array(all[Int(offsets[d])..<Int(offsets[d + 1])]) == Array(stored.compressed(d))) }
        let path = "/tmp/tidende-stored-\(UInt64.random(in: 0...UInt64.max)).snap"
        defer { unlink(path) }
        try e.writeSnapshot(to: path)
        let loaded = try Engine.loadSnapshot(from: path)
        for (id, d) in docs.prefix(50) { #expect(loaded.searcher().get(id: id) == d) }
    }
}

/// A preparer trains a zstd dictionary on its first documents and compresses the rest with it.
@Suite struct StoredDictionaryTests {
    @Test func documentsAfterTrainingUseTheDictionaryAndReadBackThroughMergesAndSnapshots() throws {
        let config = EngineConfig(storedDictionaryAfter: 150)  // documents 100-149 stay without one
        let docs = PreparedDocumentTests.corpus(count: 400, seed: 9)
        let e = Engine(config: config)
        var latest: [String: JSONValue] = [:]
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            e.upsert(id: id, document: d, seq: UInt64(i + 1))
            latest[id] = d
            if i % 70 == 69 { e.refresh() }
        }
        e.refresh()
        let chunks = e.publishedView.segments.flatMap { $0.segment.stored.dictionaries }
        #expect(chunks.contains { $0 == nil } && chunks.contains { $0 != nil })
        for (id, d) in latest { #expect(e.searcher().get(id: id) == d) }

        // Through a snapshot and a merge of documents with and without the dictionary.
        let path = "/tmp/tidende-dict-\(UInt64.random(in: 0...UInt64.max)).snap"
        defer { unlink(path) }
        try e.writeSnapshot(to: path)
        let loaded = try Engine.loadSnapshot(from: path, config: config)
        loaded.forceMerge()
        e.forceMerge()
        for (id, d) in latest {
            #expect(loaded.searcher().get(id: id) == d)
            #expect(e.searcher().get(id: id) == d)
        }
        let merged = e.publishedView.segments[0].segment.stored
        #expect(Set(merged.dictionaries.map { $0.map(ObjectIdentifier.init) }).count == 2)
    }

    @Test func preparedDocumentsTrainTheSameDictionary() throws {
        // The writer's own preparer and a separate one see the same documents, so they train the
        // same dictionary: the two engines are byte for byte the same (compressed by either side).
        let config = EngineConfig(storedDictionaryAfter: 60)
        let docs = PreparedDocumentTests.corpus(count: 200, seed: 12)
        let whole = Engine(config: config), prepared = Engine(config: config)
        let preparer = prepared.makePreparer()
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            whole.upsert(id: id, document: d, seq: UInt64(i + 1))
            prepared.upsert(preparer.prepare(id: id, document: d, compress: i % 3 != 0), seq: UInt64(i + 1))
        }
        whole.refresh()
        prepared.refresh()
        let a = "/tmp/tidende-dict-a-\(UInt64.random(in: 0...UInt64.max)).snap", b = a + ".b"
        defer { unlink(a); unlink(b) }
        try whole.writeSnapshot(to: a)
        try prepared.writeSnapshot(to: b)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }
}
