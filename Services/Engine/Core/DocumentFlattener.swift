import TidendeAnalysis
import TidendeModels
import TidendeQuerySyntax

/// A document taken apart by dotted field path: the strings to index as text and the scalar
/// values to keep for filters, sorting and facets. Nested objects give dotted paths
/// (`author.name`); an array contributes all its elements to its own path.
struct FlatDocument {
    var texts: [(field: String, values: [String])] = []
    var values: [(field: String, values: [DocValue])] = []

    /// Only the text fields of `document` (what highlighting needs): no values are kept.
    static func texts(of document: JSONValue, config: EngineConfig) -> [(field: String, values: [String])] {
        FlatDocument(document, config: config, values: false).texts
    }

    init(_ document: JSONValue, config: EngineConfig, values keepValues: Bool = true) {
        // A document has a handful of paths: a linear search beats hashing each path. Past 32
        // paths (a document built to have many) the search switches to a hash index.
        var textIndex = PathIndex(), valueIndex = PathIndex()
        func addValue(_ path: String, _ v: @autoclosure () -> DocValue) {
            guard keepValues else { return }
            let v = v()
            if let i = valueIndex.find(path, in: values) { values[i].values.append(v) } else {
                valueIndex.adding(path, to: values)
                values.append((path, [v]))
            }
        }
        func addText(_ path: String, _ s: String) {
            if let i = textIndex.find(path, in: texts) { texts[i].values.append(s) } else {
                textIndex.adding(path, to: texts)
                texts.append((path, [s]))
            }
        }
        func walk(_ value: JSONValue, _ path: String, depth: Int) {
            guard depth < 64 else { return }
            switch value {
            case .null: break
            case .bool(let b): addValue(path, .bool(b))
            case .integer(let i): addValue(path, .number(Double(i)))
            case .number(let d): addValue(path, .number(d))
            case .string(let text):
                if !config.unindexedFields.contains(path) { addText(path, text) }
                // Values compare by their bytes (filters, sorting, facets): `Köln` typed
                // decomposed must be the same value as `Köln` composed. Composing shrinks text
                // to a third at most (Hangul jamo), so only text up to three times a kept value's
                // size is put in NFC: a body's kilobytes are not scanned for it.
                let composable = Self.nfcShrink * config.maxDocValueBytes
                let s = text.utf8.count <= composable ? TermFolding.nfc(text) : text
                if s.utf8.count <= config.maxDocValueBytes {
                    addValue(path, .string(s, date: Self.looksLikeDate(s) ? ISO8601.parse(s) : nil))
                } else if config.sortPrefixBytes > 0 && config.sortPrefixFields.contains(path) {
                    // The sort prefix of the NFC text is within its first bytes times three.
                    let head = Self.prefix(s, bytes: Self.nfcShrink * config.sortPrefixBytes)
                    addValue(path, .truncated(Self.prefix(TermFolding.nfc(head), bytes: config.sortPrefixBytes)))
                }
            case .array(let items):
                for item in items { walk(item, path, depth: depth + 1) }
            case .object(let members):
                for (key, member) in members {
                    walk(member, path.isEmpty ? key : path + "." + key, depth: depth + 1)
                }
            }
        }
        walk(document, "", depth: 0)
    }

    /// The most that putting text in NFC divides its UTF-8 size by (three Hangul jamo of three
    /// bytes each compose to one syllable of three).
    static let nfcShrink = 3

    /// The longest prefix of `s` of at most `bytes` UTF-8 bytes that ends on a character.
    static func prefix(_ s: String, bytes: Int) -> String {
        var end = s.startIndex
        var used = 0
        for i in s.indices {
            let next = s.index(after: i)
            used += s.utf8.distance(from: i, to: next)
            if used > bytes { break }
            end = next
        }
        return String(s[..<end])
    }

    /// A cheap pre-check so ordinary words are not handed to the date parser.
    static func looksLikeDate(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count >= 10, u.count <= 40 else { return false }
        var it = u.makeIterator()
        for i in 0..<5 {
            guard let c = it.next() else { return false }
            if i < 4 { if c < 48 || c > 57 { return false } } else if c != 45 { return false }
        }
        return true
    }

    /// The document's language: its language field when that says `da` or `en`, else detected
    /// from its text.
    static func language(of document: JSONValue, texts: [(field: String, values: [String])],
                         config: EngineConfig, analyzer: Analyzer, cache: StemCache? = nil) -> Language {
        if case .string(let s)? = document[config.languageField], let l = Language(rawValue: s.lowercased()) {
            return l
        }
        var sample = ""
        for (_, values) in texts {
            for v in values {
                sample += v
                sample += " "
                if sample.utf8.count > 2_000 { break }
            }
        }
        if let cache { return analyzer.detectLanguage(sample, cache: cache) }
        return analyzer.detectLanguage(sample)
    }

    /// Keeps `language` (given or detected) as the value of the language field when the document
    /// has no value there of its own (absent, null, `[]`, a string too long to keep), so `lang = en`
    /// and a `lang` facet see the language its text was analysed in. The stored document is not
    /// touched; a value of its own (`"fr"`, `"DA"`) stays as it was sent.
    mutating func keepLanguage(_ language: Language, config: EngineConfig) {
        guard !values.contains(where: { $0.field == config.languageField }) else { return }
        values.append((config.languageField, [.string(language.rawValue, date: nil)]))
    }

    /// Seconds since 1970 of the recency field (an ISO date string or a number), or -∞.
    static func recency(of document: JSONValue, config: EngineConfig) -> Double {
        switch document[config.recencyField] {
        case .string(let s)?: return ISO8601.parse(s) ?? -.infinity
        case .integer(let i)?: return Double(i)
        case .number(let d)?: return d
        default: return -.infinity
        }
    }
}

/// Where each path is in a `FlatDocument` list: searched linearly while short, hashed once long.
private struct PathIndex {
    private var hashed: [String: Int]? = nil

    func find<T>(_ path: String, in list: [(field: String, values: T)]) -> Int? {
        if let hashed { return hashed[path] }
        return list.lastIndex { $0.field == path }
    }

    /// Records that `path` is about to be appended to `list`.
    mutating func adding<T>(_ path: String, to list: [(field: String, values: T)]) {
        if hashed != nil {
            hashed![path] = list.count
        } else if list.count >= 32 {
            var index = [String: Int](minimumCapacity: list.count * 2)
            for (i, entry) in list.enumerated() { index[entry.field] = i }
            index[path] = list.count
            hashed = index
        }
    }
}

extension Language {
    /// The byte that prefixes this language's terms in a segment's dictionary.
    var code: UInt8 { self == .da ? 0 : 1 }
    init(code: UInt8) { self = code == 0 ? .da : .en }
}

/// Positions of an array's elements are spaced by this gap so a phrase never spans two elements.
let arrayPositionGap = 100
