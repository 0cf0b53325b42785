import Testing
@testable import TidendeQuerySyntax

private func w(_ text: String, _ field: String? = nil) -> QueryNode { .word(text, field: field) }

@Suite struct QueryParserTests {
    @Test(arguments: ["", "   ", "\t\n"])
    func emptyQueryMatchesEverything(_ q: String) throws {
        #expect(try QueryParser.parse(q) == .all)
    }

    @Test func singleWord() throws {
        #expect(try QueryParser.parse("cyber") == w("cyber"))
    }

    @Test func wordsAreAllRequired() throws {
        #expect(try QueryParser.parse("cyber  ambassadør") == .and([w("cyber"), w("ambassadør")]))
    }

    @Test func optionalAndKeyword() throws {
        #expect(try QueryParser.parse("cyber AND ambassadør") == QueryParser.parse("cyber ambassadør"))
    }

    @Test func phraseIsSplitOnWhitespace() throws {
        #expect(try QueryParser.parse("\"master  i\tit\"") == .phrase(["master", "i", "it"], field: nil))
    }

    @Test func phraseWordsLoseSurroundingPunctuation() throws {
        #expect(try QueryParser.parse("\"cyber, ambassadør.\"") == .phrase(["cyber", "ambassadør"], field: nil))
    }

    @Test func exclusions() throws {
        #expect(try QueryParser.parse("cyber -rusland") == .and([w("cyber"), .not(w("rusland"))]))
        #expect(try QueryParser.parse("cyber -\"tech industrien\"")
            == .and([w("cyber"), .not(.phrase(["tech", "industrien"], field: nil))]))
        #expect(try QueryParser.parse("cyber NOT rusland") == QueryParser.parse("cyber -rusland"))
        #expect(try QueryParser.parse("cyber -(a OR b)") == .and([w("cyber"), .not(.or([w("a"), w("b")]))]))
    }

    @Test func orBindsTighterThanImplicitAnd() throws {
        #expect(try QueryParser.parse("a b OR c") == .and([w("a"), .or([w("b"), w("c")])]))
        #expect(try QueryParser.parse("a OR b c OR d") == .and([.or([w("a"), w("b")]), .or([w("c"), w("d")])]))
        #expect(try QueryParser.parse("a OR b OR c") == .or([w("a"), w("b"), w("c")]))
    }

    @Test func lowercaseOrIsAWord() throws {
        #expect(try QueryParser.parse("this or that") == .and([w("this"), w("or"), w("that")]))
    }

    @Test func parenthesesGroup() throws {
        #expect(try QueryParser.parse("(a b) OR c") == .or([.and([w("a"), w("b")]), w("c")]))
        // Same-kind nesting is flattened; a group of one is its node.
        #expect(try QueryParser.parse("(a b) c") == .and([w("a"), w("b"), w("c")]))
        #expect(try QueryParser.parse("((a))") == w("a"))
        #expect(try QueryParser.parse("(a OR b) OR c") == .or([w("a"), w("b"), w("c")]))
    }

    @Test func prefixes() throws {
        #expect(try QueryParser.parse("ambassad*") == .prefix("ambassad", field: nil))
        #expect(try QueryParser.parse("title:ambassad*") == .prefix("ambassad", field: "title"))
        #expect(try QueryParser.parse("ambassad*,") == .prefix("ambassad", field: nil))
        // A star inside a word is not syntax.
        #expect(try QueryParser.parse("a*b") == w("a*b"))
    }

    @Test func fields() throws {
        #expect(try QueryParser.parse("title:cyber") == w("cyber", "title"))
        #expect(try QueryParser.parse("author.name:kofod") == w("kofod", "author.name"))
        #expect(try QueryParser.parse("title:\"master i it\"") == .phrase(["master", "i", "it"], field: "title"))
        #expect(try QueryParser.parse("-title:cyber x") == .and([.not(w("cyber", "title")), w("x")]))
    }

    @Test func fieldGroupAppliesToTermsWithoutTheirOwnField() throws {
        #expect(try QueryParser.parse("title:(cyber OR tech lead:x)")
            == .and([.or([w("cyber", "title"), w("tech", "title")]), w("x", "lead")]))
    }

    @Test func colonsThatAreNotFieldsStayInTheWord() throws {
        #expect(try QueryParser.parse("kl. 10:30") == .and([w("kl"), w("10:30")]))
        #expect(try QueryParser.parse("https://example.com/a") == w("https://example.com/a"))
        #expect(try QueryParser.parse("time:10:30") == w("10:30", "time"))
        // Not a field name: a dot at the end or two in a row.
        #expect(try QueryParser.parse("a.b.:x") == w("a.b.:x"))
        #expect(try QueryParser.parse("a..b:x") == w("a..b:x"))
    }

    /// Documents' fields are free-form: `område:jylland` used to be the word "område:jylland".
    @Test func fieldNamesTakeAnyLetterAndHyphens() throws {
        #expect(try QueryParser.parse("område:jylland") == w("jylland", "område"))
        #expect(try QueryParser.parse("bemærk:x") == w("x", "bemærk"))
        #expect(try QueryParser.parse("pris-kr:5") == w("5", "pris-kr"))
        #expect(try QueryParser.parse("_år.udgave:2") == w("2", "_år.udgave"))
        // Without a colon a hyphen is part of a word.
        #expect(try QueryParser.parse("tech-ambassadør") == w("tech-ambassadør"))
        #expect(try QueryParser.parse("tech-ambassadør:x") == w("x", "tech-ambassadør"))
    }

    /// `title:-java` used to lose the `-` as punctuation and include java.
    @Test func fieldMinusWordExcludes() throws {
        #expect(try QueryParser.parse("title:-java capgemini") == .and([.not(w("java", "title")), w("capgemini")]))
        #expect(try QueryParser.parse("title:-java capgemini") == QueryParser.parse("-title:java capgemini"))
        #expect(try QueryParser.parse("x title:-ambassad*") == .and([w("x"), .not(.prefix("ambassad", field: "title"))]))
        #expect(try QueryParser.parse("x title:-\"a b\"") == .and([w("x"), .not(.phrase(["a", "b"], field: "title"))]))
        #expect(try QueryParser.parse("x title:-(a b)") == .and([w("x"), .not(.and([w("a", "title"), w("b", "title")]))]))
    }

    /// Headlines pasted as queries: a dash between words and a colon with nothing after it are
    /// punctuation (they used to be syntax errors), as is a colon with no field before it.
    @Test func loneDashesAndColonsArePunctuation() throws {
        #expect(try QueryParser.parse("Danmark - Australien") == .and([w("Danmark"), w("Australien")]))
        #expect(try QueryParser.parse("Danmark -- Australien -") == .and([w("Danmark"), w("Australien")]))
        #expect(try QueryParser.parse("Danmark: nyt") == .and([w("Danmark"), w("nyt")]))
        #expect(try QueryParser.parse("title:") == w("title"))
        #expect(try QueryParser.parse("Kilde:» x") == .and([w("Kilde"), w("x")]))
        #expect(try QueryParser.parse("x title:- y") == .and([w("x"), w("title"), w("y")]))
        #expect(try QueryParser.parse(":jylland") == w("jylland"))
        #expect(try QueryParser.parse("a :jylland") == .and([w("a"), w("jylland")]))
        // Nothing but a dash asks for nothing, like any run of symbols.
        #expect(try QueryParser.parse("-") == QueryNode.none)
        #expect(try QueryParser.parse("a -b") == .and([w("a"), .not(w("b"))]))
    }

    @Test func unicodeAndHyphensAreKept() throws {
        #expect(try QueryParser.parse("tech-ambassadør") == w("tech-ambassadør"))
        #expect(try QueryParser.parse("ÆBLE Ørsted Åbenrå") == .and([w("ÆBLE"), w("Ørsted"), w("Åbenrå")]))
        #expect(try QueryParser.parse("Καλημέρα 東京") == .and([w("Καλημέρα"), w("東京")]))
        // Decomposed å (a + combining ring) is one character and stays a letter.
        #expect(try QueryParser.parse("a\u{30A}r,") == w("a\u{30A}r"))
    }

    @Test func surroundingPunctuationIsStripped() throws {
        #expect(try QueryParser.parse("cyber, ambassadør.") == .and([w("cyber"), w("ambassadør")]))
        #expect(try QueryParser.parse("«Rusland»!? 'it-sikkerhed'") == .and([w("Rusland"), w("it-sikkerhed")]))
        // Punctuation-only runs (dashes, ampersands) disappear instead of failing.
        #expect(try QueryParser.parse("Danmark – Australien & co") == .and([w("Danmark"), w("Australien"), w("co")]))
    }

    @Test func wordsTouchingQuotesAndParentheses() throws {
        #expect(try QueryParser.parse("a\"b c\"d") == .and([w("a"), .phrase(["b", "c"], field: nil), w("d")]))
        #expect(try QueryParser.parse("x(y)") == .and([w("x"), w("y")]))
    }

    @Test func exclusionOrderIsKept() throws {
        #expect(try QueryParser.parse("-a b -c") == .and([.not(w("a")), w("b"), .not(w("c"))]))
    }
}
