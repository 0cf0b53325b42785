import Foundation
import Testing
@testable import TidendeAnalysis

struct LanguageAndStopWordTests {
    let analyzer = Analyzer()

    /// Title, lead and body of every document of the seed page, with its `lang` field.
    static func seedDocuments() throws -> [(lang: String, text: String)] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().appendingPathComponent("Fixtures/seed-page.ndjson")
        let data = try Data(contentsOf: url)
        var texts: [(lang: String, text: String)] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let text = ["title", "lead", "body"].compactMap { object[$0] as? String }.joined(separator: "\n")
            if !text.isEmpty { texts.append((object["lang"] as? String ?? "", text)) }
        }
        return texts
    }

    @Test func seedPageIsDanish() throws {
        let documents = try Self.seedDocuments()
        #expect(documents.count >= 8)
        // Two job ads are marked `en` but are bare titles ("Java Engineer"): no evidence either way.
        for document in documents where document.lang == "da" {
            #expect(analyzer.detectLanguage(document.text) == .da, "\(document.text.prefix(60))")
        }
        #expect(analyzer.detectLanguage(documents.map(\.text).joined(separator: "\n")) == .da)
    }

    @Test(arguments: [
        "The network of cyber and tech ambassadors will work for a responsible and democratic future.",
        "Disinformation is a threat to our freedom, says the minister.",
        "It is not what they said, but how they said it.",
        "Søren Kierkegaard was a philosopher who wrote about anxiety and despair in the 19th century.",
    ])
    func englishIsEnglish(_ text: String) {
        #expect(analyzer.detectLanguage(text) == .en)
    }

    @Test(arguments: [
        "Det er vigtigt, at vi står sammen om det.",
        "Ærø har fået en ny færge",
        "Netværket skal arbejde for en ansvarlig og demokratisk fremtid.",
    ])
    func danishIsDanish(_ text: String) {
        #expect(analyzer.detectLanguage(text) == .da)
    }

    @Test func stopWords() {
        for word in ["og", "i", "på", "været", "sådan", "hvis"] { #expect(analyzer.isStopWord(word, language: .da)) }
        for word in ["the", "and", "don't", "i'm", "very"] { #expect(analyzer.isStopWord(word, language: .en)) }
        #expect(!analyzer.isStopWord("master", language: .en))
        #expect(!analyzer.isStopWord("it", language: .da))
        #expect(analyzer.isStopWord("it", language: .en))
        #expect(!analyzer.isStopWord("ambassadør", language: .da))
        // Terms from the analyzer are in the lists' form: `don’t` folds to `don't`.
        let term = analyzer.analyze("Don’t", language: .en)[0].term
        #expect(analyzer.isStopWord(term, language: .en))
    }

    @Test func seedPageAnalysis() throws {
        let documents = try Self.seedDocuments()
        let tokens = analyzer.analyze(documents[0].text, language: .da)
        let terms = Set(tokens.map(\.term))
        #expect(terms.isSuperset(of: ["danmark", "australien", "cyberambassadører", "techambassadører", "tech", "ambassadører", "netværk"]))
        #expect(Set(tokens.map(\.stem)).contains("ambassadør"))
        // Extra forms reuse positions; words take every position once, in order.
        let words = tokens.filter { $0.term != "techambassadører" && $0.term != "cyberambassadører" }.map(\.position)
        #expect(Set(words).count == (words.max() ?? -1) + 1)
    }
}
