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
        #expect(try matching(.isIn(field: "code", [.number(7), .string("x")])) == ["2", "3"])
    }
}
