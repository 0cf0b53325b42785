import Foundation  // canonical decomposition / composition (NFD, NFC), used off the fast path only

/// Folds words into index terms: NFC, full case folding, diacritics removed, except that `æ`,
/// `ø` and `å` are letters of their own and stay.
///
/// The rules, in order, for each word:
/// 1. canonical decomposition (NFD), so `é` and `e` + U+0301 are the same input;
/// 2. combining marks of the Latin, Greek and Cyrillic diacritic blocks are dropped (`é` → `e`,
///    `ü` → `u`, `ö` → `o`, `ç` → `c`), except a ring above right after `a`, which makes `å`
///    (so `Å`, `å` and `a` + U+030A all give `å`); `ø` and `æ` have no decomposition and stay;
/// 3. case folding, as lower(upper(c)): `ß` → `ss`, final `ς` → `σ`, `ﬁ` → `fi`, `İ` → `i`
///    (its dot is a combining mark and goes), Turkish dotless `ı` → `i`;
/// 4. `’` and `ʼ` become `'`; soft hyphens and zero-width joiners vanish;
/// 5. the result is put back in NFC (for scripts whose marks are kept).
///
/// Marks of other scripts (Devanagari vowel signs, Hebrew points, …) are kept: they are not
/// accents there. `TermFolding.fold` is the reference; the scanner's fast table for ASCII and
/// U+0080–U+07FF is generated from it, so both paths agree by construction.
public enum TermFolding {
    /// `text` in NFC (canonically composed), so that texts Swift calls equal (it compares
    /// strings by canonical equivalence) also have the same bytes. A text with no scalar from
    /// U+0300 on (no UTF-8 byte 0xCC or above: all of Latin-1 and Latin Extended, Danish too)
    /// is in NFC already and is returned as it is.
    public static func nfc(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0xCC } ? text : text.precomposedStringWithCanonicalMapping
    }

    /// The folded form of `word` (no tokenisation: every character is kept or folded).
    public static func fold<S: StringProtocol>(_ word: S) -> String {
        var out = String.UnicodeScalarView()
        var composedNeeded = false
        for scalar in String(word).decomposedStringWithCanonicalMapping.unicodeScalars {
            append(scalar, to: &out, composedNeeded: &composedNeeded)
        }
        let result = String(out)
        return composedNeeded ? result.precomposedStringWithCanonicalMapping : result
    }

    private static func append(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView, composedNeeded: inout Bool) {
        let value = scalar.value
        if isFoldedMark(value) {
            // A ring above on `a` is the one diacritic that makes a letter of its own.
            if value == 0x30A, let last = out.last, last == "a" {
                out.removeLast()
                out.append("å")
            }
            return
        }
        switch value {
        case 0x2019, 0x02BC: out.append("'"); return
        case 0xAD, 0x200C, 0x200D, 0x2060, 0xFE00...0xFE0F: return
        case 0...0x7F:
            out.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(value + 0x20)! : scalar)
            return
        default: break
        }
        let properties = scalar.properties
        if properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
            || properties.generalCategory == .enclosingMark {
            out.append(scalar)
            composedNeeded = true
            return
        }
        guard properties.changesWhenCaseMapped else {
            out.append(scalar)
            return
        }
        for upper in properties.uppercaseMapping.unicodeScalars {
            for lower in upper.properties.lowercaseMapping.unicodeScalars {
                // Case mapping can produce decomposed output (`İ` → `i` + U+0307): fold again.
                if isFoldedMark(lower.value) { continue }
                out.append(lower)
            }
        }
    }

    /// Combining diacritics of Latin, Greek and Cyrillic: these are accents, dropped when folding.
    @inline(__always)
    static func isFoldedMark(_ value: UInt32) -> Bool {
        switch value {
        case 0x300...0x36F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F: true
        default: false
        }
    }
}

/// Folded UTF-8 bytes of every scalar below U+0800, eight bytes per entry (length, then up to
/// seven bytes); a length of 0xFF means "too long, take the slow path".
let fastFoldTable: [UInt8] = {
    var table = [UInt8](repeating: 0, count: 0x800 * 8)
    for value in 0..<0x800 {
        guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
        let folded = Array(TermFolding.fold(String(scalar)).utf8)
        if folded.count > 7 {
            table[value * 8] = 0xFF
        } else {
            table[value * 8] = UInt8(folded.count)
            for (i, byte) in folded.enumerated() { table[value * 8 + 1 + i] = byte }
        }
    }
    return table
}()
