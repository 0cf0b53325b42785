import Testing
@testable import TidendeModels

/// Member extraction and decoding helpers: what the ingest service reads from a line.
@Suite struct JSONScanMemberTests {
    @Test func listsTopLevelMembersWithKindsAndRanges() throws {
        let line = bytes(#"  { "id" : 42, "title":"Cyber-ambassadør", "tags":["a","b"], "meta":{"x":[1,{"y":2}]}, "ok":true, "n":null, "score":-1.5e3 }  "#)
        let scan = try JSONScanner().scan(line)
        #expect(scan.kind == .object)
        #expect(scan.members.map(\.key) == ["id", "title", "tags", "meta", "ok", "n", "score"])
        #expect(scan.members.map(\.kind) == [.number, .string, .array, .object, .bool, .null, .number])
        let text = scan.members.map { String(decoding: scan.valueBytes($0), as: UTF8.self) }
        #expect(text == ["42", #""Cyber-ambassadør""#, #"["a","b"]"#, #"{"x":[1,{"y":2}]}"#, "true", "null", "-1.5e3"])
        #expect(String(decoding: scan.valueBytes, as: UTF8.self).hasPrefix("{ \"id\""))
        #expect(String(decoding: scan.valueBytes, as: UTF8.self).hasSuffix("-1.5e3 }"))
    }

    @Test func scalarsAndArraysHaveNoMembers() throws {
        #expect(try JSONScanner().scan(bytes(#"[{"a":1}]"#)).members.isEmpty)
        #expect(try JSONScanner().scan(bytes(#""x""#)).kind == .string)
        #expect(try JSONScanner().scan(bytes(#"{}"#)).members.isEmpty)
    }

    @Test func escapedKeysAreDecoded() throws {
        let scan = try JSONScanner().scan(bytes(#"{"\u006fp":"put","d\u00f8c":1,"a\"b":2}"#))
        #expect(scan.members.map(\.key) == ["op", "døc", "a\"b"])
        #expect(scan.member("op").flatMap(scan.string) == "put")
    }

    @Test func lastDuplicateKeyWins() throws {
        let scan = try JSONScanner().scan(bytes(#"{"id":"first","x":1,"id":"second"}"#))
        #expect(scan.members.count == 3)
        #expect(scan.member("id").flatMap(scan.string) == "second")
        #expect(scan.member("missing") == nil)
    }

    @Test func stringDecodingHandlesEveryEscape() throws {
        let scan = try JSONScanner().scan(bytes(#"{"s":"q\"b\\s\/b\bf\fn\nr\rt\tu\u00e6\u20AC\uD83D\uDE00 end"}"#))
        let member = try #require(scan.member("s"))
        #expect(scan.string(member) == "q\"b\\s/b\u{08}f\u{0C}n\nr\rt\tuæ€😀 end")
    }

    @Test func integerHelperIsExact() throws {
        let scan = try JSONScanner().scan(bytes(
            #"{"a":42,"b":-7,"c":9223372036854775807,"d":-9223372036854775808,"e":9223372036854775808,"f":1.5,"g":1e3,"h":1.0,"i":"42","j":0,"k":-0}"#))
        func value(_ key: String) -> Int64? { scan.member(key).flatMap(scan.int64) }
        #expect(value("a") == 42)
        #expect(value("b") == -7)
        #expect(value("c") == .max)
        #expect(value("d") == .min)
        #expect(value("e") == nil)
        #expect(value("f") == nil)
        #expect(value("g") == nil)
        #expect(value("h") == nil)
        #expect(value("i") == nil)
        #expect(value("j") == 0)
        #expect(value("k") == 0)
    }

    @Test func memberValuesAsTreesAndNestedScans() throws {
        let scan = try JSONScanner().scan(bytes(#"{"op":"put","doc":{"id":7,"title":"Hej"},"flag":false}"#))
        let doc = try #require(scan.member("doc"))
        #expect(scan.value(doc) == .object([("id", .integer(7)), ("title", .string("Hej"))]))
        #expect(scan.bool(try #require(scan.member("flag"))) == false)
        let inner = try #require(scan.objectScan(doc))
        #expect(inner.members.map(\.key) == ["id", "title"])
        #expect(inner.member("title").flatMap(inner.string) == "Hej")
        #expect(String(decoding: inner.valueBytes, as: UTF8.self) == #"{"id":7,"title":"Hej"}"#)
        #expect(scan.objectScan(try #require(scan.member("op"))) == nil)
        #expect(scan.value() == (try JSONValue.parse(scan.bytes)))
    }

    @Test func nestedScanWorksAtTheNestingLimit() throws {
        // 128 levels in all: the outer object, the doc object, 126 arrays.
        let arrays = String(repeating: "[", count: 126) + String(repeating: "]", count: 126)
        let line = bytes("{\"op\":\"put\",\"doc\":{\"id\":1,\"deep\":\(arrays)}}")
        let scan = try JSONScanner().scan(line)
        let doc = try #require(scan.member("doc"))
        let inner = try #require(scan.objectScan(doc))
        #expect(inner.members.map(\.key) == ["id", "deep"])
        #expect(scanError(bytes("{\"doc\":{\"deep\":[\(arrays)]}}")) != nil)
    }

    @Test func scanningASubrangeKeepsLineColumns() throws {
        let line = bytes(#"{"doc":{"a" 1}}"#)
        do {
            _ = try JSONScanner().scan(line, in: 7..<14)
            Issue.record("accepted")
        } catch {
            #expect(error.message == "expected ':', found '1' at column 13")
        }
    }
}
