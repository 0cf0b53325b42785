/// Second pass of the analyzer: turns scanned pieces into positioned tokens.
///
/// Rules, in the order they apply:
/// - Digits joined by `.` or `,` are one number: `3,5`, `1.000.000`, `2.3`.
/// - Runs of at most two characters joined by `&` or `/` are one token that keeps the joiner:
///   `D&A` → `d&a`, `A/S` → `a/s`, `AT&T` → `at&t`, `24/7`, `km/t`; longer runs split
///   (`TCP/IP` → `tcp`, `ip`; `og/eller` → `og`, `eller`). A query spelt the same way gets the
///   same token. These tokens are not stemmed.
/// - A hyphenated compound gives each part at consecutive positions (so the phrase
///   "tech ambassadører" matches `tech-ambassadører`) and the joined word at the position of
///   the first part, like a synonym (`techambassadører`); numbers only (`2020-2021`) are not joined.
/// - A suspended hyphen (`cyber-` followed by a space or comma) is remembered across `og`,
///   `eller`, `samt`, `and`, `or` and further suspended words; the next hyphenated compound
///   completes it: `cyber- og tech-ambassadører` also gives `cyberambassadører` at the position
///   of `cyber`, spanning `cyber- og tech-ambassadører`. With anything else in between, or a
///   compound without a hyphen (`cyber- og desinformationskampagner`), only `cyber` is indexed.
struct TokenAssembler {
    private struct Unit {
        var first: Int
        var last: Int
        var start: Int32
        var end: Int32
        var allDigits: Bool
    }

    private struct Suspended {
        var term: [UInt8]
        var start: Int32
        var position: Int32
    }

    private var unitBytes: [UInt8] = []
    private var joined: [UInt8] = []
    private var units: [Unit] = []
    private var unitTermRanges: [Range<Int>] = []
    private var suspended: [Suspended] = []

    private static let conjunctions: [[UInt8]] = ["og", "eller", "samt", "and", "or"].map { Array($0.utf8) }

    mutating func assemble(
        _ scanner: TextScanner, language: Language, cache: StemCache, into tokens: inout [AnalyzedToken]
    ) {
        suspended.removeAll(keepingCapacity: true)
        let pieces = scanner.pieces
        let folded = scanner.folded
        var position: Int32 = 0
        var k = 0
        do {
            while k < pieces.count {
                // Most pieces are plain words: straight from the scanner's buffer to a token.
                let piece = pieces[k]
                if !piece.joinsNext, piece.trailing != .hyphen {
                    let term = folded.slice(Int(piece.termStart)..<Int(piece.termEnd))
                    let (termID, stemID) = cache.termAndStem(term, language: language)
                    tokens.append(AnalyzedToken(
                        term: termID, stem: stemID, position: position, start: piece.start, end: piece.end, kind: .word))
                    if !suspended.isEmpty, !Self.isConjunction(term) { suspended.removeAll(keepingCapacity: true) }
                    position += 1
                    k += 1
                    continue
                }
                // A compound is a chain of units joined by hyphens.
                units.removeAll(keepingCapacity: true)
                unitTermRanges.removeAll(keepingCapacity: true)
                unitBytes.removeAll(keepingCapacity: true)
                while true {
                    let unit = makeUnit(pieces, from: k, folded: folded)
                    units.append(unit)
                    k = unit.last + 1
                    let tail = pieces[unit.last]
                    guard tail.trailing == .hyphen, tail.joinsNext, k < pieces.count else { break }
                }
                let lastPiece = pieces[units[units.count - 1].last]

                if units.count == 1 {
                    let unit = units[0]
                    let range = unitTermRanges[0]
                    emit(range, position: position, start: unit.start, end: unit.end, kind: .word)
                    if lastPiece.trailing == .hyphen, !lastPiece.joinsNext {
                        suspended.append(Suspended(term: Array(unitBytes[range]), start: unit.start, position: position))
                    } else if !unitBytes.withUnsafeBufferPointer({ Self.isConjunction(UnsafeBufferPointer(rebasing: $0[range])) }) {
                        suspended.removeAll(keepingCapacity: true)
                    }
                    position += 1
                    continue
                }

                let firstPosition = position
                for (index, unit) in units.enumerated() {
                    emit(unitTermRanges[index], position: position, start: unit.start, end: unit.end, kind: .word)
                    position += 1
                }
                let start = units[0].start
                let end = units[units.count - 1].end
                if !units.allSatisfy(\.allDigits) {
                    joined.removeAll(keepingCapacity: true)
                    for range in unitTermRanges { joined.append(contentsOf: unitBytes[range]) }
                    emitJoined(position: firstPosition, start: start, end: end, kind: .joined)
                }
                // Complete suspended words with everything after the compound's first part.
                for word in suspended {
                    joined.removeAll(keepingCapacity: true)
                    joined.append(contentsOf: word.term)
                    for range in unitTermRanges.dropFirst() { joined.append(contentsOf: unitBytes[range]) }
                    emitJoined(position: word.position, start: word.start, end: end, kind: .expanded)
                }
                suspended.removeAll(keepingCapacity: true)
                if lastPiece.trailing == .hyphen, !lastPiece.joinsNext {
                    // `it-sikkerheds- og …`: the whole compound is suspended.
                    joined.removeAll(keepingCapacity: true)
                    for range in unitTermRanges { joined.append(contentsOf: unitBytes[range]) }
                    suspended.append(Suspended(term: joined, start: start, position: firstPosition))
                }
            }
        }

        func emit(_ range: Range<Int>, position: Int32, start: Int32, end: Int32, kind: AnalyzedToken.Kind) {
            let (term, stem) = unitBytes.withUnsafeBufferPointer {
                cache.termAndStem(UnsafeBufferPointer(rebasing: $0[range]), language: language)
            }
            tokens.append(AnalyzedToken(term: term, stem: stem, position: position, start: start, end: end, kind: kind))
        }

        func emitJoined(position: Int32, start: Int32, end: Int32, kind: AnalyzedToken.Kind) {
            let (term, stem) = joined.withUnsafeBufferPointer { cache.termAndStem($0, language: language) }
            tokens.append(AnalyzedToken(term: term, stem: stem, position: position, start: start, end: end, kind: kind))
        }
    }

    /// The unit starting at piece `k`: a number, a short `&`/`/` group, or the piece alone.
    /// Its folded term is appended to `unitBytes`.
    private mutating func makeUnit(_ pieces: ScratchBuffer<Piece>, from k: Int, folded: ScratchBuffer<UInt8>) -> Unit {
        var last = k
        while pieces[last].allDigits, pieces[last].trailing == .point, pieces[last].joinsNext,
              last + 1 < pieces.count, pieces[last + 1].allDigits {
            last += 1
        }
        if last == k {
            while pieces[last].scalarCount <= 2, pieces[last].trailing == .ampersand || pieces[last].trailing == .slash,
                  pieces[last].joinsNext, last + 1 < pieces.count, pieces[last + 1].scalarCount <= 2 {
                last += 1
            }
        }
        let termStart = unitBytes.count
        var allDigits = true
        for index in k...last {
            let piece = pieces[index]
            if index > k { unitBytes.append(pieces[index - 1].trailingByte) }
            unitBytes.append(contentsOf: folded.slice(Int(piece.termStart)..<Int(piece.termEnd)))
            allDigits = allDigits && piece.allDigits
        }
        unitTermRanges.append(termStart..<unitBytes.count)
        return Unit(first: k, last: last, start: pieces[k].start, end: pieces[last].end, allDigits: allDigits)
    }

    private static func isConjunction(_ term: UnsafeBufferPointer<UInt8>) -> Bool {
        guard term.count >= 2, term.count <= 5 else { return false }
        return conjunctions.contains { word in word.count == term.count && word.elementsEqual(term) }
    }
}
