import Testing
@testable import TidendeQuerySyntax

private func error(_ f: String) -> QuerySyntaxError? {
    do {
        _ = try FilterParser.parse(f)
        return nil
    } catch {
        return error
    }
}

@Suite struct FilterErrorTests {
    @Test(arguments: [
        ("published >= ", 14, "expected a value after '>='"),
        ("type => 3", 6, "unknown operator '=>'; expected one of =, !=, <, <=, >, >=, IN, EXISTS"),
        ("type == 3", 6, "unknown operator '=='; expected one of =, !=, <, <=, >, >=, IN, EXISTS"),
        ("type article", 6, "expected one of =, !=, <, <=, >, >=, IN, EXISTS after 'type', found 'article'"),
        ("type", 5, "expected one of =, !=, <, <=, >, >=, IN, EXISTS after 'type'"),
        ("", 1, "expected a condition such as 'type = article'"),
        ("a = 1 AND", 10, "expected a condition such as 'type = article'"),
        ("= 3", 1, "expected a field name, found '='"),
        ("9x = 3", 1, "expected a field name (\(FieldName.rule)), found '9x'"),
        ("a.b. = 1", 1, "expected a field name (\(FieldName.rule)), found 'a.b.'"),
        ("a..b = 1", 1, "expected a field name (\(FieldName.rule)), found 'a..b'"),
        ("-a = 1", 1, "expected a field name (\(FieldName.rule)), found '-a'"),
        ("(a = 1", 7, "expected ')' to close the group opened at column 1"),
        ("(a = 1 b = 2)", 8, "expected AND, OR or ')' to close the group opened at column 1, found 'b'"),
        ("a = 1)", 6, "expected AND, OR or the end of the filter after the condition, found ')'"),
        ("title = hello world", 15, "expected AND, OR or the end of the filter after the condition, found 'world'"),
        ("a = \"x", 7, "expected '\"' to close the string opened at column 5"),
        ("a IN [1, 2", 11, "expected ']' to close the list opened at column 6"),
        ("a IN [1 2]", 9, "expected ',' or ']' in the list opened at column 6"),
        ("a IN 1", 6, "expected '[' to start the list after IN"),
        ("a NOT 3", 7, "expected EXISTS or IN after 'NOT'"),
        ("a = AND b = 1", 5, "expected a value after '=', found 'AND' (quote it to use it as a value)"),
        ("d >= 2026-02-30", 6, "invalid date '2026-02-30'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        ("d >= 2025-02-29", 6, "invalid date '2025-02-29'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        ("d >= 2026-01-01T25:00Z", 6, "invalid date '2026-01-01T25:00Z'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        // One-digit months and days are a date written loosely, not text to compare.
        ("d >= 2026-1-5", 6, "invalid date '2026-1-5'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        ("d = 2026-01-5T10:00Z", 5, "invalid date '2026-01-5T10:00Z'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        ("d = 2026-01-123", 5, "invalid date '2026-01-123'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z"),
        // A trailing comma most likely lost a value.
        ("price IN [1,]", 13, "expected a value after ',' in the list opened at column 10, found ']'"),
        ("a IN [1, ]]", 10, "expected a value after ',' in the list opened at column 6, found ']'"),
        (#"a = "\u12""#, 8, "expected four hex digits after '\\u' in the string opened at column 5"),
    ])
    func errorSaysWhatWasExpectedAndWhere(_ f: String, _ column: Int, _ message: String) {
        let e = error(f)
        #expect(e?.message == message)
        #expect(e?.column == column)
    }

    /// 100 000 '(' or NOTs overflowed the parser's stack (and 30 000 NOTs took the evaluator 9 s).
    @Test func nestingIsBounded() throws {
        let limit = QuerySyntaxLimits.maxNesting
        #expect(throws: Never.self) { try FilterParser.parse(String(repeating: "NOT ", count: limit) + "a = 1") }
        #expect(throws: Never.self) {
            try FilterParser.parse(String(repeating: "(", count: limit) + "a = 1" + String(repeating: ")", count: limit))
        }
        let nots = error(String(repeating: "NOT ", count: limit + 1) + "a = 1")
        #expect(nots?.column == 4 * limit + 1)
        #expect(nots?.message == "nesting deeper than \(limit) levels of parentheses or NOTs")
        // Parentheses and NOTs count together.
        let mixed = String(repeating: "NOT (", count: limit / 2 + 1) + "a = 1" + String(repeating: ")", count: limit / 2 + 1)
        #expect(error(mixed)?.message.hasPrefix("nesting deeper") == true)
        // As deep as a text within `maxTextBytes` can go (deeper used to overflow the stack).
        #expect(error(String(repeating: "NOT ", count: 16_000) + "a = 1")?.message.hasPrefix("nesting deeper") == true)
        #expect(error(String(repeating: "(", count: 30_000) + "a = 1" + String(repeating: ")", count: 30_000))?.message.hasPrefix("nesting deeper") == true)
    }
}
