import Foundation
import Testing
@testable import TidendeAnalysis

/// The Swift stemmers against PyStemmer 3.1.0 (Snowball 3.x) on every line of the fixtures
/// made by `Fixtures/make_stem_fixture.py`.
struct SnowballFixtureTests {
    static func fixture(_ name: String) throws -> [(word: String, stem: String)] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "tsv", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return (String(fields[0]), fields.count > 1 ? String(fields[1]) : "")
        }
    }

    @Test("Stems equal PyStemmer 3 on every fixture line", arguments: [
        ("stems-da", Language.da, 29_000), ("stems-en", Language.en, 50_000),
    ])
    func fixtureAgreement(name: String, language: Language, minimumLines: Int) throws {
        let lines = try Self.fixture(name)
        #expect(lines.count >= minimumLines)
        let analyzer = Analyzer()
        var mismatches: [String] = []
        for (word, expected) in lines {
            let actual = analyzer.stem(word, language: language)
            if actual != expected { mismatches.append("\(word): expected \(expected), got \(actual)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(20))")
    }
}
