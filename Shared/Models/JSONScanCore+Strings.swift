extension JSONScanCore {
    /// At an opening quote: scans to just past the closing quote, checking escapes, control
    /// characters and UTF-8. Returns whether the string contains escapes.
    mutating func scanString() throws(JSONError) -> Bool {
        let open = i
        i += 1
        var escaped = false
        while true {
            // Fast path: skip 8 bytes at a time while none is '"', '\', a control character or
            // non-ASCII; on a hit, jump straight to the first such byte.
            while i &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let mask = Self.specialBytes(in: word)
                if mask == 0 {
                    i &+= 8
                    continue
                }
                i &+= mask.trailingZeroBitCount &>> 3
                break
            }
            guard i < end else { throw unterminatedString(startingAt: open) }
            let byte = base[i]
            if byte == UInt8(ascii: "\"") {
                i += 1
                return escaped
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape(inStringAt: open)
            } else if byte < 0x20 {
                throw error(.invalidJSON,
                            "control character \(Self.codePoint(UInt32(byte))) must be escaped in a string",
                            at: i)
            } else if byte < 0x80 {
                i += 1
            } else if byte &- 0xC2 < 0x1E && i + 1 < end && base[i + 1] & 0xC0 == 0x80 {
                i += 2  // a well-formed 2-byte sequence (æ, ø, å, é…): the common case in Danish text
            } else {
                i += try validateUTF8Sequence()
            }
        }
    }

    /// Flags (in bit 7 of each byte) every byte that is '"', '\', below 0x20 or at/above 0x80.
    /// Bits above the lowest flagged byte may be false positives (borrows), the lowest never is.
    @inline(__always)
    static func specialBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let controlOrHigh = (word &- ones &* 0x20) | word
        return (zeroQuote | zeroBackslash | controlOrHigh) & highs
    }

    /// At a backslash inside a string: checks one escape (a `\u` surrogate pair counts as one).
    mutating func scanEscape(inStringAt open: Int) throws(JSONError) {
        guard i + 1 < end else { throw unterminatedString(startingAt: open) }
        switch base[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            let unit = try hexEscape(at: i)
            switch unit {
            case 0xD800...0xDBFF:
                let next = i + 6
                guard next + 1 < end, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u")
                else { throw loneSurrogate(unit) }
                let low = try hexEscape(at: next)
                guard (0xDC00...0xDFFF).contains(low) else { throw loneSurrogate(unit) }
                i = next + 6
            case 0xDC00...0xDFFF:
                throw loneSurrogate(unit)
            default:
                i += 6
            }
        default:
            let escapeStart = i
            i += 1
            let what = try describeCharacter()
            // `what` is `'q'` or `'ø' (U+00F8)` for a visible character: put the backslash inside.
            let shown = what.hasPrefix("'") ? "'\\" + what.dropFirst() : "'\\' followed by \(what)"
            throw error(.invalidJSON, "invalid escape \(shown)", at: escapeStart)
        }
    }

    /// Reads the four hex digits of the `\u` escape whose backslash is at `start`.
    private func hexEscape(at start: Int) throws(JSONError) -> UInt32 {
        guard start + 6 <= end else {
            throw error(.invalidJSON, "expected 4 hex digits after '\\u'", at: start)
        }
        var unit: UInt32 = 0
        for k in 2..<6 {
            let b = base[start + k]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error(.invalidJSON, "expected 4 hex digits after '\\u'", at: start)
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    private func loneSurrogate(_ unit: UInt32) -> JSONError {
        let hex = String(unit, radix: 16, uppercase: true)
        return error(.invalidJSON,
                     "lone surrogate escape '\\u\(hex)' (a surrogate pair \\uD800-\\uDBFF \\uDC00-\\uDFFF was expected)",
                     at: i)
    }

    private func unterminatedString(startingAt open: Int) -> JSONError {
        error(.invalidJSON, "unterminated string starting", at: open)
    }

    /// At a byte ≥ 0x80: checks one UTF-8 sequence and returns its length, without moving.
    mutating func validateUTF8Sequence() throws(JSONError) -> Int {
        let lead = base[i]
        let continuations: Int
        // The range allowed for the second byte excludes overlongs, surrogates and > U+10FFFF.
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: continuations = 2
        case 0xED: continuations = 2; high = 0x9F
        case 0xF0: continuations = 3; low = 0x90
        case 0xF1...0xF3: continuations = 3
        case 0xF4: continuations = 3; high = 0x8F
        case 0x80...0xBF:
            throw utf8Error("unexpected continuation byte \(Self.hexByte(lead))")
        case 0xC0, 0xC1:
            throw utf8Error("overlong encoding (lead byte \(Self.hexByte(lead)))")
        case 0xF5...0xF7:
            throw utf8Error("code point above U+10FFFF (lead byte \(Self.hexByte(lead)))")
        default:
            throw utf8Error("byte \(Self.hexByte(lead)) never appears in UTF-8")
        }
        for k in 1...continuations {
            guard i + k < end, base[i + k] & 0xC0 == 0x80 else {
                throw utf8Error("truncated sequence (lead byte \(Self.hexByte(lead)) needs \(continuations) continuation bytes)")
            }
        }
        let second = base[i + 1]
        if second < low {
            throw utf8Error("overlong encoding (\(Self.hexByte(lead)) \(Self.hexByte(second)))")
        }
        if second > high {
            throw utf8Error(lead == 0xED
                ? "encoded surrogate (\(Self.hexByte(lead)) \(Self.hexByte(second)), U+D800-U+DFFF)"
                : "code point above U+10FFFF (\(Self.hexByte(lead)) \(Self.hexByte(second)))")
        }
        return continuations + 1
    }

    private func utf8Error(_ what: String) -> JSONError {
        error(.invalidUTF8, "invalid UTF-8: \(what)", at: i)
    }
}
