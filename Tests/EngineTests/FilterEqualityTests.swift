import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

/// `=`, `!=` and `IN` on plain strings compare ordinals directly; literals that read as numbers
/// or booleans keep matching numeric and boolean values as well.
@Suite struct FilterEqualityTests {
    let e = engine([
        newsDoc(id: "1", title: "a", tags: ["eu", "cloud", "eu"], extra: [("code", .string("7")), ("flag", .bool(true))]),
        newsDoc(id: "2", title: "b", tags: ["cloud"], extra: [("code", .integer(7)), ("flag", .string("true"))]),
        newsDoc(id: "3", title: "c", extra: [("code", .string("x")), ("flag", .bool(false))]),
        newsDoc(id: "4", title: "d"),
    ])

    func matching(_ f: FilterNode) throws -> Set<String> { Set(ids(try search(e, .all, filter: f))) }

    @Test func plainStrings() throws {
        #expect(try matching(.compare(field: "tags", .eq, .string("eu"))) == ["1"])
        #expect(try matching(.compare(field: "tags", .ne, .string("cloud"))) == ["3", "4"])
        #expect(try matching(.isIn(field: "tags", [.string("nope"), .string("cloud")])) == ["1", "2"])
        #expect(try matching(.isIn(field: "tags", [.string("nope")])).isEmpty)
        #expect(try matching(.isIn(field: "missing", [.string("eu")])).isEmpty)
        #expect(try matching(.not(.isIn(field: "code", [.string("x"), .string("y")]))) == ["1", "2", "4"])
    }

    @Test func stringsThatReadAsNumbersOrBooleans() throws {
        #expect(try matching(.compare(field: "code", .eq, .string("7"))) == ["1", "2"])
        #expect(try matching(.isIn(field: "code", [.string("x"), .string("7")])) == ["1", "2", "3"])
        #expect(try matching(.compare(field: "flag", .eq, .string("true"))) == ["1", "2"])
        #expect(try matching(.isIn(field: "code", [.number(7), .string("x")])) == ["1", "2", "3"])
    }

    /// The other way round: an unquoted number or boolean equals the string that spells it, as
    /// in Meilisearch and Elasticsearch (`year = 2026` finds `"year": "2026"`). Ranges stay
    /// numeric: `"95" < 100` would otherwise compare as text.
    @Test func numbersAndBooleansEqualTheirSpelling() throws {
        #expect(try matching(.compare(field: "code", .eq, .number(7))) == ["1", "2"])
        #expect(try matching(.compare(field: "code", .ne, .number(7))) == ["3", "4"])
        #expect(try matching(.compare(field: "flag", .eq, .bool(true))) == ["1", "2"])
        #expect(try matching(.compare(field: "code", .le, .number(7))) == ["2"])
        let decimals = engine([newsDoc(id: "s", title: "a", extra: [("v", .string("7.5"))]),
                               newsDoc(id: "n", title: "b", extra: [("v", .number(7.5))])])
        #expect(Set(ids(try search(decimals, .all, filter: .compare(field: "v", .eq, .number(7.5))))) == ["s", "n"])
    }
}
