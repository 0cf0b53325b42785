/// One token as ids into a `StemCache`: what the indexer consumes (no `String` per token).
///
/// `term` and `stem` resolve with `StemCache.string(_:)`. Offsets are UTF-8 byte offsets into
/// the analysed text (half-open), like `Token`'s.
public struct AnalyzedToken: Sendable, Hashable {
    /// How the token arose; extra forms share the position of the first word they stand for.
    public enum Kind: UInt8, Sendable, Hashable {
        /// A word of the text (or one part of a hyphenated compound).
        case word
        /// A hyphenated compound joined without hyphens (`tech-ambassadører` → `techambassadører`),
        /// at the position of its first part.
        case joined
        /// A suspended hyphen spelt out (`cyber- og tech-ambassadører` → `cyberambassadører`), at
        /// the position of the suspended word (`cyber`), spanning up to the end of the compound.
        case expanded
    }

    public var term: StemCache.TermID
    public var stem: StemCache.TermID
    public var position: Int32
    public var start: Int32
    public var end: Int32
    public var kind: Kind

    public init(term: StemCache.TermID, stem: StemCache.TermID, position: Int32, start: Int32, end: Int32, kind: Kind) {
        self.term = term
        self.stem = stem
        self.position = position
        self.start = start
        self.end = end
        self.kind = kind
    }
}
