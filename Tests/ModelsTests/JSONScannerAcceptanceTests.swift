import Testing
@testable import TidendeModels

/// JSONTestSuite-style cases: `y_` must be accepted, `n_` rejected as invalid JSON.
@Suite struct JSONScannerAcceptanceTests {
    static let accepted: [String] = [
        // structure
        #"{}"#, #"[]"#, #"{"a":1}"#, #"[1,2,3]"#, #"{"a":{"b":[{}, [], {"c":null}]}}"#,
        #"[[]]"#, #"[{}]"#, #"{"":""}"#, #"{"a":1,"a":2}"#,
        // scalars at the top level are valid JSON (just not documents)
        #"1"#, #""x""#, #"true"#, #"false"#, #"null"#, #"-0"#,
        // numbers
        #"[0]"#, #"[-0]"#, #"[0.5]"#, #"[-12.25e+3]"#, #"[1E10]"#, #"[1e-7]"#, #"[1e007]"#,
        #"[123456789012345678901234567890]"#, #"[1.7976931348623157e308]"#, #"[0e0]"#, #"[-0.0E-0]"#,
        // strings and escapes
        #"[""]"#, #"["\"\\\/\b\f\n\r\t"]"#, #"["\u0000"]"#, #"["\u00e6\u00F8"]"#,
        #"["\uD83D\uDE00"]"#, #"["\ud834\udd1e"]"#, #"["a/b"]"#, #"["\u2028\u2029"]"#,
        "[\"\u{7F}\"]", "[\"æøå ÆØÅ – “citat” 😀 中文\"]",
        // whitespace
        " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\r\n", "{}\r", " [ ] ",
    ]

    static let rejected: [String] = [
        // structure
        #"{"#, #"}"#, #"["#, #"]"#, #"[1,]"#, #"[,1]"#, #"{"a":1,}"#, #"{,}"#, #"{"a"}"#,
        #"{"a" 1}"#, #"{"a":}"#, #"{a:1}"#, #"{'a':1}"#, #"[1 2]"#, #"{"a":1 "b":2}"#, #"[1]]"#,
        #"[1]x"#, #"{} {}"#, #"[}"#, #"{]"#, #"{"a":1]"#, #"[1}"#, #"{1:2}"#, #"[1,,2]"#,
        "", "   ", "\u{0C}[]", "[]\u{0B}", "\u{A0}[]",
        // numbers
        #"[01]"#, #"[-01]"#, #"[+1]"#, #"[.5]"#, #"[1.]"#, #"[1.e3]"#, #"[1e]"#, #"[1e+]"#, #"[-]"#,
        #"[0x10]"#, #"[Infinity]"#, #"[NaN]"#, #"[-Infinity]"#, #"[1_000]"#, #"[1.5.5]"#, #"[--1]"#,
        #"[00]"#, #"[1e1.5]"#,
        // literals
        #"[tru]"#, #"[True]"#, #"[nul]"#, #"[fals]"#, #"[nulll]"#, #"[undefined]"#,
        // strings
        #"["abc"#, #"[""#, #"["\"]"#, #"["\q"]"#, #"["\x41"]"#, #"["\u12"]"#, #"["\u12G4"]"#,
        #"["\uD800"]"#, #"["\uDC00"]"#, #"["\uD800\u0041"]"#, #"["\uDBFF\uD800"]"#, #"["\uD800\"]"#,
        "[\"a\tb\"]", "[\"a\nb\"]", "[\"\u{01}\"]", "[\"\u{1F}\"]", #"['a']"#, "[\"\\\u{0A}\"]",
    ]

    @Test(arguments: accepted)
    func accepts(_ text: String) {
        #expect(scanError(text) == nil, "should accept \(text.debugDescription)")
    }

    @Test(arguments: rejected)
    func rejects(_ text: String) {
        let error = scanError(text)
        #expect(error?.code == .invalidJSON, "should reject \(text.debugDescription): \(String(describing: error))")
    }

    @Test func nestingLimitIsEnforcedAtTheLimit() {
        let atLimit = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        let overLimit = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(scanError(atLimit) == nil)
        let error = scanError(overLimit)
        #expect(error?.code == .invalidJSON)
        #expect(error?.message == "nesting deeper than 128 levels of arrays and objects at column 129")
        #expect(error?.nestingTooDeep == true)

        let objects = String(repeating: #"{"a":"#, count: 5) + "1" + String(repeating: "}", count: 5)
        #expect(scanError(objects, maxDepth: 5) == nil)
        #expect(scanError(objects, maxDepth: 4)?.message.hasPrefix("nesting deeper than 4 levels") == true)
    }

    /// Only the depth error is marked: the query port tells JSON too deep to take from text that
    /// merely opens with `[` by it.
    @Test func onlyTheDepthErrorIsMarkedTooDeep() {
        #expect(scanError(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))?.nestingTooDeep == true)
        #expect(scanError("[VIDEO] cyberangreb")?.nestingTooDeep == false)
        #expect(scanError("[1,]")?.nestingTooDeep == false)
        #expect(scanError("[[x" + String(repeating: "[", count: 200))?.nestingTooDeep == false)
    }

    @Test func deepNestingFarBeyondTheLimitDoesNotCrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(scanError(deep)?.code == .invalidJSON)
    }

    @Test func validateAgreesWithScan() throws {
        for text in Self.accepted + Self.rejected {
            let input = bytes(text)
            let viaValidate: JSONKind? = input.withUnsafeBytes { try? JSONScanner().validate($0) }
            let viaScan = try? JSONScanner().scan(input).kind
            #expect(viaValidate == viaScan, "\(text.debugDescription)")
        }
    }

    @Test func stringsLongerThanTheFastPathWindowAreChecked() {
        // Problems at every position relative to the 8-byte fast path.
        for position in 0..<20 {
            let prefix = String(repeating: "a", count: position)
            #expect(scanError("[\"\(prefix)\"]") == nil)
            #expect(scanError("[\"\(prefix)\u{01}zzzzzzzzzz\"]")?.code == .invalidJSON)
            #expect(scanError("[\"\(prefix)\\u0041\\\"zzzzzzzz\"]") == nil)
            #expect(scanError("[\"\(prefix)ø𝄞zzzzzzzzzz\"]") == nil)
            var invalid = bytes("[\"\(prefix)")
            invalid += [0xFF] + bytes("zzzzzzzzzz\"]")
            #expect(scanError(invalid)?.code == .invalidUTF8)
            #expect(scanError("[\"\(prefix)")?.message == "unterminated string starting at column 2")
        }
    }
}
