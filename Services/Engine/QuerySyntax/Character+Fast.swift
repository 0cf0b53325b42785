extension Character {
    /// `isWhitespace` with an ASCII fast path: the Unicode property lookup dominates parse
    /// time otherwise, and queries are mostly ASCII.
    var isSpace: Bool {
        if let a = asciiValue { return a == 0x20 || (a >= 0x09 && a <= 0x0D) }
        return isWhitespace
    }

    /// Letter, digit or `_`, with an ASCII fast path.
    var isWordCharacter: Bool {
        if let a = asciiValue {
            return (a >= 0x61 && a <= 0x7A) || (a >= 0x41 && a <= 0x5A) || (a >= 0x30 && a <= 0x39) || a == 0x5F
        }
        return isLetter || isNumber
    }
}
