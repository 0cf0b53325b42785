/// The Snowball Danish stemmer, current generation (Snowball 3.x, as shipped in libstemmer 3 and
/// PyStemmer 3), written from the published algorithm.
///
/// Steps, all working inside region R1 (after the first non-vowel that follows a vowel, but at
/// least three letters in; in 3.x a word with an apostrophe has R1 start right after it):
/// 1. remove the longest main suffix (`erendes`, `hedens`, `ene`, …); a bare `s` only after a
///    valid s-ending;
/// 2. `gd`, `dt`, `gt`, `kt` lose their last letter;
/// 3. `igst` → `ig`; then `ig`, `lig`, `elig`, `els` go (and step 2 runs again), `løst` → `løs`;
/// 4. a doubled final consonant is undoubled;
/// 5. (3.x) a final apostrophe goes, so `USA's` and `USA` meet.
enum DanishStemmer {
    private static let vowels: Set<UInt32> = Set(codePoints("aeiouyåæø"))
    private static let sEnding: Set<UInt32> = Set(codePoints("'abcdfghjklmnoprtvyzå"))
    private static let undoubleConsonants: Set<UInt32> = Set(codePoints("bdfgklmnprst"))
    private static let apostrophe = codePoint("'")

    private static let mainSuffixes = SnowballAmong([
        ("hed", 1), ("ethed", 1), ("ered", 1), ("e", 1), ("erede", 1), ("ende", 1), ("erende", 1),
        ("ene", 1), ("erne", 1), ("ere", 1), ("en", 1), ("heden", 1), ("eren", 1), ("er", 1),
        ("heder", 1), ("erer", 1), ("s", 2), ("heds", 1), ("es", 1), ("endes", 1), ("erendes", 1),
        ("enes", 1), ("ernes", 1), ("eres", 1), ("ens", 1), ("hedens", 1), ("erens", 1), ("ers", 1),
        ("ets", 1), ("erets", 1), ("et", 1), ("eret", 1),
    ])
    private static let consonantPairs = SnowballAmong([("gd", 1), ("dt", 1), ("gt", 1), ("kt", 1)])
    private static let otherSuffixes = SnowballAmong([
        ("ig", 1), ("lig", 1), ("elig", 1), ("els", 1), ("løst", 2),
    ])
    private static let igst = codePoints("igst")
    private static let løs = codePoints("løs")

    /// Stems `word` (already lower-cased) in place.
    static func stem(_ word: inout SnowballWord) {
        guard word.count >= 3 else { return }
        let p1 = regionStart(word)

        // Step 1: main suffix.
        if let hit = mainSuffixes.longestSuffix(of: word, limit: p1) {
            if hit.result == 1 {
                word.truncate(to: hit.start)
            } else if hit.start > 0, sEnding.contains(word[hit.start - 1]) {
                word.truncate(to: hit.start)
            }
        }
        // Step 2.
        removeConsonantPair(&word, p1: p1)
        // Step 3: `igst` loses `st` wherever it is, then the other suffixes inside R1.
        if word.hasSuffix(igst) { word.truncate(to: word.count - 2) }
        if let hit = otherSuffixes.longestSuffix(of: word, limit: p1) {
            if hit.result == 1 {
                word.truncate(to: hit.start)
                removeConsonantPair(&word, p1: p1)
            } else {
                word.replaceTail(from: hit.start, with: løs)
            }
        }
        // Step 4: undouble, when the final consonant lies in R1.
        let last = word.count - 1
        if last >= p1, last >= 1, undoubleConsonants.contains(word[last]), word[last - 1] == word[last] {
            word.truncate(to: last)
        }
        // Step 5: a final apostrophe.
        if word.count > 0, word[word.count - 1] == apostrophe {
            word.truncate(to: word.count - 1)
        }
    }

    /// Start of R1, never before the fourth character.
    private static func regionStart(_ word: SnowballWord) -> Int {
        var p1 = word.count
        if let apostropheIndex = word.chars.firstIndex(of: apostrophe) {
            p1 = apostropheIndex + 1
        } else if let vowel = word.chars.firstIndex(where: { vowels.contains($0) }),
                  let consonant = word.chars[(vowel + 1)...].firstIndex(where: { !vowels.contains($0) }) {
            p1 = consonant + 1
        }
        return max(p1, 3)
    }

    private static func removeConsonantPair(_ word: inout SnowballWord, p1: Int) {
        if consonantPairs.longestSuffix(of: word, limit: p1) != nil {
            word.truncate(to: word.count - 1)
        }
    }
}
