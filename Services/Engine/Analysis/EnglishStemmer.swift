/// The Snowball English ("Porter2") stemmer, current generation (Snowball 3.x, as in libstemmer 3,
/// PyStemmer 3 and tantivy), written from the published algorithm.
///
/// Differences from the older generation that Debian's libstemmer still ships, and that this code
/// follows: more fixed R1 prefixes (`emerg`, `inter`, `later`, `organ`, `past`, `univers`), the
/// `ying` → `ie` rule in place of a list (`dying`, `vying`), `ing` kept after `even`, `inn`, `out`,
/// `cann`, `earr`, `herr`, `ogist` → `og`, and the `past` short-syllable exception.
enum EnglishStemmer {
    private static let vowels: Set<UInt32> = Set(codePoints("aeiouy"))
    private static let vowelsWXY: Set<UInt32> = Set(codePoints("aeiouywxY"))
    private static let validLI: Set<UInt32> = Set(codePoints("cdeghkmnrt"))
    private static let aeo: Set<UInt32> = Set(codePoints("aeo"))
    private static let apostrophe = codePoint("'")
    private static let y = codePoint("y")
    private static let bigY = codePoint("Y")
    private static let l = codePoint("l")
    private static let s = codePoint("s")
    private static let t = codePoint("t")

    private static let exceptions: [String: String] = [
        "skis": "ski", "skies": "sky", "idly": "idl", "gently": "gentl", "ugly": "ugli",
        "early": "earli", "only": "onli", "singly": "singl",
        "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos",
        "bias": "bias", "andes": "andes",
    ]
    private static let fixedPrefixes = SnowballAmong([
        ("arsen", 1), ("commun", 1), ("emerg", 1), ("gener", 1), ("inter", 1), ("later", 1),
        ("organ", 1), ("past", 1), ("univers", 1),
    ])
    private static let possessives = SnowballAmong([("'", 1), ("'s'", 1), ("'s", 1)])
    private static let step1a = SnowballAmong([
        ("ied", 2), ("s", 3), ("ies", 2), ("sses", 1), ("ss", 0), ("us", 0),
    ])
    private static let step1bSuffixes = SnowballAmong([
        ("ed", 2), ("eed", 1), ("ing", 3), ("edly", 2), ("eedly", 1), ("ingly", 2),
    ])
    private static let eedExceptions = SnowballAmong([("succ", 1), ("proc", 1), ("exc", 1)])
    private static let ingExceptions = SnowballAmong([
        ("even", 2), ("cann", 2), ("inn", 2), ("earr", 2), ("herr", 2), ("out", 2), ("y", 1),
    ])
    private static let step1bEndings = SnowballAmong([
        ("bb", 2), ("dd", 2), ("ff", 2), ("gg", 2), ("bl", 1), ("mm", 2), ("nn", 2), ("pp", 2),
        ("rr", 2), ("at", 1), ("tt", 2), ("iz", 1),
    ])
    private static let step2 = SnowballAmong([
        ("anci", 3), ("enci", 2), ("ogi", 14), ("li", 16), ("bli", 12), ("abli", 4), ("alli", 8),
        ("fulli", 9), ("lessli", 15), ("ousli", 10), ("entli", 5), ("aliti", 8), ("biliti", 12),
        ("iviti", 11), ("tional", 1), ("ational", 7), ("alism", 8), ("ation", 7), ("ization", 6),
        ("izer", 6), ("ator", 7), ("iveness", 11), ("fulness", 9), ("ousness", 10), ("ogist", 13),
    ])
    private static let step2Replacements: [Int: [UInt32]] = [
        1: codePoints("tion"), 2: codePoints("ence"), 3: codePoints("ance"), 4: codePoints("able"),
        5: codePoints("ent"), 6: codePoints("ize"), 7: codePoints("ate"), 8: codePoints("al"),
        9: codePoints("ful"), 10: codePoints("ous"), 11: codePoints("ive"), 12: codePoints("ble"),
        13: codePoints("og"), 14: codePoints("og"), 15: codePoints("less"),
    ]
    private static let step3 = SnowballAmong([
        ("icate", 4), ("ative", 6), ("alize", 3), ("iciti", 4), ("ical", 4), ("tional", 1),
        ("ational", 2), ("ful", 5), ("ness", 5),
    ])
    private static let step3Replacements: [Int: [UInt32]] = [
        1: codePoints("tion"), 2: codePoints("ate"), 3: codePoints("al"), 4: codePoints("ic"), 5: [],
    ]
    private static let step4 = SnowballAmong([
        ("ic", 1), ("ance", 1), ("ence", 1), ("able", 1), ("ible", 1), ("ate", 1), ("ive", 1),
        ("ize", 1), ("iti", 1), ("al", 1), ("ism", 1), ("ion", 2), ("er", 1), ("ous", 1),
        ("ant", 1), ("ent", 1), ("ment", 1), ("ement", 1),
    ])
    private static let past = codePoints("past")
    private static let ee = codePoints("ee")
    private static let ie = codePoints("ie")
    private static let i = codePoints("i")
    private static let e = codePoints("e")
    private static let ss = codePoints("ss")

    /// Stems `word` (already lower-cased) in place.
    static func stem(_ word: inout SnowballWord) {
        if let exception = exceptions[word.string] {
            word = SnowballWord(exception)
            return
        }
        guard word.count >= 3 else { return }

        let foundY = prelude(&word)
        let (p1, p2) = regions(word)
        step1a(&word)
        step1b(&word, p1: p1)
        step1c(&word)
        replace(&word, among: step2, p1: p1) { word, hit in
            switch hit.result {
            case 14:
                guard hit.start > 0, word[hit.start - 1] == l else { return false }
            case 16:
                guard hit.start > 0, validLI.contains(word[hit.start - 1]) else { return false }
                word.truncate(to: hit.start)
                return true
            default: break
            }
            word.replaceTail(from: hit.start, with: step2Replacements[hit.result]!)
            return true
        }
        replace(&word, among: step3, p1: p1) { word, hit in
            if hit.result == 6 {
                guard hit.start >= p2 else { return false }
                word.truncate(to: hit.start)
            } else {
                word.replaceTail(from: hit.start, with: step3Replacements[hit.result]!)
            }
            return true
        }
        if let hit = step4.longestSuffix(of: word), hit.start >= p2 {
            if hit.result == 1 {
                word.truncate(to: hit.start)
            } else if hit.start > 0, word[hit.start - 1] == s || word[hit.start - 1] == t {
                word.truncate(to: hit.start)
            }
        }
        step5(&word, p1: p1, p2: p2)
        if foundY {
            for index in word.chars.indices where word[index] == bigY { word[index] = y }
        }
    }

    /// Drops a leading apostrophe and marks consonant `y`s as `Y`. Returns whether it marked any.
    private static func prelude(_ word: inout SnowballWord) -> Bool {
        if word[0] == apostrophe { word.chars.removeFirst() }
        var found = false
        for index in word.chars.indices where word[index] == y {
            if index == 0 || vowels.contains(word[index - 1]) {
                word[index] = bigY
                found = true
            }
        }
        return found
    }

    /// R1 and R2: each starts after the first non-vowel that follows a vowel (R1 after a fixed
    /// prefix when the word has one).
    private static func regions(_ word: SnowballWord) -> (Int, Int) {
        let n = word.count
        func afterVowelConsonant(from start: Int) -> Int? {
            var index = start
            while index < n, !vowels.contains(word[index]) { index += 1 }
            index += 1
            while index < n, vowels.contains(word[index]) { index += 1 }
            return index < n ? index + 1 : nil
        }
        let p1: Int
        if let prefix = fixedPrefixes.longestPrefix(of: word) {
            p1 = prefix.length
        } else if let start = afterVowelConsonant(from: 0) {
            p1 = start
        } else {
            return (n, n)
        }
        return (p1, afterVowelConsonant(from: p1) ?? n)
    }

    private static func step1a(_ word: inout SnowballWord) {
        if let hit = possessives.longestSuffix(of: word) { word.truncate(to: hit.start) }
        guard let hit = step1a.longestSuffix(of: word) else { return }
        switch hit.result {
        case 1:
            word.replaceTail(from: hit.start, with: ss)
        case 2:
            word.replaceTail(from: hit.start, with: hit.start >= 2 ? i : ie)
        case 3:
            // `s` goes when a vowel comes before the letter preceding it (`gaps`, not `gas`).
            if hit.start >= 1, word.chars[..<(hit.start - 1)].contains(where: { vowels.contains($0) }) {
                word.truncate(to: hit.start)
            }
        default:
            break
        }
    }

    private static func step1b(_ word: inout SnowballWord, p1: Int) {
        guard let hit = step1bSuffixes.longestSuffix(of: word) else { return }
        let start = hit.start
        switch hit.result {
        case 1:
            if start >= p1, !(eedExceptions.longestSuffix(of: word, end: start)?.start == 0) {
                word.replaceTail(from: start, with: ee)
            }
            return
        case 3:
            if let before = ingExceptions.longestSuffix(of: word, end: start) {
                if before.result == 1 {
                    // `dying`, `vying`: one consonant, then `y`.
                    if start == 2, !vowels.contains(word[0]) {
                        word.replaceTail(from: start - 1, with: ie)
                        return
                    }
                } else if before.start == 0 {
                    return
                }
            }
        default:
            break
        }
        guard word.chars[..<start].contains(where: { vowels.contains($0) }) else { return }
        word.truncate(to: start)
        let ending = step1bEndings.longestSuffix(of: word)
        switch ending?.result {
        case 1:
            word.chars.append(contentsOf: e)
        case 2:
            if word.count == 3, aeo.contains(word[0]) { return }
            word.truncate(to: word.count - 1)
        default:
            if word.count == p1, isShortSyllable(word, end: word.count) {
                word.chars.append(contentsOf: e)
            }
        }
    }

    private static func step1c(_ word: inout SnowballWord) {
        let last = word.count - 1
        guard last >= 2, word[last] == y || word[last] == bigY, !vowels.contains(word[last - 1]) else { return }
        word[last] = i[0]
    }

    private static func step5(_ word: inout SnowballWord, p1: Int, p2: Int) {
        let last = word.count - 1
        guard last >= 0 else { return }
        if word[last] == e[0] {
            if last >= p2 || (last >= p1 && !isShortSyllable(word, end: last)) {
                word.truncate(to: last)
            }
        } else if word[last] == l {
            if last >= p2, last >= 1, word[last - 1] == l { word.truncate(to: last) }
        }
    }

    /// A short syllable ends at `end`: non-vowel, vowel, non-vowel other than `w`, `x`, `Y`;
    /// or vowel then non-vowel at the start of the word; or the word ends in `past`.
    private static func isShortSyllable(_ word: SnowballWord, end: Int) -> Bool {
        if end >= 3, !vowelsWXY.contains(word[end - 1]), vowels.contains(word[end - 2]),
           !vowels.contains(word[end - 3]) {
            return true
        }
        if end == 2, !vowels.contains(word[1]), vowels.contains(word[0]) { return true }
        return word.hasSuffix(past, end: end)
    }

    /// Steps 2 and 3: the longest suffix of `among`, when it lies in R1, goes through `apply`.
    private static func replace(
        _ word: inout SnowballWord, among: SnowballAmong, p1: Int,
        apply: (inout SnowballWord, (result: Int, start: Int)) -> Bool
    ) {
        guard let hit = among.longestSuffix(of: word), hit.start >= p1 else { return }
        _ = apply(&word, hit)
    }
}
