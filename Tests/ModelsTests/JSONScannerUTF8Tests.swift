import Testing
@testable import TidendeModels

/// Every class of invalid UTF-8, inside strings and outside them.
@Suite struct JSONScannerUTF8Tests {
    /// Wraps raw bytes in a JSON string inside an array: `["…"]`.
    func inString(_ raw: [UInt8]) -> [UInt8] { bytes("[\"") + raw + bytes("\"]") }

    static let valid: [[UInt8]] = [
        [0xC2, 0x80], [0xDF, 0xBF],                 // 2-byte bounds
        [0xE0, 0xA0, 0x80], [0xEF, 0xBF, 0xBF],     // 3-byte bounds
        [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],     // around the surrogate gap
        [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],  // 4-byte bounds, U+10FFFF
        [0xEF, 0xBB, 0xBF],                         // U+FEFF inside a string is just a character
    ]

    static let invalid: [(String, [UInt8])] = [
        ("lone continuation 0x80", [0x80]),
        ("lone continuation 0xBF", [0xBF]),
        ("overlong C0", [0xC0, 0x80]),
        ("overlong C1", [0xC1, 0xBF]),
        ("overlong 3-byte", [0xE0, 0x80, 0x80]),
        ("overlong 3-byte high", [0xE0, 0x9F, 0xBF]),
        ("overlong 4-byte", [0xF0, 0x80, 0x80, 0x80]),
        ("overlong 4-byte high", [0xF0, 0x8F, 0xBF, 0xBF]),
        ("surrogate D800", [0xED, 0xA0, 0x80]),
        ("surrogate DFFF", [0xED, 0xBF, 0xBF]),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("F5 lead", [0xF5, 0x80, 0x80, 0x80]),
        ("F7 lead", [0xF7, 0xBF, 0xBF, 0xBF]),
        ("F8 lead", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ("FE", [0xFE]),
        ("FF", [0xFF]),
        ("truncated 2-byte", [0xC3]),
        ("truncated 3-byte", [0xE2, 0x82]),
        ("truncated 4-byte", [0xF0, 0x9F, 0x98]),
        ("2-byte then ASCII", [0xC3, 0x41]),
        ("3-byte then ASCII", [0xE2, 0x41, 0x82]),
        ("4-byte then quote", [0xF0, 0x9F, 0x98, 0x22]),
    ]

    @Test(arguments: valid)
    func acceptsValidSequences(_ raw: [UInt8]) {
        #expect(scanError(inString(raw)) == nil)
    }

    @Test(arguments: invalid.map(\.1))
    func rejectsInvalidSequencesInStrings(_ raw: [UInt8]) {
        let error = scanError(inString(raw))
        #expect(error?.code == .invalidUTF8, "\(raw): \(String(describing: error))")
        #expect(error?.offset == 2)
        #expect(error?.message.hasPrefix("invalid UTF-8: ") == true)
    }

    @Test(arguments: invalid.map(\.1))
    func rejectsInvalidSequencesOutsideStrings(_ raw: [UInt8]) {
        #expect(scanError([UInt8(ascii: "[")] + raw + [UInt8(ascii: "]")])?.code == .invalidUTF8)
        #expect(scanError(bytes("[1]") + raw)?.code == .invalidUTF8)
        #expect(scanError(bytes(#"{"a":1"#) + raw + bytes("}"))?.code == .invalidUTF8)
    }

    @Test func truncatedAtTheEndOfTheLine() {
        #expect(scanError(bytes("[\"") + [0xC3])?.code == .invalidUTF8)
        #expect(scanError(bytes("[\"") + [0xF0, 0x9F])?.code == .invalidUTF8)
    }

    @Test func messagesNameTheProblem() {
        #expect(scanError(inString([0xC0, 0xAF]))?.message == "invalid UTF-8: overlong encoding (lead byte 0xC0) at column 3")
        #expect(scanError(inString([0xED, 0xA0, 0x80]))?.message
                == "invalid UTF-8: encoded surrogate (0xED 0xA0, U+D800-U+DFFF) at column 3")
        #expect(scanError(inString([0xF4, 0x90, 0x80, 0x80]))?.message
                == "invalid UTF-8: code point above U+10FFFF (0xF4 0x90) at column 3")
        #expect(scanError(inString([0xE2, 0x82]))?.message
                == "invalid UTF-8: truncated sequence (lead byte 0xE2 needs 2 continuation bytes) at column 3")
        #expect(scanError(inString([0x80]))?.message == "invalid UTF-8: unexpected continuation byte 0x80 at column 3")
    }

    @Test func validMultibyteCharactersOutsideStringsAreJSONErrors() {
        let error = scanError("[ø]")
        #expect(error?.code == .invalidJSON)
        #expect(error?.message == "expected a JSON value, found 'ø' (U+00F8) at column 2")
    }

    @Test func exhaustiveTwoByteSequencesMatchTheStandardLibrary() {
        // Every lead byte with every second byte: our verdict equals Swift's own UTF-8 decoder's.
        for lead in UInt8(0x80)...0xFF {
            for second in UInt8(0x00)...0xFF where second != 0x22 && second != 0x5C && second >= 0x20 {
                let raw: [UInt8] = [lead, second, 0x80, 0x80]
                let ours = scanError(inString(raw))
                var decoder = UTF8()
                var iterator = raw.makeIterator()
                var swiftValid = true
                loop: while true {
                    switch decoder.decode(&iterator) {
                    case .scalarValue: continue
                    case .emptyInput: break loop
                    case .error: swiftValid = false; break loop
                    }
                }
                #expect((ours == nil) == swiftValid, "\(raw) ours=\(String(describing: ours))")
                if let ours { #expect(ours.code == .invalidUTF8) }
            }
        }
    }
}
