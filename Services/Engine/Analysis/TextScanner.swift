/// A maximal run of word characters in the original text, with its folded bytes.
struct Piece {
    /// UTF-8 byte offsets in the original text (half-open).
    var start: Int32
    var end: Int32
    /// Range of the folded term in the scanner's `folded` buffer.
    var termStart: Int32
    var termEnd: Int32
    /// Characters in the run (for the "short runs join with `&` and `/`" rule).
    var scalarCount: Int32
    var allDigits: Bool
    /// The joining character right after the run, `.separator` if none.
    var trailing: ScalarClass
    /// Its byte, for `.` and `,` between digits, `&` and `/`.
    var trailingByte: UInt8
    /// Whether a word character follows the joining character directly (`tech-ambassadør`,
    /// not the suspended `cyber- og`).
    var joinsNext: Bool
}

/// First pass of the analyzer: splits UTF-8 text into pieces and folds each one.
///
/// Works on bytes. ASCII is classified and lower-cased by table; letters from U+0080 to U+07FF
/// (all of Latin-1, Latin Extended, Greek, Cyrillic) fold through a precomputed table; a run with
/// a combining mark or a letter beyond U+07FF is folded by `TermFolding.fold`, the reference.
/// Apostrophes stay inside a run when a word character follows (`don't`, `usa's`).
struct TextScanner {
    let pieces = ScratchBuffer<Piece>()
    let folded = ScratchBuffer<UInt8>(capacity: 4096)

    /// The class and fold tables, as raw pointers for the length of one scan (reading the
    /// globals directly costs a lazy-initialisation check per character).
    private struct Tables {
        let classes: UnsafeBufferPointer<ScalarClass>
        let fold: UnsafeBufferPointer<UInt8>

        @inline(__always)
        func classOf(_ value: UInt32) -> ScalarClass {
            if value < 0x80 { return asciiClass(UInt8(truncatingIfNeeded: value)) }
            if value < 0x10000 { return classes[Int(value)] }
            return scalarClass(value)
        }
    }

    func reset() {
        pieces.count = 0
        folded.count = 0
    }

    func scan(_ text: UnsafeBufferPointer<UInt8>) {
        scalarClassTable.withUnsafeBufferPointer { classes in
            fastFoldTable.withUnsafeBufferPointer { fold in
                let tables = Tables(classes: classes, fold: fold)
                folded.reserve(text.count + 16)
                let n = text.count
                var i = 0
                while i < n {
                    let byte = text[i]
                    if byte < 0x80 {
                        let kind = asciiClass(byte)
                        if kind == .fastLetter || kind == .digit {
                            i = scanPiece(text, from: i, tables)
                        } else {
                            i += 1
                        }
                        continue
                    }
                    let (value, length) = decode(text, at: i)
                    let kind = tables.classOf(value)
                    if kind.isWordCharacter, kind != .ignorable {
                        i = scanPiece(text, from: i, tables)
                    } else {
                        i += length
                    }
                }
            }
        }
    }

    /// Scans one piece starting at a word character; returns where scanning resumes.
    private func scanPiece(_ text: UnsafeBufferPointer<UInt8>, from start: Int, _ tables: Tables) -> Int {
        let n = text.count
        let termStart = folded.count
        var slow = false
        var scalars: Int32 = 0
        var allDigits = true
        var j = start
        // Most words are ASCII letters and digits: folded straight into the buffer, its count
        // kept in a register (at most one byte out per byte in, so reserving the rest of the
        // text is enough).
        do {
            folded.reserve(n - start)
            let first = folded.base + folded.count
            var out = first
            while j < n {
                let byte = text[j]
                let lowered = byte | 0x20
                if lowered &- 0x61 < 26 {
                    out.pointee = lowered
                    allDigits = false
                } else if byte &- 0x30 < 10 {
                    out.pointee = byte
                } else {
                    break
                }
                out += 1
                j += 1
            }
            folded.count += out - first
            scalars = Int32(truncatingIfNeeded: j - start)
        }
        // The rest of the piece (an apostrophe, letters beyond ASCII), character by character.
        scanning: while j < n {
            let byte = text[j]
            if byte < 0x80 {
                let lowered = byte | 0x20
                if lowered &- 0x61 < 26 {
                    folded.append(lowered)
                    allDigits = false
                } else if byte &- 0x30 < 10 {
                    folded.append(byte)
                } else if asciiClass(byte) == .apostrophe, startsWord(text, at: j + 1, tables) {
                    folded.append(byte)
                    allDigits = false
                } else {
                    break scanning
                }
                scalars += 1
                j += 1
                continue
            }
            let (value, length) = decode(text, at: j)
            let kind = tables.classOf(value)
            switch kind {
            case .fastLetter:
                if !slow { slow = !appendFast(value, tables) }
                scalars += 1
            case .slowLetter, .mark:
                slow = true
                scalars += 1
            case .ignorable:
                break
            case .apostrophe where startsWord(text, at: j + length, tables):
                folded.append(UInt8(ascii: "'"))
                scalars += 1
            default:
                break scanning
            }
            allDigits = false
            j += length
        }
        let end = j
        if slow {
            folded.count = termStart
            let original = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
            var term = TermFolding.fold(original)
            term.withUTF8 { folded.append(contentsOf: $0) }
        }
        guard folded.count > termStart else { return end }

        var piece = Piece(
            start: Int32(start), end: Int32(end), termStart: Int32(termStart), termEnd: Int32(folded.count),
            scalarCount: scalars, allDigits: allDigits, trailing: .separator, trailingByte: 0, joinsNext: false)
        if end < n {
            let (value, length) = decode(text, at: end)
            let kind = tables.classOf(value)
            switch kind {
            case .hyphen, .ampersand, .slash, .point:
                piece.trailing = kind
                piece.trailingByte = value < 0x80 ? UInt8(value) : UInt8(ascii: "-")
                piece.joinsNext = startsWord(text, at: end + length, tables)
            default:
                break
            }
        }
        pieces.append(piece)
        return end
    }

    /// Appends the folded bytes of a fast-table scalar; false when it needs the slow path.
    @inline(__always)
    private func appendFast(_ value: UInt32, _ tables: Tables) -> Bool {
        let base = Int(value) &* 8
        let length = tables.fold[base]
        if length == 0xFF { return false }
        var k = 0
        while k < Int(length) {
            folded.append(tables.fold[base + 1 + k])
            k += 1
        }
        return true
    }

    /// Whether a letter or digit starts at byte `index`.
    @inline(__always)
    private func startsWord(_ text: UnsafeBufferPointer<UInt8>, at index: Int, _ tables: Tables) -> Bool {
        guard index < text.count else { return false }
        let (value, _) = decode(text, at: index)
        switch tables.classOf(value) {
        case .fastLetter, .digit, .slowLetter: return true
        default: return false
        }
    }
}

/// The class of an ASCII byte (mirrors `ScalarClass.classify`, without a table).
@inline(__always)
func asciiClass(_ byte: UInt8) -> ScalarClass {
    if (byte | 0x20) &- 0x61 < 26 { return .fastLetter }
    switch byte {
    case 0x30...0x39: return .digit
    case 0x27: return .apostrophe
    case 0x2D: return .hyphen
    case 0x26: return .ampersand
    case 0x2F: return .slash
    case 0x2E, 0x2C: return .point
    default: return .separator
    }
}

/// Decodes the scalar at `index` of valid UTF-8 (Swift strings always are): value and length.
@inline(__always)
func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
    let b0 = UInt32(text[index])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 {
        return (((b0 & 0x1F) << 6) | (UInt32(text[index + 1]) & 0x3F), 2)
    }
    if b0 < 0xF0 {
        return (((b0 & 0x0F) << 12) | ((UInt32(text[index + 1]) & 0x3F) << 6) | (UInt32(text[index + 2]) & 0x3F), 3)
    }
    return (((b0 & 0x07) << 18) | ((UInt32(text[index + 1]) & 0x3F) << 12)
        | ((UInt32(text[index + 2]) & 0x3F) << 6) | (UInt32(text[index + 3]) & 0x3F), 4)
}
