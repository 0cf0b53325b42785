/// Languages the engine analyses. Danish first, English second.
public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
    case da, en
}

/// One token of analysed text.
///
/// `term` is the normalised surface form (NFC, case-folded, diacritics other than æ/ø/å folded);
/// `stem` is its Snowball stem in the token's language. Offsets are UTF-8 byte offsets into the
/// original text (half-open), so highlighting can cut the original string without re-scanning.
public struct Token: Sendable, Hashable {
    public var term: String
    public var stem: String
    public var position: Int
    public var start: Int
    public var end: Int

    public init(term: String, stem: String, position: Int, start: Int, end: Int) {
        self.term = term
        self.stem = stem
        self.position = position
        self.start = start
        self.end = end
    }
}

/// Turns text into tokens. STUB: the real implementation (Unicode folding, Snowball stemming,
/// compounds, language detection, stop words) replaces the bodies below; the API stays.
public struct Analyzer: Sendable {
    public init() {}

    /// Tokens of `text` analysed as `language`.
    public func analyze(_ text: String, language: Language) -> [Token] {
        var tokens: [Token] = []
        var current: [UInt8] = []
        var start = 0
        var offset = 0
        var position = 0
        func flush() {
            if !current.isEmpty {
                let term = String(decoding: current, as: UTF8.self).lowercased()
                tokens.append(Token(term: term, stem: stem(term, language: language), position: position, start: start, end: offset))
                position += 1
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            let width = String(scalar).utf8.count
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if current.isEmpty { start = offset }
                current.append(contentsOf: String(scalar).utf8)
            } else {
                flush()
            }
            offset += width
        }
        flush()
        return tokens
    }

    /// The language `text` is most likely written in (Danish or English).
    public func detectLanguage(_ text: String) -> Language { .da }

    /// The Snowball stem of an already normalised word.
    public func stem(_ word: String, language: Language) -> String { Stemming.stem(word, language: language) }

    /// Whether `term` (normalised) is a stop word in `language` (Snowball's lists).
    public func isStopWord(_ term: String, language: Language) -> Bool { StopWords.contains(term, language: language) }
}
