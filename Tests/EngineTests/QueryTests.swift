import Testing
import TidendeAnalysis
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

@Suite struct QueryTests {
    let e = engine([
        newsDoc(id: "a", title: "Master i it fra DTU", body: "Uddannelsen giver en master i it og ledelse.", publishedAt: "2026-01-01T00:00:00Z"),
        newsDoc(id: "b", title: "It i skolen", body: "Master og it er ikke det samme her.", publishedAt: "2026-01-02T00:00:00Z"),
        newsDoc(id: "c", title: "Cyber ambassadør udnævnt", body: "En ny ambassadør for teknologi.", tags: ["cyber", "diplomati"], publishedAt: "2026-01-03T00:00:00Z"),
        newsDoc(id: "d", title: "Sikkerhed i skyen", body: "Cyber angreb på cloud.", publishedAt: "2026-01-04T00:00:00Z"),
        newsDoc(id: "e", title: "Security in the cloud", body: "A cyber attack hit the network.", lang: "en", publishedAt: "2026-01-05T00:00:00Z"),
    ])

    @Test func wordsMustAllMatch() throws {
        #expect(Set(ids(try search(e, words("cyber")))) == ["c", "d", "e"])
        #expect(Set(ids(try search(e, words("cyber ambassadør")))) == ["c"])
        #expect(try search(e, words("cyber nonexistentword")).total == 0)
    }

    /// A hyphenated query word finds the joined spelling, the hyphenated one, the two words
    /// side by side and a suspended hyphen; not the parts apart.
    @Test func hyphenatedQueryWordFindsEverySpelling() throws {
        let e = engine([
            newsDoc(id: "joined", title: "Ny cyberambassadør udnævnt"),
            newsDoc(id: "hyphen", title: "Ny cyber-ambassadør udnævnt"),
            newsDoc(id: "apart", title: "Ny cyber ambassadør udnævnt"),
            newsDoc(id: "suspended", title: "Cyber- og tech-ambassadører mødes"),
            newsDoc(id: "scattered", title: "Cyber i fokus", body: "En ambassadør talte."),
        ])
        let expected: Set = ["joined", "hyphen", "apart", "suspended"]
        #expect(Set(ids(try search(e, words("cyber-ambassadør")))) == expected)
        #expect(Set(ids(try search(e, .word("cyber-ambassadør", field: "title")))) == expected)
        let r = try e.searcher().search(SearchRequest(q: words("cyber-ambassadør"), highlight: true))
        #expect(r.hits.first { $0.id == "joined" }?.highlight["title"] == "Ny <em>cyberambassadør</em> udnævnt")
        #expect(r.hits.first { $0.id == "apart" }?.highlight["title"] == "Ny <em>cyber</em> <em>ambassadør</em> udnævnt")
        // In a phrase too, with the words around the compound in place.
        #expect(Set(ids(try search(e, .phrase(["ny", "cyber-ambassadør", "udnævnt"], field: nil)))) == ["joined", "hyphen", "apart"])
        #expect(Set(ids(try search(e, .phrase(["cyber-ambassadør"], field: nil)))) == expected)
        #expect(Set(ids(try search(e, .phrase(["cyber-", "og", "tech-ambassadører"], field: nil)))) == ["suspended"])
        #expect(try search(e, .phrase(["ny", "cyber-ambassadør", "mødes"], field: nil)).total == 0)
    }

    /// A query of symbols only asked for something no document has; an empty query and a lone
    /// `*` ask for everything; symbols beside words are neutral.
    @Test func queryOfSymbolsOnlyMatchesNothing() throws {
        for text in ["🎉", "...", "🎉 –"] {
            #expect(try search(e, QueryParser.parse(text)).total == 0, "\(text)")
        }
        #expect(try search(e, QueryParser.parse("")).total == 5)
        #expect(try search(e, QueryParser.parse("*")).total == 5)
        #expect(Set(ids(try search(e, QueryParser.parse("cyber 🎉")))) == ["c", "d", "e"])
        #expect(try QueryParser.parse(QueryNode.none.syntax) == QueryNode.none)
    }

    @Test func titleMatchesOutrankBodyMatches() throws {
        // "cyber" is in c's title (weight 3) and tags, only in d's and e's bodies.
        #expect(ids(try search(e, words("cyber"))).first == "c")
    }

    /// A field few documents have is weighed as any other: the same words in a `lead` (weight
    /// above `body`'s) that one document of ten carries rank above them in a `body`.
    @Test func aRareFieldCountsByItsWeight() throws {
        var docs = (0..<8).map { newsDoc(id: "filler\($0)", title: "Andet \($0)", body: "Intet om det her emne \($0).") }
        docs.append(newsDoc(id: "body", title: "Nyhed", body: "Vandkraft i Norge vokser."))
        docs.append(newsDoc(id: "lead", title: "Nyhed", extra: [("lead", .string("Vandkraft i Norge vokser."))]))
        let e = engine(docs)
        let r = try search(e, words("vandkraft"))
        #expect(ids(r) == ["lead", "body"])
        #expect(r.hits[0].score > r.hits[1].score * 1.2, "\(r.hits.map(\.score))")
    }

    @Test func fieldWeightsAreConfigurable() throws {
        var config = EngineConfig()
        #expect(config.applyFieldWeights(" title = 5 ,*=0.5,lead=0") == nil)
        #expect(config.weight(of: "title") == 5 && config.weight(of: "lead") == 0 && config.weight(of: "body") == 1)
        #expect(config.weight(of: "misc") == 0.5)
        for bad in ["title", "title=x", "=2", "title=-1", "title=inf"] {
            var c = EngineConfig()
            #expect(c.applyFieldWeights(bad) != nil, "\(bad)")
            #expect(c.weight(of: "title") == 3, "\(bad)")
        }
        // Weights apply at search time: the body match outranks the title match once body weighs more.
        config = EngineConfig()
        _ = config.applyFieldWeights("title=1,body=4")
        let e = engine([newsDoc(id: "t", title: "Vandkraft i Norge"), newsDoc(id: "b", title: "Nyhed", body: "Vandkraft i Norge.")],
                       config: config)
        #expect(ids(try search(e, words("vandkraft"))) == ["b", "t"])
    }

    @Test func phraseNeedsAdjacentWordsInOrder() throws {
        let phrase = QueryNode.phrase(["master", "i", "it"], field: nil)
        #expect(Set(ids(try search(e, phrase))) == ["a"])
        #expect(try search(e, .phrase(["it", "master"], field: nil)).total == 0)
    }

    @Test func stopWordsAreDroppedOnlyBesideOtherWords() throws {
        let analyzer = Analyzer()
        try #require(analyzer.isStopWord("i", language: .da))
        // "i" alone still searches for "i"; "master i" behaves as "master".
        #expect(Set(ids(try search(e, words("i")))) == ["a", "b", "d"])
        #expect(Set(ids(try search(e, words("master i")))) == Set(ids(try search(e, words("master")))))
        // In an alternative too; alternatives of stop words only still search for them.
        #expect(Set(ids(try search(e, QueryParser.parse("ambassadør OR i")))) == ["c"])
        #expect(Set(ids(try search(e, QueryParser.parse("i OR og")))) == ["a", "b", "d"])
    }

    /// A prefix with many expansions is matched through one bitmap per field: the same
    /// documents, with the field's constant score, as one with a few.
    @Test func prefixWithManyExpansions() throws {
        var docs: [JSONValue] = []
        for i in 0..<300 {
            // Title words pre0…pre59 in some documents, body words in others, both in a few.
            let title = i % 3 == 0 ? "pre\(i % 60) nyhed" : "nyhed"
            let body = i % 5 == 0 ? "tekst preview\(i % 40)" : "tekst"
            docs.append(newsDoc(id: "p\(i)", title: title, body: body))
        }
        let many = engine(docs)
        let expected = Set((0..<300).filter { $0 % 3 == 0 || $0 % 5 == 0 }.map { "p\($0)" })
        let found = try search(many, .prefix("pre", field: nil), limit: 300)
        #expect(Set(ids(found)) == expected && found.total == expected.count)
        // A title match (weight 3) outranks a body-only one; both fields add up.
        let titleOnly = Set((0..<300).filter { $0 % 3 == 0 && $0 % 5 != 0 }.map { "p\($0)" })
        let both = Set((0..<300).filter { $0 % 15 == 0 }.map { "p\($0)" })
        #expect(Set(ids(found).prefix(both.count)) == both)
        #expect(Set(ids(found).dropFirst(both.count).prefix(titleOnly.count)) == titleOnly)
        #expect(Set(ids(try search(many, .prefix("pre", field: "title"), limit: 300))) == Set((0..<300).filter { $0 % 3 == 0 }.map { "p\($0)" }))
        #expect(try search(many, .prefix("previewx", field: nil)).total == 0)
    }

    @Test func prefixExpandsOverTheDictionary() throws {
        #expect(Set(ids(try search(e, .prefix("ambassad", field: nil)))) == ["c"])
        #expect(Set(ids(try search(e, .prefix("cyb", field: "title")))) == ["c"])
    }

    /// A prefix finds the words that start with it, also where the word's stem is shorter than
    /// the prefix (the index holds stems): the whole word, and a word with its ending begun.
    @Test func prefixFindsWordsWhoseStemIsShorter() throws {
        let e = engine([
            newsDoc(id: "en", title: "Java Engineer wanted", body: "Management consultants apply.", lang: "en"),
            newsDoc(id: "da", title: "Løsningsarkitekt søges", body: "Ambassadørerne mødes."),
            newsDoc(id: "other", title: "Engagement i byen", body: "Intet her."),
        ])
        for (prefix, expected) in [("engineer", ["en"]), ("engine", ["en"]), ("management", ["en"]),
                                   ("consultant", ["en"]), ("løsningsarkitekt", ["da"]), ("ambassadørern", ["da"]),
                                   ("ambassadøre", ["da"]), ("eng", ["en", "other"]), ("engineers", [])] {
            #expect(Set(ids(try search(e, .prefix(prefix, field: nil)))) == Set(expected), "\(prefix)*")
        }
        #expect(Set(ids(try search(e, .prefix("engineer", field: "title")))) == ["en"])
        // A hyphenated prefix is its joined form, not its first part.
        let h = engine([
            newsDoc(id: "joined", title: "Ny techambassadør"), newsDoc(id: "hyphen", title: "Ny tech-ambassadør"),
            newsDoc(id: "tech", title: "Tech og ambulance"),
        ])
        #expect(Set(ids(try search(h, .prefix("tech-amb", field: nil)))) == ["joined", "hyphen"])
        #expect(try search(h, .prefix("tech-xyz", field: nil)).total == 0)
        #expect(try search(e, .prefix("engineer", field: "body")).total == 0)
        let r = try e.searcher().search(SearchRequest(q: .prefix("engineer", field: nil), highlight: true))
        #expect(r.hits.first?.highlight["title"] == "Java <em>Engineer</em> wanted")
    }

    @Test func fieldRestriction() throws {
        #expect(Set(ids(try search(e, .word("cyber", field: "title")))) == ["c"])
        #expect(Set(ids(try search(e, .word("cyber", field: "body")))) == ["d", "e"])
        #expect(Set(ids(try search(e, .word("diplomati", field: "tags")))) == ["c"])
        #expect(try search(e, .word("cyber", field: "nosuchfield")).total == 0)
    }

    /// `title:-ambassadør` excludes as `-title:ambassadør` does (it used to include the word).
    @Test func fieldMinusWordExcludes() throws {
        #expect(Set(ids(try search(e, QueryParser.parse("cyber title:-ambassadør")))) == ["d", "e"])
        #expect(Set(ids(try search(e, QueryParser.parse("cyber body:-ambassadør")))) == ["d", "e"])
        #expect(Set(ids(try search(e, QueryParser.parse("cyber body:-angreb")))) == ["c", "e"])
    }

    /// Pasted headlines: a lone dash and a colon with nothing on one side are punctuation.
    @Test func headlinePunctuationIsIgnored() throws {
        #expect(Set(ids(try search(e, QueryParser.parse("Cyber - ambassadør")))) == ["c"])
        #expect(Set(ids(try search(e, QueryParser.parse("Cyber: ambassadør")))) == ["c"])
        #expect(Set(ids(try search(e, QueryParser.parse(":ambassadør")))) == ["c"])
    }

    @Test func orAndNot() throws {
        #expect(Set(ids(try search(e, .or([words("ambassadør"), words("skolen")])))) == ["b", "c"])
        #expect(Set(ids(try search(e, .and([words("cyber"), .not(words("ambassadør"))])))) == ["d", "e"])
        #expect(Set(ids(try search(e, .not(words("cyber"))))) == ["a", "b"])
    }

    @Test func emptyQueryReturnsEverythingNewestFirst() throws {
        let r = try search(e, .all)
        #expect(r.total == 5)
        #expect(ids(r) == ["e", "d", "c", "b", "a"])
    }

    @Test func englishDocumentsMatchByEnglishStems() throws {
        let analyzer = Analyzer()
        // The query word is stemmed as English for English documents.
        try #require(analyzer.stem("attacks", language: .en) == analyzer.stem("attack", language: .en))
        #expect(Set(ids(try search(e, words("attacks")))) == ["e"])
    }

    @Test func limitOffsetAndWindow() throws {
        let all = ids(try search(e, .all))
        let page = try e.searcher().search(SearchRequest(q: .all, limit: 2, offset: 1))
        #expect(ids(page) == Array(all[1...2]))
        #expect(throws: EngineError.self) { try e.searcher().search(SearchRequest(q: .all, limit: 20_000)) }
    }

    @Test func suggestCompletesSurfaceWords() {
        let s = e.searcher().suggest(prefix: "ambas", limit: 5)
        #expect(s.first?.term == "ambassadør")
        #expect(s.first?.count == 2)
        #expect(e.searcher().suggest(prefix: "zzz", limit: 5).isEmpty)
        // The word being typed is the last one; a hyphenated one is completed joined.
        #expect(e.searcher().suggest(prefix: "cyber ambas", limit: 5).map(\.term) == s.map(\.term))
    }

    /// `tech-a` is typed on the way to `tech-ambassadør`: it completes the joined form the index
    /// holds, not every word starting with `tech`.
    @Test func suggestCompletesAHyphenatedWordJoined() {
        let e = engine([newsDoc(id: "a", title: "Ny tech-ambassadør og techbranchen")])
        #expect(e.searcher().suggest(prefix: "tech-a", limit: 5).map(\.term) == ["techambassadør"])
        #expect(Set(e.searcher().suggest(prefix: "tech", limit: 5).map(\.term)) == ["tech", "techambassadør", "techbranchen"])
    }

    /// A word only a deleted or replaced version held is not suggested, before a merge or
    /// after it (the merged word list still adds up every version's words).
    @Test func suggestLeavesOutWordsOfDeletedVersions() {
        let e = engine([
            newsDoc(id: "a", title: "Hemmeligtnavn trækkes tilbage"),
            newsDoc(id: "b", title: "Hemmelighedskræmmeri i byrådet"),
            newsDoc(id: "c", title: "Hemmeligstemple dokumenter"),
        ])
        e.delete(id: "a", seq: 4)
        e.upsert(id: "c", document: newsDoc(id: "c", title: "Dokumenter frigives"), seq: 5)
        e.refresh()
        #expect(e.searcher().suggest(prefix: "hemme", limit: 5).map(\.term) == ["hemmelighedskræmmeri"])
        e.forceMerge()
        #expect(e.searcher().suggest(prefix: "hemme", limit: 5).map(\.term) == ["hemmelighedskræmmeri"])
        #expect(e.searcher().suggest(prefix: "dok", limit: 5).map(\.term) == ["dokumenter"])
    }
}
