/// What a Unicode scalar does to tokenisation.
///
/// Tokens are runs of letters and digits. A few characters join runs (apostrophes inside a
/// word, hyphens in compounds, `&`/`/` between short runs, `.`/`,` between digits); the rest
/// separate them. Classes are precomputed for the whole Basic Multilingual Plane so the scanner
/// does one table load per character.
enum ScalarClass: UInt8 {
    /// Ends a token (space, punctuation, symbols, emoji, …).
    case separator = 0
    /// A letter or digit whose folded form is in the fast table (ASCII and U+0080–U+07FF).
    case fastLetter
    /// A decimal digit (`0`–`9`; other scripts' digits are `slowLetter`).
    case digit
    /// A letter or digit outside the fast table (e.g. CJK, letters above U+07FF).
    case slowLetter
    /// A combining mark: part of the word, forces the full Unicode folding path.
    case mark
    /// Invisible inside words (soft hyphen, zero-width joiners): dropped from the term.
    case ignorable
    /// `'`, `’`, `ʼ`: kept between two word characters (`don't`, `USA's`), else a separator.
    case apostrophe
    /// `-`, `‐`, `‑`: compound hyphen.
    case hyphen
    /// `&` (`D&A`, `AT&T`).
    case ampersand
    /// `/` (`A/S`, `24/7`).
    case slash
    /// `.` and `,`: kept between digits (`3,5`, `1.000`).
    case point

    /// Whether the class is part of a word.
    var isWordCharacter: Bool {
        switch self {
        case .fastLetter, .digit, .slowLetter, .mark, .ignorable: true
        default: false
        }
    }
}

extension ScalarClass {
    /// Classifies one scalar from its Unicode properties (the table is built from this).
    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        switch scalar.value {
        case 0x30...0x39: return .digit
        case 0x27, 0x2019, 0x02BC: return .apostrophe
        case 0x2D, 0x2010, 0x2011: return .hyphen
        case 0x26: return .ampersand
        case 0x2F: return .slash
        case 0x2E, 0x2C: return .point
        case 0xAD, 0x200C, 0x200D, 0x2060, 0xFE00...0xFE0F: return .ignorable
        default: break
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .mark
        case .decimalNumber:
            return .slowLetter
        default:
            guard properties.isAlphabetic else { return .separator }
            return scalar.value < 0x800 ? .fastLetter : .slowLetter
        }
    }
}

/// Scalar classes for U+0000–U+FFFF, built once on first use (about a millisecond).
let scalarClassTable: [ScalarClass] = (0..<0x10000).map { value in
    guard let scalar = Unicode.Scalar(UInt32(value)) else { return .separator }
    return ScalarClass.classify(scalar)
}

/// The class of any scalar: a table load inside the BMP, the properties beyond it.
@inline(__always)
func scalarClass(_ value: UInt32) -> ScalarClass {
    if value < 0x10000 { return scalarClassTable[Int(value)] }
    guard let scalar = Unicode.Scalar(value) else { return .separator }
    return ScalarClass.classify(scalar)
}
