/// Entry point to the Snowball stemmers.
enum Stemming {
    /// The stem of a folded word.
    ///
    /// Words joined with `&` or `/` (`d&a`, `a/s`, `24/7`) are names and codes, not inflected
    /// words: they are returned unchanged, so `a/s` never becomes `a/` in English.
    static func stem(_ word: String, language: Language) -> String {
        if word.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "/") }) {
            return word
        }
        var snowball = SnowballWord(word)
        switch language {
        case .da: DanishStemmer.stem(&snowball)
        case .en: EnglishStemmer.stem(&snowball)
        }
        return snowball.string
    }
}
