import Testing
@testable import TidendeQuerySyntax

private func error(_ q: String) -> QuerySyntaxError? {
    do {
        _ = try QueryParser.parse(q)
        return nil
    } catch {
        return error
    }
}

@Suite struct QueryErrorTests {
    @Test(arguments: [
        // (query, column, message)
        ("cyber \"master i", 16, "expected '\"' to close the phrase opened at column 7"),
        ("(a b", 5, "expected ')' to close the group opened at column 1"),
        ("a (b (c)", 9, "expected ')' to close the group opened at column 3"),
        ("a b)", 4, "found ')' without a matching '('"),
        ("a OR", 5, "expected a word, phrase or '(' after 'OR'"),
        ("OR a", 1, "expected a word, phrase or '(' before 'OR'"),
        ("a OR OR b", 6, "expected a word, phrase or '(' after 'OR'"),
        ("a OR )", 6, "expected a word, phrase or '(' after 'OR'"),
        ("a AND", 6, "expected a word, phrase or '(' after 'AND'"),
        ("AND a", 1, "expected a word, phrase or '(' before 'AND'"),
        ("a --b", 4, "expected a word, phrase or '(' after '-'"),
        ("a (b -)", 7, "expected a word, phrase or '(' after '-'"),
        ("a NOT", 6, "expected a word, phrase or '(' after 'NOT'"),
        ("-foo", 1, "a query needs at least one term to include; '-' and NOT only exclude"),
        ("title:-java", 1, "a query needs at least one term to include; '-' and NOT only exclude"),
        ("NOT a -b", 1, "a query needs at least one term to include; '-' and NOT only exclude"),
        ("a (-b)", 4, "a query needs at least one term to include; '-' and NOT only exclude"),
        ("a OR -b", 6, "an excluded term cannot be one side of OR; expected a word, phrase or '('"),
        ("()", 2, "expected a word, phrase or '(' inside the parentheses"),
        ("\"\"", 1, "expected at least one word inside the phrase"),
        ("title:\"...\"", 7, "expected at least one word inside the 'title:' phrase"),
        ("title:(a", 9, "expected ')' to close the group opened at column 7"),
    ])
    func errorSaysWhatWasExpectedAndWhere(_ q: String, _ column: Int, _ message: String) {
        let e = error(q)
        #expect(e?.message == message)
        #expect(e?.column == column)
    }

    /// `"tech ambassad*"` used to drop the `*` and search the phrase "tech ambassad", which
    /// found nothing without saying why.
    @Test func phraseCannotHoldAPrefix() {
        let message = "a phrase cannot hold a prefix ('ambassad*'); expected whole words inside the quotes, or the prefix outside them"
        #expect(error("\"tech ambassad*\"")?.message == message)
        #expect(error("\"tech ambassad*\"")?.column == 7)
        #expect(error("x title:\"tech ambassad*.\"")?.column == 15)
        // A lone star in a phrase is punctuation, as it is outside one.
        #expect(error("\"tech * ambassadør\"") == nil)
    }

    @Test func columnsCountCharactersNotBytes() {
        // "ææææ " is 5 characters but 9 UTF-8 bytes.
        #expect(error("ææææ \"x")?.column == 8)
        #expect(error("ææææ \"x")?.message == "expected '\"' to close the phrase opened at column 6")
    }

    /// 100 000 '(' used to overflow the parser's stack and kill the query service.
    @Test func nestingIsBounded() throws {
        let limit = QuerySyntaxLimits.maxNesting
        let ok = String(repeating: "(", count: limit) + "a" + String(repeating: ")", count: limit)
        #expect(throws: Never.self) { try QueryParser.parse(ok) }
        let deep = String(repeating: "(", count: limit + 1) + "a" + String(repeating: ")", count: limit + 1)
        #expect(error(deep)?.column == limit + 1)
        #expect(error(deep)?.message == "nesting deeper than \(limit) levels of parentheses or NOTs")
        // As deep as a text within `maxTextBytes` can go (deeper used to overflow the stack).
        let huge = String(repeating: "(", count: 30_000) + "a" + String(repeating: ")", count: 30_000)
        #expect(error(huge)?.message.hasPrefix("nesting deeper") == true)
        #expect(error("title:" + deep)?.message.hasPrefix("nesting deeper") == true)
    }

    /// A 4 000-word phrase took 12 s and 300 one-letter prefixes 21 s: words and prefixes are
    /// bounded, the error pointing at the first one past the limit.
    @Test func textIsBounded() throws {
        let limit = QuerySyntaxLimits.maxTextBytes
        #expect(error(String(repeating: "a", count: limit + 1))?.message == "the query is \(limit + 1) bytes long; at most \(limit) are accepted")
        #expect(error(String(repeating: "a ", count: limit / 2)) != nil)  // 256 words, but within the bytes
        #expect(error(String(repeating: "a", count: limit)) == nil)
        #expect(throws: QuerySyntaxError.self) { try FilterParser.parse("a = " + String(repeating: "b", count: limit)) }
        #expect(throws: QuerySyntaxError.self) { try FilterParser.parseOptional(String(repeating: " ", count: limit + 1)) }
        #expect(try FilterParser.parseOptional(String(repeating: " ", count: limit)) == nil)
    }

    @Test func termsAndPrefixesAreBounded() throws {
        let words = (0..<QuerySyntaxLimits.maxTerms).map { "w\($0)" }
        #expect(throws: Never.self) { try QueryParser.parse(words.joined(separator: " ")) }
        let tooMany = (words + ["extra"]).joined(separator: " ")
        #expect(error(tooMany)?.message == "more than \(QuerySyntaxLimits.maxTerms) words (counting each word of a phrase)")
        #expect(error(tooMany)?.column == tooMany.count - "extra".count + 1)
        let phrase = "\"" + (words + ["extra"]).joined(separator: " ") + "\""
        #expect(error(phrase)?.message.hasPrefix("more than \(QuerySyntaxLimits.maxTerms) words") == true)
        let prefixes = (0..<QuerySyntaxLimits.maxPrefixes).map { "p\($0)*" }
        #expect(throws: Never.self) { try QueryParser.parse(prefixes.joined(separator: " OR ")) }
        let moreThan = (prefixes + ["q*"]).joined(separator: " OR ")
        #expect(error(moreThan)?.message == "more than \(QuerySyntaxLimits.maxPrefixes) prefix* terms")
        #expect(error(moreThan)?.column == moreThan.count - 1)
    }

    @Test func descriptionEndsWithTheColumn() {
        #expect(error("(a")?.description == "expected ')' to close the group opened at column 1 at column 3")
    }
}
