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

/// Turns text into tokens: Unicode folding (see `TermFolding`), tokenisation with compounds and
/// suspended hyphens (see the rules on `TokenAssembler`, summarised below), Snowball stemming
/// (Danish and English, Snowball 3.x), language detection and stop words.
///
/// Tokens are runs of letters and digits. Apostrophes inside a word stay (`don't`, `usa's`);
/// digits joined by `.`/`,` stay one number (`3,5`); runs of one or two characters joined by
/// `&`/`/` stay one token (`D&A` → `d&a`, `A/S` → `a/s`). A hyphenated compound indexes its parts
/// at consecutive positions and the joined word at the first part's position
/// (`tech-ambassadører` → `tech`@0, `ambassadører`@1, `techambassadører`@0); a suspended hyphen
/// is spelt out (`cyber- og tech-ambassadører` adds `cyberambassadører` at `cyber`'s position).
///
/// Two ways in:
/// - `analyze(_:language:)` returns `Token`s with strings, for the `analyze` debugging operation,
///   tests and queries;
/// - `analyze(_:language:cache:into:)` appends `AnalyzedToken`s (term and stem ids in a
///   `StemCache`) to a buffer the caller reuses: the indexer's path, with no allocation per token
///   once the cache is warm.
public struct Analyzer: Sendable {
    public init() {}

    /// Tokens of `text` analysed as `language`.
    public func analyze(_ text: String, language: Language) -> [Token] {
        let cache = StemCache(expectedTerms: 256)
        var tokens: [AnalyzedToken] = []
        analyze(text, language: language, cache: cache, into: &tokens)
        return tokens.map {
            Token(term: cache.string($0.term), stem: cache.string($0.stem), position: Int($0.position),
                  start: Int($0.start), end: Int($0.end))
        }
    }

    /// Appends the tokens of `text`, analysed as `language`, to `tokens`, with terms and stems
    /// interned in `cache`. Positions start at 0 for each call; the caller adds a gap between
    /// fields if it indexes several into one position space.
    public func analyze(_ text: String, language: Language, cache: StemCache, into tokens: inout [AnalyzedToken]) {
        let scanner = cache.scanner
        scanner.reset()
        var text = text
        text.withUTF8 { scanner.scan($0) }
        cache.assembler.assemble(scanner, language: language, cache: cache, into: &tokens)
    }

    /// The language `text` is most likely written in (Danish or English), from stop words and
    /// the letters æ, ø, å; Danish when in doubt. Use it when a document has no `lang`.
    public func detectLanguage(_ text: String) -> Language {
        LanguageDetector.detect(text)
    }

    /// `detectLanguage(_:)` reusing the scratch buffers of `cache` (no allocation per call).
    public func detectLanguage(_ text: String, cache: StemCache) -> Language {
        LanguageDetector.detect(text, scanner: cache.scanner)
    }

    /// The Snowball stem of an already normalised word (a `Token.term`, or `normalize(_:)` of a
    /// query word); equal to the stem the same word gets inside a document. Words with `&` or
    /// `/` are returned unchanged.
    public func stem(_ word: String, language: Language) -> String { Stemming.stem(word, language: language) }

    /// Whether `term` (normalised) is a stop word in `language` (Snowball's lists).
    public func isStopWord(_ term: String, language: Language) -> Bool {
        StopWords.contains(term, language: language)
    }

    /// The folded form of one word, as a document's term would be: `Ærø` → `ærø`, `Café` →
    /// `cafe`, `STRASSE` and `Straße` → `strasse`. For prefix queries and term look-ups; text with
    /// several words should go through `analyze`.
    public func normalize(_ word: String) -> String {
        TermFolding.fold(word)
    }
}
