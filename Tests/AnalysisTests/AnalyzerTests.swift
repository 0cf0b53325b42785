import Foundation
import Testing
@testable import TidendeAnalysis

/// Tokenisation, folding, compounds and offsets.
struct AnalyzerTests {
    let analyzer = Analyzer()

    func terms(_ text: String, _ language: Language = .da) -> [String] {
        analyzer.analyze(text, language: language).map(\.term)
    }

    @Test func danishSentenceKeepsÆØÅAndStems() {
        let tokens = analyzer.analyze("Spredning af desinformation truer vores velstand, frihed og tryghed på én gang", language: .da)
        #expect(tokens.map(\.term) == ["spredning", "af", "desinformation", "truer", "vores", "velstand", "frihed", "og", "tryghed", "på", "en", "gang"])
        #expect(tokens.map(\.position) == Array(0..<12))
        let stems = Dictionary(uniqueKeysWithValues: tokens.map { ($0.term, $0.stem) })
        #expect(stems["spredning"] == "spredning")
        #expect(stems["truer"] == "truer")
        #expect(stems["tryghed"] == "tryg")
        #expect(stems["på"] == "på")
    }

    @Test func englishSentenceStems() {
        let tokens = analyzer.analyze("The universities weren't generously funded; USA's ambassadors agreed.", language: .en)
        #expect(tokens.map(\.term) == ["the", "universities", "weren't", "generously", "funded", "usa's", "ambassadors", "agreed"])
        #expect(tokens.map(\.stem) == ["the", "universiti", "weren't", "generous", "fund", "usa", "ambassador", "agre"])
    }

    @Test func caseFoldingAndDiacritics() {
        #expect(terms("ÆBLE Øl Århus ærø") == ["æble", "øl", "århus", "ærø"])
        #expect(terms("Café Über Ångström naïve São Paulo Köln Mäkelä") == ["cafe", "uber", "ångstrom", "naive", "sao", "paulo", "koln", "makela"])
        #expect(terms("Straße STRASSE") == ["strasse", "strasse"])
        #expect(terms("ΣΟΦΟΣ σοφος") == ["σοφοσ", "σοφοσ"])
        #expect(terms("İstanbul ISTANBUL ıstanbul") == ["istanbul", "istanbul", "istanbul"])
        #expect(terms("ﬁnans") == ["finans"])
    }

    @Test func decomposedInputGivesTheSameTokens() {
        let composed = "Århus café Ærø naïve Ångström"
        let decomposed = composed.decomposedStringWithCanonicalMapping
        #expect(Array(decomposed.utf8) != Array(composed.utf8))
        #expect(terms(decomposed) == terms(composed))
        #expect(terms("A\u{30A}rhus") == ["århus"])
        #expect(terms("e\u{301}cole") == ["ecole"])
    }

    @Test func numbersAndJoinedShortTokens() {
        #expect(terms("i 2026 steg det 3,5 pct. til 1.000.000 kr.") == ["i", "2026", "steg", "det", "3,5", "pct", "til", "1.000.000", "kr"])
        #expect(terms("D&A A/S AT&T 24/7") == ["d&a", "a/s", "at&t", "24/7"])
        #expect(terms("TCP/IP og/eller") == ["tcp", "ip", "og", "eller"])
        #expect(terms("Slut. Ny sætning,og mere") == ["slut", "ny", "sætning", "og", "mere"])
        // Joined tokens are names, not inflected words.
        #expect(analyzer.analyze("A/S", language: .en).map(\.stem) == ["a/s"])
        #expect(analyzer.stem("a/s", language: .en) == "a/s")
    }

    @Test func apostrophes() {
        #expect(terms("don’t 'quoted' Peters' USA's", .en) == ["don't", "quoted", "peters", "usa's"])
        #expect(analyzer.analyze("USA’s", language: .da).map(\.stem) == ["usa"])
    }

    @Test func hyphenatedCompoundIndexesPartsAndJoinedWord() {
        let tokens = analyzer.analyze("nye tech-ambassadører", language: .da)
        #expect(tokens.map(\.term) == ["nye", "tech", "ambassadører", "techambassadører"])
        #expect(tokens.map(\.position) == [0, 1, 2, 1])
        #expect(tokens[3].stem == analyzer.stem("techambassadører", language: .da))
        // Numbers only are not joined.
        #expect(terms("2020-2021") == ["2020", "2021"])
        #expect(terms("covid-19") == ["covid", "19", "covid19"])
    }

    @Test func suspendedHyphenIsSpeltOut() {
        let tokens = analyzer.analyze("af cyber- og tech-ambassadører fra", language: .da)
        #expect(tokens.map(\.term) == ["af", "cyber", "og", "tech", "ambassadører", "techambassadører", "cyberambassadører", "fra"])
        #expect(tokens.map(\.position) == [0, 1, 2, 3, 4, 3, 1, 5])
        #expect(terms("en cyber- eller tech-ambassadør").contains("cyberambassadør"))
        #expect(terms("cyber-, it- og tech-folk").filter { $0.hasSuffix("folk") } == ["folk", "techfolk", "cyberfolk", "itfolk"])
        // No hyphenated compound after the conjunction: nothing to expand.
        #expect(terms("cyber- og desinformationskampagner") == ["cyber", "og", "desinformationskampagner"])
        // Anything but a conjunction in between forgets the suspended word.
        #expect(!terms("cyber- og mange tech-folk").contains("cyberfolk"))
    }

    @Test func offsetsSliceTheOriginalString() {
        let text = "“Ærø” — cyber- og tech-ambassadører, D&A A/S, 3,5 café e\u{301}cole 😀 USA’s"
        let utf8 = Array(text.utf8)
        let tokens = analyzer.analyze(text, language: .da)
        #expect(!tokens.isEmpty)
        for token in tokens {
            #expect(token.start >= 0 && token.start < token.end && token.end <= utf8.count)
            let slice = String(decoding: utf8[token.start..<token.end], as: UTF8.self)
            if !token.term.contains("ambassad") {
                // Folding the original slice gives the term back (compounds span their hyphens).
                #expect(analyzer.normalize(slice).replacingOccurrences(of: "-", with: "") == token.term.replacingOccurrences(of: "-", with: ""), "\(slice) vs \(token.term)")
            }
        }
        let expanded = try! #require(tokens.first { $0.term == "cyberambassadører" })
        #expect(String(decoding: utf8[expanded.start..<expanded.end], as: UTF8.self) == "cyber- og tech-ambassadører")
        let joined = try! #require(tokens.first { $0.term == "techambassadører" })
        #expect(String(decoding: utf8[joined.start..<joined.end], as: UTF8.self) == "tech-ambassadører")
    }

    @Test func queryWordStemsLikeTheDocumentWord() {
        let words = ["Ambassadører", "Tech-Ambassadørerne", "Desinformationskampagner", "Universities", "Café"]
        for word in words {
            for language in Language.allCases {
                let document = analyzer.analyze("x \(word) y", language: language)
                let query = analyzer.normalize(word)
                let queryStem = analyzer.stem(query.replacingOccurrences(of: "-", with: ""), language: language)
                #expect(document.contains { $0.stem == queryStem }, "\(word) in \(language)")
            }
        }
    }

    @Test func fastPathAndReferenceFoldingAgree() {
        // Every letter below U+0800 through the fast table equals `TermFolding.fold` on the word.
        var mismatches: [String] = []
        for value in 0x80..<0x800 {
            guard let scalar = Unicode.Scalar(UInt32(value)), scalarClass(UInt32(value)) == .fastLetter else { continue }
            let word = "x\(Character(scalar))y"
            let expected = TermFolding.fold(word)
            let got = analyzer.analyze(word, language: .da).first?.term
            if got != expected { mismatches.append("U+\(String(value, radix: 16)): \(got ?? "nil") vs \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func warmCacheGivesTheSameTokensAsAColdOne() {
        let cache = StemCache(expectedTerms: 4)
        let text = "Cyber- og tech-ambassadører fra mere end 20 lande. Ambassadørerne mødes i 2026."
        var first: [AnalyzedToken] = []
        analyzer.analyze(text, language: .da, cache: cache, into: &first)
        var second: [AnalyzedToken] = []
        analyzer.analyze(text, language: .da, cache: cache, into: &second)
        #expect(first == second)
        let strings = second.map { cache.string($0.term) + "/" + cache.string($0.stem) }
        let reference = analyzer.analyze(text, language: .da).map { $0.term + "/" + $0.stem }
        #expect(strings == reference)
        // The same term has one stem per language, both cached.
        let term = cache.intern("ambassadører")
        #expect(cache.string(cache.stem(of: term, language: .da)) == "ambassadør")
        #expect(cache.string(cache.stem(of: term, language: .en)) == analyzer.stem("ambassadører", language: .en))
    }

    @Test func stemCacheKeepsEveryIdThroughGrowth() {
        // Short words (compared inside the table's slots), words sharing their first 16 bytes
        // and longer ones (compared in the byte arena), a 300-byte word, all through many grows.
        let cache = StemCache(expectedTerms: 4)
        var words: [String] = ["", "a", String(repeating: "ø", count: 150)]
        let stems = ["ambassadører", "konsulenterne", "universities", "running"]
        for i in 0..<20_000 {
            let base = stems[i % stems.count]
            switch i % 4 {
            case 0: words.append("\(base)\(i)")
            case 1: words.append("abcdefghijklmnop\(i)")  // the same first 16 bytes
            case 2: words.append("w\(i)")
            default: words.append(String(repeating: "x", count: 1 + i % 40) + "\(i % 7)")
            }
        }
        let ids = words.map { cache.intern($0) }
        for (word, id) in zip(words, ids) {
            #expect(cache.intern(word) == id)
            #expect(cache.string(id) == word)
        }
        #expect(Set(ids).count == Set(words).count)
        for word in ["ambassadører", "universities", "konsulenterne"] {
            let id = cache.intern(word)
            #expect(cache.string(cache.stem(of: id, language: .da)) == analyzer.stem(word, language: .da))
            #expect(cache.string(cache.stem(of: id, language: .en)) == analyzer.stem(word, language: .en))
        }
    }
}
