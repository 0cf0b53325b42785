import TidendeAnalysis
import TidendeModels

/// Marks the query's words in a hit's text fields with `<em>`…`</em>`. The field is analysed
/// again in the document's language, so any form with a matching stem is marked
/// (`ambassadører` for the query `ambassadør`), cut at the analyser's byte offsets. A long field
/// becomes a snippet: the window of `snippetWords` words holding the most matches.
struct Highlighter {
    let analyzer: Analyzer
    let config: EngineConfig
    /// Per language code: (stem or prefix, field restriction, is prefix).
    let terms: [[(stem: String, field: String?, prefix: Bool)]]

    init(analyzer: Analyzer, config: EngineConfig, plans: [PlanNode]) {
        self.analyzer = analyzer
        self.config = config
        terms = Language.allCases.map { language in
            var out: [(stem: String, field: String?, prefix: Bool)] = []
            QueryPlanner.highlightTerms(plans[Int(language.code)], language: language, into: &out)
            return out
        }
    }

    func highlight(_ document: JSONValue, language: Language) -> [String: String] {
        let wanted = terms[Int(language.code)]
        guard !wanted.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for (field, values) in FlatDocument(document, config: config).texts {
            let relevant = wanted.filter { $0.field == nil || $0.field == field }
            if relevant.isEmpty { continue }
            var pieces: [String] = []
            for value in values {
                if let h = highlight(value, language: language, terms: relevant) { pieces.append(h) }
            }
            if !pieces.isEmpty { result[field] = pieces.joined(separator: " … ") }
        }
        return result
    }

    private func highlight(_ text: String, language: Language,
                           terms: [(stem: String, field: String?, prefix: Bool)]) -> String? {
        let tokens = analyzer.analyze(text, language: language)
        let exact = Set(terms.filter { !$0.prefix }.map(\.stem))
        let prefixes = terms.filter(\.prefix).map(\.stem)
        var marked: [Bool] = tokens.map { t in
            exact.contains(t.stem) || prefixes.contains { t.stem.hasPrefix($0) || t.term.hasPrefix($0) }
        }
        // A compound's joined form overlaps its parts: mark each byte range once, outermost first.
        var lastEnd = -1
        for i in tokens.indices where marked[i] {
            if tokens[i].start < lastEnd { marked[i] = false } else { lastEnd = tokens[i].end }
        }
        guard marked.contains(true) else { return nil }
        let bytes = Array(text.utf8)
        var from = 0, to = tokens.count
        if bytes.count > config.snippetThresholdBytes && tokens.count > config.snippetWords {
            // The window with the most marked words.
            let w = config.snippetWords
            var count = marked[0..<w].filter { $0 }.count
            var best = count, bestStart = 0
            for start in 1...(tokens.count - w) {
                count += (marked[start + w - 1] ? 1 : 0) - (marked[start - 1] ? 1 : 0)
                if count > best { best = count; bestStart = start }
            }
            from = bestStart
            to = bestStart + w
        }
        var out: [UInt8] = []
        var cursor = from == 0 ? 0 : tokens[from].start
        if from > 0 { out.append(contentsOf: "… ".utf8) }
        for i in from..<to where marked[i] {
            let t = tokens[i]
            guard t.start >= cursor, t.end <= bytes.count else { continue }
            out.append(contentsOf: bytes[cursor..<t.start])
            out.append(contentsOf: "<em>".utf8)
            out.append(contentsOf: bytes[t.start..<t.end])
            out.append(contentsOf: "</em>".utf8)
            cursor = t.end
        }
        let end = to == tokens.count ? bytes.count : tokens[to - 1].end
        if cursor < end { out.append(contentsOf: bytes[cursor..<end]) }
        if to < tokens.count { out.append(contentsOf: " …".utf8) }
        return String(decoding: out, as: UTF8.self)
    }
}
