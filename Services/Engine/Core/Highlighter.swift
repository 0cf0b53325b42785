import TidendeAnalysis
import TidendeModels

/// Marks the query's words in a hit's text fields with `<em>`…`</em>`. The field is analysed
/// again in the document's language, so any form with a matching stem is marked
/// (`ambassadører` for the query `ambassadør`), cut at the analyser's byte offsets. A long field
/// becomes a snippet: the window of `snippetWords` words holding the most matches. The text is
/// HTML-escaped (`&`, `<`, `>`), so that the only markup in a highlight is its `<em>` marks: a
/// document's own `<script>` or `<em>` cannot pass for either.
///
/// One highlighter serves one search (not thread-safe): its stem cache is the search's, warm from
/// earlier searches, so a word met before costs a table look-up, and query stems compare as
/// integers.
final class Highlighter {
    let analyzer: Analyzer
    let config: EngineConfig
    private struct Wanted {
        /// Stem ids (in `cache`) of the exact terms, with their field restriction.
        var exact: [(stem: StemCache.TermID, field: String?)] = []
        var prefixes: [(prefix: String, field: String?)] = []
        /// Phrases: marked only where their words stand at their relative positions.
        var phrases: [(stems: [StemCache.TermID], offsets: [Int32], field: String?)] = []
        var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty && phrases.isEmpty }
    }
    private typealias Phrase = (stems: [StemCache.TermID], offsets: [Int32])
    /// Per language code.
    private let wanted: [Wanted]
    private let cache: StemCache
    private var tokens: [AnalyzedToken] = []
    private var marked: [Bool] = []

    /// `cache`: the search's (see `StemCachePool`), shared with its query planner.
    init(analyzer: Analyzer, config: EngineConfig, plans: [PlanNode], cache: StemCache) {
        self.analyzer = analyzer
        self.config = config
        self.cache = cache
        wanted = Language.allCases.map { language in
            var found = QueryPlanner.HighlightTerms()
            QueryPlanner.highlightTerms(plans[Int(language.code)], language: language, into: &found)
            var w = Wanted()
            for t in found.terms {
                if t.prefix { w.prefixes.append((t.stem, t.field)) } else { w.exact.append((cache.intern(t.stem), t.field)) }
            }
            w.phrases = found.phrases.map { ($0.stems.map { cache.intern($0) }, $0.offsets, $0.field) }
            return w
        }
    }

    /// What to mark in one field, per language code and field path (fields recur in every hit).
    private var perField: [[String: (exact: Set<StemCache.TermID>, prefixes: [String], phrases: [Phrase])]] = [[:], [:]]

    private func terms(_ field: String, _ language: Language) -> (exact: Set<StemCache.TermID>, prefixes: [String], phrases: [Phrase]) {
        let code = Int(language.code)
        if let known = perField[code][field] { return known }
        let all = wanted[code]
        let found = (Set(all.exact.lazy.filter { $0.field == nil || $0.field == field }.map(\.stem)),
                     all.prefixes.filter { $0.field == nil || $0.field == field }.map(\.prefix),
                     all.phrases.filter { $0.field == nil || $0.field == field }.map { ($0.stems, $0.offsets) })
        perField[code][field] = found
        return found
    }

    /// Highlights of the text fields under `members` of a scanned document: a string member is
    /// read straight from the scan, only other members are parsed.
    func highlight(_ scan: JSONScan, members: [JSONMember], language: Language) -> [String: String] {
        guard !wanted[Int(language.code)].isEmpty else { return [:] }
        var result: [String: String] = [:]
        for member in members {
            if member.kind == .string {
                guard !config.unindexedFields.contains(member.key), let text = scan.string(member) else { continue }
                highlight([(member.key, [text])], language: language, into: &result)
            } else if member.kind == .object || member.kind == .array {
                highlight(FlatDocument.texts(of: .object([(member.key, scan.value(member))]), config: config),
                          language: language, into: &result)
            }
        }
        return result
    }

    /// Marks every occurrence of `phrase` among `tokens`: each of its words at its offset from
    /// the first (extra forms of a compound share a position, so nearby tokens are searched).
    /// Returns whether it found one.
    private func markPhrase(_ phrase: Phrase) -> Bool {
        var found = false
        var at: [Int] = []
        for i in tokens.indices where tokens[i].stem == phrase.stems[0] {
            let p = tokens[i].position
            at.removeAll(keepingCapacity: true)
            at.append(i)
            for j in 1..<phrase.stems.count {
                let want = p + phrase.offsets[j]
                let window = max(0, i - 8)..<min(tokens.count, i + 4 * Int(phrase.offsets[j]) + 8)
                guard let k = window.first(where: { tokens[$0].position == want && tokens[$0].stem == phrase.stems[j] }) else {
                    at = []
                    break
                }
                at.append(k)
            }
            for k in at { marked[k] = true }
            found = found || !at.isEmpty
        }
        return found
    }

    private func highlight(_ texts: [(field: String, values: [String])], language: Language, into result: inout [String: String]) {
        for (field, values) in texts {
            let (exact, prefixes, phrases) = terms(field, language)
            if exact.isEmpty && prefixes.isEmpty && phrases.isEmpty { continue }
            var pieces: [String] = []
            for value in values {
                if let h = highlight(value, language: language, exact: exact, prefixes: prefixes, phrases: phrases) { pieces.append(h) }
            }
            if !pieces.isEmpty { result[field] = pieces.joined(separator: " … ") }
        }
    }

    private func highlight(_ text: String, language: Language, exact: Set<StemCache.TermID>, prefixes: [String],
                           phrases: [Phrase]) -> String? {
        tokens.removeAll(keepingCapacity: true)
        analyzer.analyze(text, language: language, cache: cache, into: &tokens)
        marked.removeAll(keepingCapacity: true)
        var any = false
        for t in tokens {
            var hit = exact.contains(t.stem)
            if !hit && !prefixes.isEmpty {
                let stem = cache.string(t.stem), term = cache.string(t.term)
                hit = prefixes.contains { stem.hasPrefix($0) || term.hasPrefix($0) }
            }
            marked.append(hit)
            any = any || hit
        }
        for phrase in phrases where markPhrase(phrase) { any = true }
        guard any else { return nil }
        // A compound's joined form overlaps its parts: mark each byte range once, outermost first.
        var lastEnd: Int32 = -1
        for i in tokens.indices where marked[i] {
            if tokens[i].start < lastEnd { marked[i] = false } else { lastEnd = tokens[i].end }
        }
        var from = 0, to = tokens.count
        let byteCount = text.utf8.count
        if byteCount > config.snippetThresholdBytes && tokens.count > config.snippetWords {
            // The window with the most marked words.
            let w = config.snippetWords
            var count = marked[0..<w].filter { $0 }.count
            var best = count, bestStart = 0
            for start in 1...(tokens.count - w) {
                count += (marked[start + w - 1] ? 1 : 0) - (marked[start - 1] ? 1 : 0)
                if count > best { best = count; bestStart = start }
            }
            // The first such window ends at a match: centre the window's matches instead, so
            // that the snippet shows context on both sides (it still holds all of them).
            let first = (bestStart..<bestStart + w).first { marked[$0] } ?? bestStart
            let last = (bestStart..<bestStart + w).last { marked[$0] } ?? first
            from = min(max(0, first - (w - (last - first + 1)) / 2), tokens.count - w)
            to = from + w
        }
        var text = text
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            var cursor = from == 0 ? 0 : Int(tokens[from].start)
            if from > 0 { out.append(contentsOf: "… ".utf8) }
            for i in from..<to where marked[i] {
                let t = tokens[i]
                let start = Int(t.start), end = Int(t.end)
                guard start >= cursor, end <= bytes.count else { continue }
                Self.appendEscaped(bytes[cursor..<start], to: &out)
                out.append(contentsOf: "<em>".utf8)
                Self.appendEscaped(bytes[start..<end], to: &out)
                out.append(contentsOf: "</em>".utf8)
                cursor = end
            }
            let end = to == tokens.count ? bytes.count : Int(tokens[to - 1].end)
            if cursor < end { Self.appendEscaped(bytes[cursor..<end], to: &out) }
            if to < tokens.count { out.append(contentsOf: " …".utf8) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Appends `text` with `&`, `<` and `>` as HTML entities.
    private static func appendEscaped(_ text: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            default: out.append(byte)
            }
        }
    }
}
