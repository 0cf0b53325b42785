import Foundation
import Testing
import TidendeAnalysis
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

@Suite struct HighlightAndSeedTests {
    /// A phrase's words are marked where they form the phrase, not wherever one of them occurs
    /// (a stop word such as `i` would light up the whole text); a word of the query outside the
    /// phrase is marked everywhere.
    @Test func phrasesAreMarkedWhereTheyOccur() throws {
        let e = engine([newsDoc(id: "a", title: "Master i it fra DTU",
                                body: "Uddannelsen giver en master i it og ledelse i Danmark, i alt to år.")])
        let phrase = try e.searcher().search(SearchRequest(q: .phrase(["master", "i", "it"], field: nil), highlight: true))
        #expect(phrase.hits.first?.highlight["title"] == "<em>Master</em> <em>i</em> <em>it</em> fra DTU")
        #expect(phrase.hits.first?.highlight["body"] == "Uddannelsen giver en <em>master</em> <em>i</em> <em>it</em> og ledelse i Danmark, i alt to år.")
        let mixed = try e.searcher().search(SearchRequest(q: .and([.phrase(["master", "i", "it"], field: nil), .word("ledelse", field: nil)]), highlight: true))
        #expect(mixed.hits.first?.highlight["body"] == "Uddannelsen giver en <em>master</em> <em>i</em> <em>it</em> og <em>ledelse</em> i Danmark, i alt to år.")
    }

    @Test func highlightsStemmedForms() throws {
        let analyzer = Analyzer()
        try #require(analyzer.stem("ambassadører", language: .da) == analyzer.stem("ambassadør", language: .da))
        let e = engine([newsDoc(id: "a", title: "Nye ambassadører for cyber", body: "Ambassadøren talte.")])
        let r = try e.searcher().search(SearchRequest(q: words("ambassadør"), highlight: true))
        #expect(r.hits.first?.highlight["title"] == "Nye <em>ambassadører</em> for cyber")
        let sameStem = analyzer.stem("ambassadøren", language: .da) == analyzer.stem("ambassadør", language: .da)
        #expect((r.hits.first?.highlight["body"]?.contains("<em>Ambassadøren</em>") ?? false) == sameStem)
    }

    /// A highlight is HTML whose only markup is its marks: the document's own tags and
    /// ampersands come out as entities, inside a mark too.
    @Test func highlightsAreHTMLEscaped() throws {
        let e = engine([newsDoc(id: "a", title: "Use <script>alert(1)</script> & <em>bold</em> security", lang: "en")])
        let r = try e.searcher().search(SearchRequest(q: .or([words("security"), words("script")]), highlight: true))
        #expect(r.hits.first?.highlight["title"]
                == "Use &lt;<em>script</em>&gt;alert(1)&lt;/<em>script</em>&gt; &amp; &lt;em&gt;bold&lt;/em&gt; <em>security</em>")
        let d = engine([newsDoc(id: "d", title: "D&A-afdelingen vokser")])
        #expect(try d.searcher().search(SearchRequest(q: words("d&a"), highlight: true)).hits.first?.highlight["title"]
                == "<em>D&amp;A</em>-afdelingen vokser")
    }

    @Test func longFieldsBecomeSnippets() throws {
        let filler = (0..<200).map { "ord\($0)" }.joined(separator: " ")
        let e = engine([newsDoc(id: "a", title: "Titel", body: filler + " cyber angreb " + filler)])
        let r = try e.searcher().search(SearchRequest(q: words("cyber"), highlight: true))
        let snippet = try #require(r.hits.first?.highlight["body"])
        #expect(snippet.contains("<em>cyber</em>"))
        #expect(snippet.split(separator: " ").count <= e.config.snippetWords + 2)
        #expect(snippet.hasPrefix("…") && snippet.hasSuffix("…"))
        // The match stands in the middle of its snippet, with context on both sides.
        let words = snippet.split(separator: " ")
        let at = try #require(words.firstIndex(of: "<em>cyber</em>"))
        #expect(at >= 10 && words.count - at >= 10, "\(snippet)")
    }

    @Test func fieldsProjection() throws {
        let e = engine([newsDoc(id: "a", title: "Titel", body: "krop")])
        let r = try e.searcher().search(SearchRequest(q: .all, fields: ["id", "title"]))
        #expect(r.hits.first?.document == .object([("id", .string("a")), ("title", .string("Titel"))]))
    }

    @Test func storedJSONIsReturnedVerbatim() throws {
        let text = #"{"id":"raw","title":"Rå  tekst","n":1.50}"#
        let e = Engine()
        e.upsert(id: "raw", document: try JSONValue.parse(text), seq: 1, json: Array(text.utf8))
        e.refresh()
        let hit = try #require(try e.searcher().search(SearchRequest(q: words("tekst"))).hits.first)
        #expect(hit.json == Array(text.utf8))
        #expect(e.searcher().json(id: "raw") == Array(text.utf8))
        #expect(hit.document["title"] == .string("Rå  tekst"))
    }

    func seedEngine() throws -> Engine {
        // Relative to this file, so the test runs wherever the repository is cloned.
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AnalysisTests/Fixtures/seed-page.ndjson")
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let docs = try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(docs.count == 8)
        return engine(docs)
    }

    @Test func seedPage() throws {
        let e = try seedEngine()
        let s = e.searcher()
        #expect(s.documentCount == 8)
        // The article is about cyber ambassadors: it ranks first for the words of its title.
        let r = try s.search(SearchRequest(q: words("cyber ambassadører"), highlight: true))
        #expect(r.hits.first?.id == "art-cyber-tech-ambassadors")
        #expect(r.hits.first?.highlight["title"]?.contains("<em>") == true)
        let jobs = try s.search(SearchRequest(q: .all, filter: .compare(field: "type", .eq, .string("job")), facets: ["lang"]))
        #expect(jobs.total == 3)
        #expect(Dictionary(uniqueKeysWithValues: jobs.facets["lang"]!.map { ($0.value, $0.count) }) == ["da": 1, "en": 2])
        let people = try s.search(SearchRequest(q: .all, filter: .compare(field: "published_at", .ge, .date(1_767_916_800, text: "2026-01-09")),
                                                sort: [SortKey(field: "published_at", descending: true)]))
        #expect(ids(people) == ["ppl-marie-soendergaard-energinet", "ppl-markus-dalsgaard-sisseck-martinsen"])
    }
}
