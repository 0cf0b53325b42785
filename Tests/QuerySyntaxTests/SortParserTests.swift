import Testing
@testable import TidendeQuerySyntax

@Suite struct SortParserTests {
    @Test func directions() throws {
        #expect(try SortParser.parse("published_at:desc") == SortKey(field: "published_at", descending: true))
        #expect(try SortParser.parse("title:asc") == SortKey(field: "title", descending: false))
        #expect(try SortParser.parse("title") == SortKey(field: "title", descending: false))
        #expect(try SortParser.parse(" author.name : DESC ") == SortKey(field: "author.name", descending: true))
        // Relevance: highest first unless asked otherwise.
        #expect(try SortParser.parse("_score") == SortKey(field: "_score", descending: true))
        #expect(try SortParser.parse("_score:asc") == SortKey(field: "_score", descending: false))
        // Any letter and hyphens, as in documents' own field names.
        #expect(try SortParser.parse("år:desc") == SortKey(field: "år", descending: true))
        #expect(try SortParser.parse("pris-kr") == SortKey(field: "pris-kr", descending: false))
    }

    @Test func roundTrip() throws {
        for key in [SortKey(field: "a", descending: true), SortKey(field: "b.c")] {
            #expect(try SortParser.parse(key.syntax) == key)
        }
    }

    @Test(arguments: [
        ("", 1, "expected a field name such as 'published_at:desc'"),
        ("title:up", 7, "expected 'asc' or 'desc' after 'title:', found 'up'"),
        ("title:", 7, "expected 'asc' or 'desc' after 'title:', found ''"),
        ("9a:asc", 1, "expected a field name (\(FieldName.rule)), found '9a'"),
        (":desc", 1, "expected a field name (\(FieldName.rule)), found ''"),
        ("a.:desc", 1, "expected a field name (\(FieldName.rule)), found 'a.'"),
    ])
    func errors(_ text: String, _ column: Int, _ message: String) {
        do {
            _ = try SortParser.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.message == message)
            #expect(error.column == column)
        }
    }
}
