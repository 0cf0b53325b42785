#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import TidendeModels
import TidendeQuerySyntax
import TidendeTestRandom
import Testing
@testable import TidendeEngine

/// Documents prepared on another thread (`DocumentPreparer`, with its own term ids) must index
/// exactly as documents given whole: same segments, byte for byte.
@Suite struct PreparedDocumentTests {
    static let vocabulary = [
        "cyber", "ambassadør", "ambassadører", "tech-ambassadører", "cyber- og tech-ambassadører",
        "Ærø", "København", "café", "regeringen", "desinformation", "valget", "A/S", "D&A", "3,5",
        "university", "elections", "the", "og", "i", "it", "Master", "sikkerhed", "it-sikkerheds- og",
        "rådgivning", "universities", "running", "cloud", "data", "2020-2021",
    ]

    static func corpus(count: Int, seed: UInt64) -> [JSONValue] {
        var rng = SplitMix(seed: seed)
        func text(_ n: Int) -> String {
            (0..<n).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
        }
        return (0..<count).map { i in
            var members: [(String, JSONValue)] = [
                ("id", .string("d\(i % (count * 3 / 4))")),  // some ids repeat: replacements
                ("title", .string(text(4))),
                ("body", .string(text(Int(rng.next() % 60)))),
                ("tags", .array((0..<Int(rng.next() % 3)).map { _ in .string(text(1)) })),
                ("author", .object([("name", .string(text(2)))])),
                ("published_at", .string("2026-0\(1 + i % 9)-1\(i % 10)T08:00:00Z")),
            ]
            if rng.next() % 3 != 0 { members.append(("lang", .string(rng.next() % 4 == 0 ? "en" : "da"))) }
            return .object(members)
        }
    }

    func snapshotBytes(_ engine: Engine) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "tidende-prepared-\(UInt64.random(in: 0...UInt64.max)).snap"
        defer { unlink(path) }
        try engine.writeSnapshot(to: path)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func preparedOnAnotherThreadIndexesLikeWholeDocuments() async throws {
        let docs = Self.corpus(count: 600, seed: 7)
        let whole = Engine()
        let prepared = Engine()
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            whole.upsert(id: id, document: d, seq: UInt64(i + 1))
            if i % 97 == 0 { whole.delete(id: "d\(i / 2)", seq: UInt64(i + 1)) }
            if i % 150 == 149 { whole.refresh() }
        }
        whole.refresh()
        // A preparer on its own thread, the writer on this one, as the query service runs them.
        let preparer = prepared.makePreparer()
        let batch: [PreparedDocument] = await Task.detached {
            // Every other document leaves compressing its stored form to the writer.
            docs.enumerated().map { i, d -> PreparedDocument in
                guard case .string(let id)? = d["id"] else { fatalError() }
                return preparer.prepare(id: id, document: d, compress: i % 2 == 0)
            }
        }.value
        for (i, p) in batch.enumerated() {
            prepared.upsert(p, seq: UInt64(i + 1))
            if i % 97 == 0 { prepared.delete(id: "d\(i / 2)", seq: UInt64(i + 1)) }
            if i % 150 == 149 { prepared.refresh() }
        }
        prepared.refresh()
        #expect(try snapshotBytes(whole) == snapshotBytes(prepared))
        let r = try search(prepared, words("ambassadør"))
        #expect(r.total > 0)
        #expect(r.hits.map(\.id) == (try search(whole, words("ambassadør"))).hits.map(\.id))
    }

    @Test func aPreparerOutlivesTheEngineItFed() throws {
        // After a feed reset the query service indexes into a fresh engine with the same
        // preparer: the new writer learns the preparer's ids from its log.
        let preparer = DocumentPreparer()
        let docs = Self.corpus(count: 50, seed: 3)
        let first = Engine()
        for (i, d) in docs.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            first.upsert(preparer.prepare(id: id, document: d), seq: UInt64(i + 1))
        }
        let second = Engine()
        let direct = Engine()
        let again = Self.corpus(count: 50, seed: 4)
        for (i, d) in again.enumerated() {
            guard case .string(let id)? = d["id"] else { continue }
            second.upsert(preparer.prepare(id: id, document: d), seq: UInt64(i + 1))
            direct.upsert(id: id, document: d, seq: UInt64(i + 1))
        }
        second.refresh()
        direct.refresh()
        #expect(try snapshotBytes(second) == snapshotBytes(direct))
    }

    @Test func byteOrderOfManyStringsMatchesComparingBytes() {
        var rng = SplitMix(seed: 11)
        let alphabet: [String] = ["a", "b", "z", "æ", "ø", "å", "é", "0", "\u{0}", "ab", "abcdefgh", "abcdefghi"]
        var strings: [String] = ["", "a", "abcdefgh", "abcdefgh", "abcdefgha", "abcdefg"]
        for _ in 0..<2_000 {
            strings.append((0..<Int(rng.next() % 6)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined())
        }
        let order = ByteOrder.sortedOrder(strings)
        let expected = strings.indices.sorted { a, b in
            let x = Array(strings[a].utf8), y = Array(strings[b].utf8)
            return x == y ? a < b : x.lexicographicallyPrecedes(y)
        }
        #expect(order == expected)
    }
}
