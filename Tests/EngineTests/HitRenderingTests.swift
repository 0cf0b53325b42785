import Testing
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

/// What a hit carries back: projected members copied as stored, highlights of the fields asked for.
@Suite struct HitRenderingTests {
    let doc = newsDoc(id: "a", title: "Nye ambassadører for cyber", body: "Ambassadøren for cyber mødes i dag.",
                      tags: ["cyber", "diplomati"], extra: [("author", .object([("name", .string("Ærø Ambassadør"))])),
                                                            ("score", .number(1.5e3))])

    @Test func projectionKeepsTheStoredBytesOfTheNamedMembers() throws {
        let e = engine([doc])
        let r = try e.searcher().search(SearchRequest(q: words("cyber"), fields: ["id", "tags", "author.name", "missing"]))
        let hit = try #require(r.hits.first)
        #expect(String(decoding: hit.json, as: UTF8.self)
                == #"{"id":"a","tags":["cyber","diplomati"],"author":{"name":"Ærø Ambassadør"}}"#)
        // Ids only: a string id comes from the index, an integer one as stored.
        let ids = try e.searcher().search(SearchRequest(q: words("cyber"), fields: ["id"]))
        #expect(String(decoding: try #require(ids.hits.first).json, as: UTF8.self) == #"{"id":"a"}"#)
        let numeric = Engine()
        numeric.upsert(id: "42", document: .object([("id", .integer(42)), ("title", .string("cyber tal"))]), seq: 1)
        numeric.refresh()
        let n = try numeric.searcher().search(SearchRequest(q: words("cyber"), fields: ["id"]))
        #expect(String(decoding: try #require(n.hits.first).json, as: UTF8.self) == #"{"id":42}"#)
        let none = try e.searcher().search(SearchRequest(q: words("cyber"), fields: []))
        #expect(String(decoding: try #require(none.hits.first).json, as: UTF8.self) == "{}")
    }

    @Test func highlightsCoverTheFieldsAskedFor() throws {
        let e = engine([doc])
        let onlyTitle = try e.searcher().search(SearchRequest(q: words("ambassadør"), fields: ["id", "title"], highlight: true))
        #expect(onlyTitle.hits.first?.highlight == ["title": "Nye <em>ambassadører</em> for cyber"])
        // Without `fields` (or with `fields: []`), every text field that matches is highlighted.
        for fields in [nil, [String]()] {
            let all = try e.searcher().search(SearchRequest(q: words("ambassadør"), fields: fields, highlight: true))
            let h = try #require(all.hits.first?.highlight)
            #expect(h["title"] == "Nye <em>ambassadører</em> for cyber")
            #expect(h["body"] == "<em>Ambassadøren</em> for cyber mødes i dag.")
            #expect(h["author.name"] == "Ærø <em>Ambassadør</em>")
        }
        let nested = try e.searcher().search(SearchRequest(q: words("ambassadør"), fields: ["author"], highlight: true))
        #expect(nested.hits.first?.highlight == ["author.name": "Ærø <em>Ambassadør</em>"])
    }
}
