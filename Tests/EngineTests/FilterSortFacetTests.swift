import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

@Suite struct FilterSortFacetTests {
    let e = engine([
        newsDoc(id: "1", title: "Alfa", tags: ["cyber", "eu"], type: "article", publishedAt: "2026-03-05T10:00:00Z",
                extra: [("price", .integer(100)), ("paid", .bool(true)), ("country", .string("DK")),
                        ("author", .object([("name", .string("Ida"))]))]),
        newsDoc(id: "2", title: "Beta", tags: ["cloud"], type: "job", publishedAt: "2025-12-31T23:00:00Z",
                extra: [("price", .number(49.5)), ("paid", .bool(false)), ("country", .string("SE"))]),
        newsDoc(id: "3", title: "Gamma", tags: ["cyber"], type: "article", publishedAt: "2026-01-01T00:00:00Z",
                extra: [("price", .integer(250)), ("country", .string("DK"))]),
        newsDoc(id: "4", title: "Delta", type: "event", extra: [("ratings", .array([.integer(3), .integer(5)]))]),
    ])

    func matching(_ f: FilterNode) throws -> Set<String> { Set(ids(try search(e, .all, filter: f))) }

    @Test func comparisons() throws {
        #expect(try matching(.compare(field: "type", .eq, .string("article"))) == ["1", "3"])
        #expect(try matching(.compare(field: "type", .ne, .string("article"))) == ["2", "4"])
        #expect(try matching(.compare(field: "price", .lt, .number(100))) == ["2"])
        #expect(try matching(.compare(field: "price", .le, .number(100))) == ["1", "2"])
        #expect(try matching(.compare(field: "price", .gt, .number(100))) == ["3"])
        #expect(try matching(.compare(field: "price", .ge, .number(49.5))) == ["1", "2", "3"])
        #expect(try matching(.compare(field: "paid", .eq, .bool(true))) == ["1"])
        #expect(try matching(.compare(field: "title", .lt, .string("Beta"))) == ["1"])
        #expect(try matching(.compare(field: "author.name", .eq, .string("Ida"))) == ["1"])
    }

    @Test func arraysMatchIfAnyElementMatches() throws {
        #expect(try matching(.compare(field: "tags", .eq, .string("cyber"))) == ["1", "3"])
        #expect(try matching(.compare(field: "tags", .ne, .string("cyber"))) == ["2", "4"])
        #expect(try matching(.compare(field: "ratings", .ge, .number(5))) == ["4"])
        #expect(try matching(.isIn(field: "tags", [.string("eu"), .string("cloud")])) == ["1", "2"])
    }

    @Test func datesCompareAsInstants() throws {
        let jan1 = 1_767_225_600.0  // 2026-01-01T00:00:00Z
        #expect(try matching(.compare(field: "published_at", .ge, .date(jan1, text: "2026-01-01"))) == ["1", "3"])
        #expect(try matching(.compare(field: "published_at", .lt, .date(jan1, text: "2026-01-01"))) == ["2"])
    }

    /// A date without a time is its whole day (UTC), as in Elasticsearch; a date-time is an instant.
    @Test func dateOnlyLiteralsMeanTheWholeDay() throws {
        let day = engine([
            newsDoc(id: "morning", title: "a", publishedAt: "2026-01-05T08:30:00+01:00"),
            newsDoc(id: "midnight", title: "b", publishedAt: "2026-01-05"),
            newsDoc(id: "late", title: "c", publishedAt: "2026-01-05T23:59:59.5Z"),
            newsDoc(id: "next", title: "d", publishedAt: "2026-01-06T00:30:00+02:00"),
            newsDoc(id: "after", title: "e", publishedAt: "2026-01-06T00:00:00Z"),
            newsDoc(id: "seconds", title: "f", extra: [("at", .integer(1_767_605_400))]),  // 2026-01-05T09:30:00Z
        ])
        func matching(_ op: FilterComparison, _ text: String, field: String = "published_at") throws -> Set<String> {
            let value = try #require(ISO8601.parse(text))
            return Set(ids(try search(day, .all, filter: .compare(field: field, op, .date(value, text: text)))))
        }
        #expect(try matching(.eq, "2026-01-05") == ["morning", "midnight", "late", "next"])
        #expect(try matching(.ne, "2026-01-05") == ["after", "seconds"])
        #expect(try matching(.le, "2026-01-05") == ["morning", "midnight", "late", "next"])
        #expect(try matching(.lt, "2026-01-05").isEmpty)
        #expect(try matching(.gt, "2026-01-05") == ["after"])
        #expect(try matching(.ge, "2026-01-06") == ["after"])
        #expect(try matching(.eq, "2026-01-05", field: "at") == ["seconds"])
        #expect(try matching(.gt, "2026-01-04", field: "at") == ["seconds"])
        #expect(try matching(.eq, "2026-01-05T07:30:00Z") == ["morning"])
        #expect(try matching(.le, "2026-01-05T07:30:00Z") == ["morning", "midnight"])
        #expect(try matching(.gt, "2026-01-05T07:30:00Z") == ["late", "next", "after"])
    }

    /// A quoted date is the same date unquoted (`> "2026-01-05"` used to compare text and find
    /// same-day documents), and a date never matches a stored string that is not a date
    /// (`> 2025-01-01` used to find `"not a date"`, which sorts after it as text).
    @Test func quotedDatesAndNonDateStrings() throws {
        let e = engine([
            newsDoc(id: "same-day", title: "a", publishedAt: "2026-01-05T08:30:00Z"),
            newsDoc(id: "next", title: "b", publishedAt: "2026-01-06"),
            newsDoc(id: "before", title: "c", publishedAt: "2025-06-01"),
            newsDoc(id: "text", title: "d", publishedAt: "not a date"),
        ])
        func matching(_ filter: String) throws -> Set<String> {
            Set(ids(try search(e, .all, filter: FilterParser.parse(filter))))
        }
        for op in ["=", "!=", "<", "<=", ">", ">="] {
            #expect(try matching("published_at \(op) \"2026-01-05\"") == matching("published_at \(op) 2026-01-05"), "\(op)")
        }
        #expect(try matching("published_at > \"2026-01-05\"") == ["next"])
        #expect(try matching("published_at = '2026-01-05'") == ["same-day"])
        #expect(try matching("published_at > 2025-01-01") == ["same-day", "next", "before"])
        #expect(try matching("published_at < 2030-01-01") == ["same-day", "next", "before"])
        #expect(try matching("published_at != 2026-01-05") == ["next", "before", "text"])
        // The text itself is still found as text.
        #expect(try matching("published_at = \"not a date\"") == ["text"])
    }

    /// Field names in any script, and with hyphens, work in filters, sorts and `field:word`
    /// (`område = Jylland` was a syntax error and `område:jylland` the word "område:jylland").
    @Test func fieldNamesInAnyLetterAndWithHyphens() throws {
        let e = engine([
            newsDoc(id: "1", title: "a", extra: [("område", .string("Jylland")), ("år", .integer(2001)), ("pris-kr", .integer(5))]),
            newsDoc(id: "2", title: "b", extra: [("område", .string("Fyn")), ("år", .integer(1999)), ("pris-kr", .integer(7))]),
        ])
        #expect(Set(ids(try search(e, .all, filter: FilterParser.parse("område = Jylland")))) == ["1"])
        #expect(Set(ids(try search(e, .all, filter: FilterParser.parse("år > 2000")))) == ["1"])
        #expect(Set(ids(try search(e, .all, filter: FilterParser.parse("pris-kr = 7")))) == ["2"])
        #expect(ids(try search(e, .all, sort: [SortParser.parse("år:desc")])) == ["1", "2"])
        #expect(ids(try search(e, .all, sort: [SortParser.parse("pris-kr:desc")])) == ["2", "1"])
        #expect(ids(try search(e, QueryParser.parse("område:jylland"))) == ["1"])
    }

    @Test func existsAndBooleanLogic() throws {
        #expect(try matching(.exists(field: "price")) == ["1", "2", "3"])
        #expect(try matching(.not(.exists(field: "price"))) == ["4"])
        // An object exists when a field within it does (and a prefix of a name is not a field).
        #expect(try matching(.exists(field: "author")) == ["1"])
        #expect(try matching(.exists(field: "author.name")) == ["1"])
        #expect(try matching(.exists(field: "auth")).isEmpty)
        #expect(try matching(.not(.exists(field: "author"))) == ["2", "3", "4"])
        #expect(try matching(.and([.compare(field: "country", .eq, .string("DK")), .compare(field: "price", .gt, .number(150))])) == ["3"])
        #expect(try matching(.or([.compare(field: "type", .eq, .string("job")), .compare(field: "type", .eq, .string("event"))])) == ["2", "4"])
        #expect(try matching(.compare(field: "missing", .eq, .string("x"))).isEmpty)
    }

    @Test func facetsCountTheWholeMatchingSet() throws {
        let r = try e.searcher().search(SearchRequest(q: .all, limit: 1, facets: ["type", "tags", "paid"]))
        let type = Dictionary(uniqueKeysWithValues: r.facets["type"]!.map { ($0.value, $0.count) })
        #expect(type == ["article": 2, "job": 1, "event": 1])
        #expect(r.facets["type"]!.first?.value == "article")
        let tags = Dictionary(uniqueKeysWithValues: r.facets["tags"]!.map { ($0.value, $0.count) })
        #expect(tags == ["cyber": 2, "eu": 1, "cloud": 1])
        let paid = Dictionary(uniqueKeysWithValues: r.facets["paid"]!.map { ($0.value, $0.count) })
        #expect(paid == ["true": 1, "false": 1])
        let filtered = try e.searcher().search(SearchRequest(q: .all, filter: .compare(field: "type", .eq, .string("article")), facets: ["country"]))
        #expect(filtered.facets["country"]!.map(\.value) == ["DK"])
    }

    /// Numbers are kept as Doubles: an integral one is a facet key as an integer, never with `.0`
    /// or an exponent (past 2^53 it is the nearest Double, e.g. 123456789012345678 → …680).
    /// A value typed decomposed (`Ko` + U+0308 `ln`) is the same value as composed (`Köln`):
    /// one facet key counting both, found by either spelling, in one segment and after a merge.
    @Test func canonicallyEquivalentStringsAreOneValue() throws {
        let composed = "K\u{F6}ln", decomposed = "Ko\u{308}ln"
        let e = Engine()
        for (i, city) in [composed, decomposed, composed, decomposed].enumerated() {
            e.upsert(id: "k\(i)", document: newsDoc(id: "k\(i)", title: "by", extra: [("city", .string(city))]), seq: UInt64(i + 1))
            e.refresh()  // a segment each, so the merge below has strings of both spellings to join
        }
        for merged in [false, true] {
            if merged { e.forceMerge() }
            let r = try e.searcher().search(SearchRequest(q: .all, facets: ["city"]))
            #expect(r.facets["city"]!.map(\.value) == [composed] && r.facets["city"]!.map(\.count) == [4], "merged: \(merged)")
            #expect(Array(r.facets["city"]![0].value.utf8) == Array(composed.utf8))
            for spelling in [composed, decomposed] {
                #expect(try search(e, .all, filter: .compare(field: "city", .eq, .string(spelling))).total == 4, "merged: \(merged)")
                #expect(try search(e, .all, filter: .isIn(field: "city", [.string(spelling)])).total == 4, "merged: \(merged)")
            }
        }
    }

    @Test func integralNumbersAreIntegerFacetKeys() throws {
        let big = engine([
            newsDoc(id: "a", title: "a", extra: [("n", .integer(123_456_789_012_345_678))]),
            newsDoc(id: "b", title: "b", extra: [("n", .integer(9_007_199_254_740_993))]),
            newsDoc(id: "c", title: "c", extra: [("n", .integer(-4_000_000_000_000_000_000))]),
            newsDoc(id: "d", title: "d", extra: [("n", .number(1e15))]),
            newsDoc(id: "e", title: "e", extra: [("n", .number(49.5))]),
            newsDoc(id: "f", title: "f", extra: [("n", .number(1e19))]),
            newsDoc(id: "g", title: "g", extra: [("n", .string("1000000000000000"))]),
        ])
        let r = try big.searcher().search(SearchRequest(q: .all, facets: ["n"]))
        let keys = Dictionary(uniqueKeysWithValues: r.facets["n"]!.map { ($0.value, $0.count) })
        #expect(keys == ["123456789012345680": 1, "9007199254740992": 1, "-4000000000000000000": 1,
                         "1000000000000000": 2, "49.5": 1, "1e+19": 1])
        // `=` on a number finds the string that spells it the same way.
        #expect(Set(ids(try search(big, .all, filter: .compare(field: "n", .eq, .number(1e15))))) == ["d", "g"])
    }

    @Test func sortByFieldsMissingLast() throws {
        #expect(ids(try search(e, .all, sort: [SortKey(field: "price", descending: false)])) == ["2", "1", "3", "4"])
        #expect(ids(try search(e, .all, sort: [SortKey(field: "price", descending: true)])) == ["3", "1", "2", "4"])
        #expect(ids(try search(e, .all, sort: [SortKey(field: "title", descending: false)])) == ["1", "2", "4", "3"])
        #expect(ids(try search(e, .all, sort: [SortKey(field: "published_at", descending: true)])) == ["1", "3", "2", "4"])
    }

    @Test func unknownSortFieldIsAnError() throws {
        do {
            _ = try e.searcher().search(SearchRequest(q: .all, sort: [SortKey(field: "nope", descending: false)]))
            Issue.record("expected invalid_sort")
        } catch {
            #expect(error.code == "invalid_sort")
        }
    }

    @Test func countAgreesWithSearchTotal() throws {
        let f = FilterNode.compare(field: "tags", .eq, .string("cyber"))
        #expect(try e.searcher().count(SearchRequest(q: .all, filter: f)) == 2)
    }
}

@Suite struct LongStringValueTests {
    @Test func longStringsSortByTheirPrefixAndStayOutOfFacets() throws {
        let long = String(repeating: "lang tekst ", count: 10)
        let e = engine([
            newsDoc(id: "b", title: "Bbb " + long), newsDoc(id: "a", title: "Aaa " + long),
            newsDoc(id: "c", title: "Ccc"),
        ])
        #expect(ids(try search(e, .all, sort: [SortKey(field: "title", descending: false)])) == ["a", "b", "c"])
        #expect(ids(try search(e, .all, sort: [SortKey(field: "title", descending: true)])) == ["c", "b", "a"])
        let r = try e.searcher().search(SearchRequest(q: .all, facets: ["title"]))
        #expect(r.facets["title"]!.map(\.value) == ["Ccc"])
        #expect(Set(ids(try search(e, .all, filter: .exists(field: "title")))) == ["a", "b", "c"])
    }
}

/// A document without a `lang` of its own is analysed in the language detected from its text; that
/// language is its `lang` value too, so filters and facets agree with the stems that find it.
@Suite struct LanguageValueTests {
    let e = engine([
        newsDoc(id: "d1", title: "Security in the cloud", body: "A cyber attack hit the network of the company.", lang: nil),
        newsDoc(id: "d2", title: "Sikkerhed i skyen", body: "Et cyberangreb ramte virksomhedens netværk i går.", lang: nil),
        newsDoc(id: "d3", title: "Cyber", lang: "da"),
        // A value of its own stays, even one that is not a language the analyser knows.
        newsDoc(id: "d4", title: "The attacks of the week", body: "What happened to the networks this week.", lang: "fr"),
        newsDoc(id: "d5", title: "Attacks on the network", body: "The company was hit by an attack.", lang: nil,
                extra: [("lang", .null)]),
    ])

    @Test func theDetectedLanguageIsTheLangValue() throws {
        #expect(Set(ids(try search(e, words("attacks")))) == ["d1", "d4", "d5"])
        #expect(Set(ids(try search(e, .all, filter: .compare(field: "lang", .eq, .string("en"))))) == ["d1", "d5"])
        #expect(Set(ids(try search(e, .all, filter: .compare(field: "lang", .eq, .string("da"))))) == ["d2", "d3"])
        let r = try search(e, .all, facets: ["lang"])
        let lang = Dictionary(uniqueKeysWithValues: r.facets["lang"]!.map { ($0.value, $0.count) })
        #expect(lang == ["en": 2, "da": 2, "fr": 1])
    }

    @Test func theStoredDocumentIsAsSent() throws {
        let d1 = try #require(e.searcher().get(id: "d1"))
        #expect(d1["lang"] == nil)
        let d5 = try #require(e.searcher().get(id: "d5"))
        #expect(d5["lang"] == .null)
    }
}
