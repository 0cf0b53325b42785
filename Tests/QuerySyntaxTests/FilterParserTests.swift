import Testing
@testable import TidendeQuerySyntax

private func cmp(_ f: String, _ op: FilterComparison, _ v: FilterValue) -> FilterNode {
    .compare(field: f, op, v)
}

@Suite struct FilterParserTests {
    @Test(arguments: [
        ("=", FilterComparison.eq), ("!=", .ne), ("<", .lt), ("<=", .le), (">", .gt), (">=", .ge),
    ])
    func everyComparison(_ symbol: String, _ op: FilterComparison) throws {
        #expect(try FilterParser.parse("n \(symbol) 5") == cmp("n", op, .number(5)))
        #expect(try FilterParser.parse("n\(symbol)5") == cmp("n", op, .number(5)))
    }

    @Test func values() throws {
        #expect(try FilterParser.parse("type = article") == cmp("type", .eq, .string("article")))
        #expect(try FilterParser.parse("x = -3.25") == cmp("x", .eq, .number(-3.25)))
        #expect(try FilterParser.parse("x = 1e3") == cmp("x", .eq, .number(1000)))
        #expect(try FilterParser.parse("x = TRUE") == cmp("x", .eq, .bool(true)))
        #expect(try FilterParser.parse("x = false") == cmp("x", .eq, .bool(false)))
        #expect(try FilterParser.parse("x = null") == cmp("x", .eq, .null))
        #expect(try FilterParser.parse("source = it-news") == cmp("source", .eq, .string("it-news")))
        #expect(try FilterParser.parse("name = O'Brien") == cmp("name", .eq, .string("O'Brien")))
        #expect(try FilterParser.parse("city = København") == cmp("city", .eq, .string("København")))
        // Things that only look numeric are strings.
        #expect(try FilterParser.parse("v = 1.2.3") == cmp("v", .eq, .string("1.2.3")))
        // Not the shape of a date (a month or day of one or two digits): text.
        #expect(try FilterParser.parse("sku = 1234-5678") == cmp("sku", .eq, .string("1234-5678")))
        #expect(try FilterParser.parse("sku = 2026-123-4") == cmp("sku", .eq, .string("2026-123-4")))
        #expect(try FilterParser.parse("v = nan") == cmp("v", .eq, .string("nan")))
        #expect(try FilterParser.parse("v = 1e999") == cmp("v", .eq, .string("1e999")))
    }

    @Test func quotedStrings() throws {
        #expect(try FilterParser.parse("t = \"master i it\"") == cmp("t", .eq, .string("master i it")))
        #expect(try FilterParser.parse("t = 'true'") == cmp("t", .eq, .string("true")))
        #expect(try FilterParser.parse(#"t = "a \"b\" \\ c\n""#) == cmp("t", .eq, .string("a \"b\" \\ c\n")))
        #expect(try FilterParser.parse(#"t = 'it\'s'"#) == cmp("t", .eq, .string("it's")))
        #expect(try FilterParser.parse(#"t = "\u00e6""#) == cmp("t", .eq, .string("æ")))
        // Quoted text that is not a whole valid date stays text.
        #expect(try FilterParser.parse("t = \"2026-02-30\"") == cmp("t", .eq, .string("2026-02-30")))
        #expect(try FilterParser.parse("t = \"2026-01-01 and on\"") == cmp("t", .eq, .string("2026-01-01 and on")))
    }

    /// `published_at > "2026-01-05"` used to compare text, finding same-day documents.
    @Test func quotedDatesAreDates() throws {
        for (op, date) in [(">", "2026-01-05"), (">=", "2026-01-01T10:00:00+02:00"), ("=", "2024-02-29")] {
            let quoted = "d \(op) \"\(date)\"", bare = "d \(op) \(date)"
            #expect(try FilterParser.parse(quoted) == FilterParser.parse(bare), "\(quoted)")
        }
        #expect(try FilterParser.parse("d = '2026-01-01 10:00Z'") == cmp("d", .eq, .date(1_767_261_600, text: "2026-01-01 10:00Z")))
        #expect(try FilterParser.parse("d IN [\"2026-01-01\"]") == .isIn(field: "d", [.date(1_767_225_600, text: "2026-01-01")]))
    }

    @Test func dates() throws {
        #expect(try FilterParser.parse("published_at >= 2026-01-01")
            == cmp("published_at", .ge, .date(1_767_225_600, text: "2026-01-01")))
        #expect(try FilterParser.parse("d < 2026-01-01T10:00:00+02:00")
            == cmp("d", .lt, .date(1_767_254_400, text: "2026-01-01T10:00:00+02:00")))
        #expect(try FilterParser.parse("d = 2024-02-29") == cmp("d", .eq, .date(1_709_164_800, text: "2024-02-29")))
    }

    @Test func inExistsAndNegations() throws {
        #expect(try FilterParser.parse("country IN [DK, SE, \"d e\", 3]")
            == .isIn(field: "country", [.string("DK"), .string("SE"), .string("d e"), .number(3)]))
        #expect(try FilterParser.parse("x in []") == .isIn(field: "x", []))
        #expect(try FilterParser.parse("author EXISTS") == .exists(field: "author"))
        #expect(try FilterParser.parse("author not exists") == .not(.exists(field: "author")))
        #expect(try FilterParser.parse("x NOT IN [1]") == .not(.isIn(field: "x", [.number(1)])))
    }

    @Test func precedenceNotAndOr() throws {
        let a = cmp("a", .eq, .number(1)), b = cmp("b", .eq, .number(2)), c = cmp("c", .eq, .number(3))
        #expect(try FilterParser.parse("a = 1 OR b = 2 AND c = 3") == .or([a, .and([b, c])]))
        #expect(try FilterParser.parse("a = 1 AND b = 2 OR c = 3") == .or([.and([a, b]), c]))
        #expect(try FilterParser.parse("NOT a = 1 AND b = 2") == .and([.not(a), b]))
        #expect(try FilterParser.parse("NOT (a = 1 AND b = 2)") == .not(.and([a, b])))
        #expect(try FilterParser.parse("(a = 1 OR b = 2) AND c = 3") == .and([.or([a, b]), c]))
        #expect(try FilterParser.parse("a = 1 and (b = 2 and c = 3)") == .and([a, b, c]))
        #expect(try FilterParser.parse("not not a = 1") == .not(.not(a)))
    }

    @Test func dottedFieldNames() throws {
        #expect(try FilterParser.parse("author.name = Kofod") == cmp("author.name", .eq, .string("Kofod")))
    }

    /// Documents' fields are free-form: `område = Jylland` used to be "expected a field name".
    @Test func fieldNamesTakeAnyLetterAndHyphens() throws {
        #expect(try FilterParser.parse("område = Jylland") == cmp("område", .eq, .string("Jylland")))
        #expect(try FilterParser.parse("år > 2000") == cmp("år", .gt, .number(2000)))
        #expect(try FilterParser.parse("pris-kr = 5") == cmp("pris-kr", .eq, .number(5)))
        #expect(try FilterParser.parse("forfatter.navn-kort EXISTS") == .exists(field: "forfatter.navn-kort"))
        #expect(try FilterParser.parse("Ærø_2 IN [1]") == .isIn(field: "Ærø_2", [.number(1)]))
    }

    @Test func designExample() throws {
        #expect(try FilterParser.parse("type = article AND published_at >= 2026-01-01")
            == .and([cmp("type", .eq, .string("article")),
                     cmp("published_at", .ge, .date(1_767_225_600, text: "2026-01-01"))]))
    }

    @Test func optionalFilter() throws {
        #expect(try FilterParser.parseOptional("  ") == nil)
        #expect(try FilterParser.parseOptional("x EXISTS") == .exists(field: "x"))
    }
}
