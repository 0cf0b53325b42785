import Testing
@testable import TidendeQuerySyntax
import TidendeTestRandom

/// Random inputs built from the characters that matter to the grammars: they must either parse
/// or throw `QuerySyntaxError` (never crash), and whatever parses must survive being written back
/// with `.syntax` and parsed again.
@Suite struct RoundTripAndFuzzTests {
    static let queryPieces: [String] = [
        "a", "b", "ø", "cyber", "tech-", "-", "--", "\"", "(", ")", "*", ":", "title:", "x.y:", " ", "  ",
        "OR", " OR ", "AND", " AND ", "NOT ", "10:30", "//", ",", ".", "æøå", "e\u{301}", "👍", "\t", "\\", "'",
        "_", "9", "–", "http://x",
    ]

    static let filterPieces: [String] = [
        "a", "x.y", " ", "=", "!", "<", ">", "!=", ">=", "(", ")", "[", "]", ",", "\"", "'", "\\", "IN", "in",
        "NOT", "EXISTS", "AND", "or", "-1", "2.5", "1e3", "2026-01-01", "T10:00", "Z", "+02:00", "true",
        "null", "ø", "\\u00e6", "é", "👍",
    ]

    static func random(from pieces: [String], count: Int, rng: inout SplitMix) -> String {
        var s = ""
        for _ in 0..<Int(rng.next() % UInt64(count) + 1) {
            s += pieces[Int(rng.next() % UInt64(pieces.count))]
        }
        return s
    }

    @Test func randomQueriesParseOrThrowAndRoundTrip() {
        var rng = SplitMix(seed: 42)
        var parsed = 0
        for _ in 0..<20_000 {
            let q = Self.random(from: Self.queryPieces, count: 12, rng: &rng)
            guard let node = try? QueryParser.parse(q) else { continue }
            parsed += 1
            let again = try? QueryParser.parse(node.syntax)
            #expect(again == node, "\(q) → \(node.syntax)")
        }
        // The generator must exercise the success path too, or the round-trip check is empty.
        #expect(parsed > 1000)
    }

    @Test func randomFiltersParseOrThrowAndRoundTrip() {
        var rng = SplitMix(seed: 43)
        var parsed = 0
        for _ in 0..<20_000 {
            let f = Self.random(from: Self.filterPieces, count: 10, rng: &rng)
            guard let node = try? FilterParser.parse(f) else { continue }
            parsed += 1
            let again = try? FilterParser.parse(node.syntax)
            #expect(again == node, "\(f) → \(node.syntax)")
        }
        #expect(parsed > 50)
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix(seed: 44)
        for _ in 0..<5_000 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? QueryParser.parse(text)
            _ = try? FilterParser.parse(text)
            _ = try? SortParser.parse(text)
            _ = ISO8601.parse(text)
        }
    }

    @Test(arguments: [
        "a b OR c -d", "(a b) OR (c -d)", "title:(a OR b*) \"x y\"", "-(a OR b) c", "x -\"a b\" y*",
        "author.name:kofod 10:30 https://a.dk/b", "((a OR b) (c OR d)) OR e", "NOT a b AND c",
        "title:-java område:jylland pris-kr:5 - Danmark: a.b.:c",
    ])
    func trickyQueriesRoundTrip(_ q: String) throws {
        let node = try QueryParser.parse(q)
        #expect(try QueryParser.parse(node.syntax) == node)
    }

    @Test(arguments: [
        "a = 1 OR b = 2 AND NOT (c = 3 OR d EXISTS)", "x NOT IN [1, 'a b', null, true]",
        "t = \"quote \\\" and \\\\ backslash\"", "d >= 2026-01-01T10:00:00.5+02:00 AND n < -0.001",
        "NOT NOT x EXISTS", "(a = 1 OR b = 2) AND (c = 3 OR d = 4)", "x = 1e300",
        "d >= '2026-01-01 10:00Z' AND år-2 IN [\"2026-01-05\"]",
    ])
    func trickyFiltersRoundTrip(_ f: String) throws {
        let node = try FilterParser.parse(f)
        #expect(try FilterParser.parse(node.syntax) == node)
    }
}
