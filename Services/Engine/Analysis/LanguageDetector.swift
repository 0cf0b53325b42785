/// Guesses Danish or English from stop words and letters.
///
/// Each word of the first few kilobytes votes: a word on only one of the two Snowball stop-word
/// lists counts one for that language; a word with `æ`, `ø` or `å` counts two for Danish (they
/// are strongly Danish, and names like "Søren" in English text are outvoted by English stop
/// words). Ties, including text with no evidence at all, go to Danish, the corpus's first language.
enum LanguageDetector {
    /// Bytes looked at; a news lead and the start of its body are plenty.
    static let sampleBytes = 4096

    static func detect(_ text: String) -> Language {
        var danish = 0
        var english = 0
        var word = ""
        var hasDanishLetter = false
        func vote() {
            defer {
                word.removeAll(keepingCapacity: true)
                hasDanishLetter = false
            }
            guard !word.isEmpty else { return }
            if hasDanishLetter { danish += 2 }
            let isDanish = StopWords.danish.contains(word)
            let isEnglish = StopWords.english.contains(word)
            if isDanish && !isEnglish { danish += 1 }
            if isEnglish && !isDanish { english += 1 }
        }
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += 1
            if bytes > sampleBytes { break }
            if scalar.properties.isAlphabetic || scalar == "'" || scalar == "’" {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                    word.unicodeScalars.append(lower == "’" ? "'" : lower)
                    if lower == "æ" || lower == "ø" || lower == "å" { hasDanishLetter = true }
                }
            } else {
                vote()
            }
        }
        vote()
        return english > danish ? .en : .da
    }
}
