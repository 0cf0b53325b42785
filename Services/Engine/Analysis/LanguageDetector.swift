/// Guesses Danish or English from stop words and letters.
///
/// The first `sampleBytes` of the text are tokenised like any document; each word votes: a word
/// on only one of the two Snowball stop-word lists counts one for that language, and a word with
/// `æ`, `ø` or `å` counts two for Danish (they are strongly Danish; a name like "Søren" in an
/// English text is outvoted by English stop words). Ties, including text with no evidence at
/// all ("Java Engineer"), go to Danish, the corpus's first language.
enum LanguageDetector {
    /// Bytes looked at; a title, a lead and the start of a body are plenty.
    static let sampleBytes = 2048

    /// Bit 0: Danish stop word, bit 1: English stop word; keyed by the term's bytes.
    private static let stopWordVotes: [[UInt8]: UInt8] = {
        var votes: [[UInt8]: UInt8] = [:]
        for word in StopWords.danish { votes[Array(word.utf8), default: 0] |= 1 }
        for word in StopWords.english { votes[Array(word.utf8), default: 0] |= 2 }
        return votes
    }()

    static func detect(_ text: String, scanner: TextScanner = TextScanner()) -> Language {
        scanner.reset()
        var text = text
        text.withUTF8 { bytes in
            // Cut at a character boundary so the scanner never sees half a character.
            var end = min(bytes.count, sampleBytes)
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            scanner.scan(UnsafeBufferPointer(rebasing: bytes[..<end]))
        }
        var danish = 0
        var english = 0
        let votes = stopWordVotes
        for index in 0..<scanner.pieces.count {
            let piece = scanner.pieces[index]
            let term = scanner.folded.slice(Int(piece.termStart)..<Int(piece.termEnd))
            // æ, ø, å are C3 A6, C3 B8, C3 A5 in UTF-8.
            var previous: UInt8 = 0
            for byte in term {
                if previous == 0xC3, byte == 0xA6 || byte == 0xB8 || byte == 0xA5 {
                    danish += 2
                    break
                }
                previous = byte
            }
            guard term.count <= 10 else { continue }
            switch votes[Array(term)] ?? 0 {
            case 1: danish += 1
            case 2: english += 1
            default: break
            }
        }
        return english > danish ? .en : .da
    }
}
