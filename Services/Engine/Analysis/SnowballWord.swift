/// A word as the Snowball stemmers see it: an editable array of Unicode code points.
///
/// Snowball algorithms count characters, not bytes (a region starts "after the first
/// non-vowel following a vowel", `æ` is one character), so the stemmers work on code points.
/// They only run on stem-cache misses, so clarity wins over speed here.
struct SnowballWord {
    var chars: [UInt32]

    init(_ word: String) {
        chars = word.unicodeScalars.map(\.value)
    }

    init(chars: [UInt32]) {
        self.chars = chars
    }

    var count: Int { chars.count }

    var string: String {
        var result = String.UnicodeScalarView()
        for value in chars {
            // Every value came from a `Unicode.Scalar` or a literal table, so this never fails.
            if let scalar = Unicode.Scalar(value) { result.append(scalar) }
        }
        return String(result)
    }

    subscript(index: Int) -> UInt32 {
        get { chars[index] }
        set { chars[index] = newValue }
    }

    /// Whether the characters before `end` end with `suffix`.
    func hasSuffix(_ suffix: [UInt32], end: Int? = nil) -> Bool {
        let end = end ?? chars.count
        guard suffix.count <= end else { return false }
        var i = end - suffix.count
        for value in suffix {
            if chars[i] != value { return false }
            i += 1
        }
        return true
    }

    /// Whether the word starts with `prefix`.
    func hasPrefix(_ prefix: [UInt32]) -> Bool {
        guard prefix.count <= chars.count else { return false }
        for (i, value) in prefix.enumerated() where chars[i] != value { return false }
        return true
    }

    /// Replaces the characters from `start` to the end with `replacement`.
    mutating func replaceTail(from start: Int, with replacement: [UInt32]) {
        chars.replaceSubrange(start..., with: replacement)
    }

    mutating func truncate(to length: Int) {
        chars.removeSubrange(length...)
    }
}

/// A Snowball `among`: a set of suffixes (or prefixes) of which the longest match wins.
///
/// Snowball picks the longest entry that matches and never falls back to a shorter one when
/// the rule attached to it fails, so entries are kept longest first and the first hit is the
/// answer.
struct SnowballAmong {
    struct Entry {
        let chars: [UInt32]
        let result: Int
    }

    let entries: [Entry]

    init(_ pairs: [(String, Int)]) {
        entries = pairs
            .map { Entry(chars: $0.0.unicodeScalars.map(\.value), result: $0.1) }
            .sorted { $0.chars.count > $1.chars.count }
    }

    /// The longest entry that ends the word at `end` and starts no earlier than `limit`,
    /// with the index where it starts.
    func longestSuffix(of word: SnowballWord, end: Int? = nil, limit: Int = 0) -> (result: Int, start: Int)? {
        let end = end ?? word.count
        for entry in entries where entry.chars.count <= end - limit {
            if word.hasSuffix(entry.chars, end: end) {
                return (entry.result, end - entry.chars.count)
            }
        }
        return nil
    }

    /// The longest entry the word starts with, with its length.
    func longestPrefix(of word: SnowballWord) -> (result: Int, length: Int)? {
        for entry in entries where word.hasPrefix(entry.chars) {
            return (entry.result, entry.chars.count)
        }
        return nil
    }
}

/// Code points of a literal, for the tables.
@inline(__always)
func codePoints(_ text: String) -> [UInt32] {
    text.unicodeScalars.map(\.value)
}

/// Code point of a one-character literal.
@inline(__always)
func codePoint(_ character: Unicode.Scalar) -> UInt32 {
    character.value
}
