import Testing
@testable import TidendeModels

/// Messages say what was expected and where; columns count characters, not bytes.
@Suite struct JSONScannerMessageTests {
    @Test(arguments: [
        (#"{"a":1 "b":2}"#, "expected ',' or '}', found '\"' at column 8"),
        (#"[1 2]"#, "expected ',' or ']', found '2' at column 4"),
        (#"{"title":"Hej","#, "unexpected end of line, expected a member name in double quotes at column 16"),
        (#"{"a":1"#, "unexpected end of line, expected ',' or '}' at column 7"),
        (#"{"a""#, "unexpected end of line, expected ':' at column 5"),
        (#"{"a" 1}"#, "expected ':', found '1' at column 6"),
        (#"{a:1}"#, "expected a member name in double quotes, found 'a' at column 2"),
        (#"{"a":}"#, "expected a JSON value, found '}' at column 6"),
        (#"{"a":"#, "unexpected end of line, expected a JSON value at column 6"),
        (#"{"title":"abc"#, "unterminated string starting at column 10"),
        (#"["ab\qc"]"#, "invalid escape '\\q' at column 5"),
        (#"["\u12"]"#, "expected 4 hex digits after '\\u' at column 3"),
        (#"["\uD83D"]"#, "lone surrogate escape '\\uD83D' (a surrogate pair \\uD800-\\uDBFF \\uDC00-\\uDFFF was expected) at column 3"),
        (#"{"a":1} x"#, "trailing characters after the JSON value at column 9"),
        (#"[01]"#, "leading zeros are not allowed in numbers at column 2"),
        (#"[1.]"#, "expected a digit after '.' in number at column 4"),
        (#"[1e+]"#, "expected a digit in the number's exponent at column 5"),
        (#"[-x]"#, "expected a digit after '-' in number at column 3"),
        (#"[tru]"#, "expected 'true' at column 2"),
        (#"[nulL]"#, "expected 'null' at column 2"),
        ("", "expected a JSON value, the line is empty at column 1"),
        ("[\"a\tb\"]", "control character U+0009 must be escaped in a string at column 4"),
        ("[\u{01}]", "expected a JSON value, found control character U+0001 at column 2"),
        ("[\"\\\u{0A}\"]", "invalid escape '\\' followed by control character U+000A at column 3"),
        (#"["\ø"]"#, "invalid escape '\\ø' (U+00F8) at column 3"),
    ])
    func message(_ input: String, _ expected: String) {
        #expect(scanError(input)?.message == expected)
    }

    @Test func columnsCountCharactersNotBytes() throws {
        // "æøå" is 6 bytes but 3 characters: the missing comma is at character column 16, byte 18.
        let input = #"{"title":"æøå" "body":"x"}"#
        let error = try #require(scanError(input))
        #expect(error.column == 16)
        #expect(error.offset == 18)
        #expect(error.message == "expected ',' or '}', found '\"' at column 16")
        // An emoji (4 bytes) is one column too.
        #expect(scanError(#"["😀" 1]"#)?.column == 6)
    }

    @Test func invalidUTF8ColumnIsTheLeadByte() {
        let input = bytes(#"{"name":"Søren "#) + [0xC3, 0x28] + bytes(#""}"#)
        let error = scanError(input)
        #expect(error?.code == .invalidUTF8)
        #expect(error?.column == 16)
    }

    @Test func notAnObjectIsItsOwnCode() throws {
        for (text, kind) in [("[1,2]", "an array"), ("\"x\"", "a string"), ("42", "a number"),
                             ("true", "a boolean"), ("null", "null")] {
            do {
                _ = try JSONScanner().scanObject(bytes(text))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == .notAnObject)
                #expect(error.message == "expected a JSON object ({…}), found \(kind)")
            }
        }
        // Broken JSON is still invalid_json, broken UTF-8 still invalid_utf8.
        #expect(throws: JSONError.self) { try JSONScanner().scanObject(bytes("[1,")) }
        do { _ = try JSONScanner().scanObject(bytes("[1,")) } catch { #expect(error.code == .invalidJSON) }
        do { _ = try JSONScanner().scanObject([0x5B, 0xFF, 0x5D]) } catch { #expect(error.code == .invalidUTF8) }
        #expect(try JSONScanner().scanObject(bytes(" {} ")).kind == .object)
    }

    @Test func jsonErrorConvertsToWireError() throws {
        let error = try #require(scanError("{"))
        #expect(error.wireError == WireError(.invalidJSON, error.message))
    }
}
