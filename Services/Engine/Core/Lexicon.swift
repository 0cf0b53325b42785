import TidendeAnalysis

/// The writer's interning tables: each distinct surface word gets an id once, remembered with
/// its stem id per language, so the hot indexing loop does one hash lookup per token and never
/// keeps a string per posting. Owned by the single writer; not shared with searchers.
final class Lexicon {
    private(set) var stems: [String] = []
    private var stemIds: [String: UInt32] = [:]
    private(set) var words: [String] = []
    private var wordCache: [[String: (word: UInt32, stem: UInt32)]] = [[:], [:]]

    @inline(__always)
    func ids(of token: Token, language: Language) -> (word: UInt32, stem: UInt32) {
        let l = Int(language.code)
        if let hit = wordCache[l][token.term] { return hit }
        let stem: UInt32
        if let s = stemIds[token.stem] { stem = s } else {
            stem = UInt32(stems.count)
            stems.append(token.stem)
            stemIds[token.stem] = stem
        }
        // The word id is shared across languages; look it up in the other language's cache first.
        var word = UInt32(words.count)
        if let other = wordCache[1 - l][token.term] { word = other.word } else { words.append(token.term) }
        let entry = (word, stem)
        wordCache[l][token.term] = entry
        return entry
    }
}
