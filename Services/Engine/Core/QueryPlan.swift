import TidendeAnalysis
import TidendeQuerySyntax

/// One analysed query token: its normalised form, its stem in each language (indexed by the
/// language code), its position in the query (for phrases), and whether it is a word of the text
/// or an extra form of a hyphenated compound (`techambassadør` of `tech-ambassadør`).
struct QueryTerm: Hashable {
    let term: String
    let stems: [String]
    let position: Int
    var kind = AnalyzedToken.Kind.word
}

/// A query after analysis for one document language: what the matchers are built from.
indirect enum PlanNode {
    case term(QueryTerm, field: String?)
    case phrase([QueryTerm], field: String?)
    /// Terms whose stem starts with the prefix, and the `stems` (in the plan's language) of the
    /// indexed words that start with it: `engineer*` finds `Engineer`, whose stem is `engin`.
    case prefix(String, field: String?, stems: [String])
    case and([PlanNode], excluded: [PlanNode])
    case or([PlanNode])
    case all
    case none
}

/// Turns a `QueryNode` into a `PlanNode` for one language: words are analysed, stop words are
/// dropped from a conjunction that has other words (they stay in phrases), a lone `-word`
/// excludes from everything.
final class QueryPlanner {
    let analyzer: Analyzer
    /// The search's cache (see `StemCachePool`): the analyser's String API would set up a fresh
    /// one per call.
    private let cache: StemCache
    private var tokens: [AnalyzedToken] = []

    /// The indexed surface words that start with a normalised prefix (none when not given).
    private let wordsWithPrefix: (String) -> [String]
    /// What `wordsWithPrefix` gave, by prefix: a query is planned once per language, and the
    /// word lists are the same for both.
    private var prefixWords: [String: [String]] = [:]

    init(analyzer: Analyzer, cache: StemCache = StemCache(expectedTerms: 16),
         wordsWithPrefix: @escaping (String) -> [String] = { _ in [] }) {
        self.analyzer = analyzer
        self.cache = cache
        self.wordsWithPrefix = wordsWithPrefix
    }

    func terms(_ text: String) -> [QueryTerm] {
        tokens.removeAll(keepingCapacity: true)
        analyzer.analyze(text, language: .da, cache: cache, into: &tokens)
        return tokens.map { t in
            QueryTerm(term: cache.string(t.term),
                      stems: [cache.string(t.stem), cache.string(cache.stem(of: t.term, language: .en))],
                      position: Int(t.position), kind: t.kind)
        }
    }

    /// The word being typed, normalised: the last word of `text` (`ny tech` completes `tech`),
    /// and a hyphenated compound as its joined form (`tech-a` completes `techa`, as the index
    /// holds `techambassadør` for `tech-ambassadør`); nil when `text` has no word.
    func typedWord(_ text: String, language: Language) -> String? {
        tokens.removeAll(keepingCapacity: true)
        analyzer.analyze(text, language: language, cache: cache, into: &tokens)
        guard let last = tokens.last(where: { $0.kind == .word }) else { return nil }
        let whole = tokens.first { $0.kind == .joined && $0.end == last.end }
        return cache.string((whole ?? last).term)
    }

    func plan(_ node: QueryNode, language: Language) -> PlanNode {
        switch node {
        case .all: return .all
        case .none: return .none
        case .word(let w, let field):
            let ts = terms(w)
            if ts.isEmpty { return .all }
            if ts.count == 1 { return .term(ts[0], field: field) }
            guard ts.contains(where: { $0.kind == .joined }) else { return .and(ts.map { .term($0, field: field) }, excluded: []) }
            return spellings(ts, field: field)
        case .phrase(let words, let field):
            let ts = terms(words.joined(separator: " "))
            if ts.isEmpty { return .all }
            if ts.count == 1 { return .term(ts[0], field: field) }
            guard ts.contains(where: { $0.kind == .joined }) else { return .phrase(ts, field: field) }
            return spellings(ts, field: field)
        case .prefix(let p, let field):
            // `tech-amb*` is `techamb*`: its parts apart would drop all but the first.
            let normal = typedWord(p, language: language) ?? p.lowercased()
            if normal.isEmpty { return .all }
            // Stems that do not start with the prefix themselves: the others are found anyway.
            var stems = Set<String>()
            if prefixWords[normal] == nil { prefixWords[normal] = wordsWithPrefix(normal) }
            for word in prefixWords[normal]! {
                let stem = cache.string(cache.stem(of: cache.intern(word), language: language))
                if !stem.hasPrefix(normal) { stems.insert(stem) }
            }
            return .prefix(normal, field: field, stems: stems.sorted())
        case .not(let child):
            return .and([.all], excluded: [plan(child, language: language)])
        case .or(let children):
            // As in a conjunction: a stop word beside other words would match nearly everything.
            let stop = children.map { isStopWord($0, language: language) }
            let kept = stop.contains(false) ? zip(children, stop).filter { !$0.1 }.map(\.0) : children
            return .or(kept.map { plan($0, language: language) })
        case .and(let children):
            var positives: [QueryNode] = []
            var negatives: [PlanNode] = []
            for c in children {
                if case .not(let x) = c { negatives.append(plan(x, language: language)) } else { positives.append(c) }
            }
            let stop = positives.map { isStopWord($0, language: language) }
            if stop.contains(false) {
                positives = zip(positives, stop).filter { !$0.1 }.map(\.0)
            }
            var planned = positives.map { plan($0, language: language) }
            // `.all` is neutral in a conjunction with anything else.
            if planned.count > 1 {
                planned = planned.filter { if case .all = $0 { return false } else { return true } }
                if planned.isEmpty { planned = [.all] }
            }
            if planned.count == 1 && negatives.isEmpty { return planned[0] }
            return .and(planned, excluded: negatives)
        }
    }

    /// Words with hyphenated compounds, as a phrase (a query word alone is one too): with each
    /// compound in its parts, or joined. So `cyber-ambassadør` finds `cyberambassadør`,
    /// `cyber-ambassadør`, `cyber ambassadør` and `cyber- og tech-ambassadører` alike (the index
    /// holds the joined form of every hyphenated compound and suspended hyphen, DESIGN §6), and
    /// `"ny cyber-ambassadør"` finds `ny cyberambassadør`; parts apart from each other do not match.
    private func spellings(_ ts: [QueryTerm], field: String?) -> PlanNode {
        let parts = ts.filter { $0.kind == .word }
        var joined: [QueryTerm] = []
        var i = 0, shift = 0
        while i < parts.count {
            let part = parts[i]
            // The compound starting here: its joined form spells the next n parts.
            var n = 0
            if let whole = ts.first(where: { $0.kind == .joined && $0.position == part.position }) {
                var spelt = ""
                while i + n < parts.count, spelt.count < whole.term.count { spelt += parts[i + n].term; n += 1 }
                if spelt == whole.term {
                    joined.append(QueryTerm(term: whole.term, stems: whole.stems, position: part.position - shift))
                    shift += n - 1
                    i += n
                    continue
                }
            }
            joined.append(QueryTerm(term: part.term, stems: part.stems, position: part.position - shift))
            i += 1
        }
        func phrase(_ terms: [QueryTerm]) -> PlanNode { terms.count == 1 ? .term(terms[0], field: field) : .phrase(terms, field: field) }
        return .or([phrase(joined), phrase(parts)])
    }

    private func isStopWord(_ node: QueryNode, language: Language) -> Bool {
        guard case .word(let w, _) = node else { return false }
        let ts = terms(w)
        return !ts.isEmpty && ts.allSatisfy { analyzer.isStopWord($0.term, language: language) }
    }

    /// What a hit's highlighting marks: stems and prefixes (with their field restriction), and
    /// phrases of two words or more, marked only where they occur as phrases (each word's stem
    /// and its position relative to the first).
    struct HighlightTerms {
        var terms: [(stem: String, field: String?, prefix: Bool)] = []
        var phrases: [(stems: [String], offsets: [Int32], field: String?)] = []
    }

    static func highlightTerms(_ node: PlanNode, language: Language, into out: inout HighlightTerms) {
        let code = Int(language.code)
        switch node {
        case .term(let t, let f): out.terms.append((t.stems[code], f, false))
        case .phrase(let ts, let f) where ts.count == 1: out.terms.append((ts[0].stems[code], f, false))
        case .phrase(let ts, let f) where ts.count > 1:
            out.phrases.append((ts.map { $0.stems[code] }, ts.map { Int32($0.position - ts[0].position) }, f))
        case .phrase: break
        case .prefix(let p, let f, _): out.terms.append((p, f, true))
        case .and(let cs, _), .or(let cs): for c in cs { highlightTerms(c, language: language, into: &out) }
        case .all, .none: break
        }
    }
}
