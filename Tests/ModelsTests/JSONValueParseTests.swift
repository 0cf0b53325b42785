import Testing
@testable import TidendeModels

@Suite struct JSONValueParseTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue.parse(#" {"a":[1,-2,3.5,-0,1e2,12345678901234567890,true,false,null,"s",{}], "b":{"c":"\u00e6"}} "#)
        #expect(value == .object([
            ("a", .array([.integer(1), .integer(-2), .number(3.5), .number(-0.0), .number(100),
                          .number(12345678901234567890.0), .bool(true), .bool(false), .null, .string("s"),
                          .object([])])),
            ("b", .object([("c", .string("æ"))])),
        ]))
        #expect(value["b"]?["c"] == .string("æ"))
    }

    @Test func integersAreExactAndNumbersAreNot() throws {
        guard case .integer(let max) = try JSONValue.parse("9223372036854775807"),
              case .integer(let min) = try JSONValue.parse("-9223372036854775808"),
              case .number = try JSONValue.parse("9223372036854775808"),
              case .number = try JSONValue.parse("1.0"),
              case .number(let negativeZero) = try JSONValue.parse("-0") else {
            Issue.record("wrong cases")
            return
        }
        #expect(max == .max && min == .min)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    @Test func doublesAreCorrectlyRounded() throws {
        // Compare with the standard library's parser across fast-path and slow-path shapes.
        let literals = ["0.1", "0.2", "0.30000000000000004", "1e22", "1e23", "9007199254740993.0",
                        "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308", "123456.789e-3",
                        "0.000001", "1e-22", "1.23456789012345678901234567890", "3.141592653589793238",
                        "-2.5E+10", "100000000000000000000000", "1e400", "1e-400", "0e10"]
        for literal in literals {
            guard case .number(let parsed) = try JSONValue.parse(literal) else {
                Issue.record("\(literal) not a number")
                continue
            }
            #expect(parsed == Double(literal)!, "\(literal)")
        }
    }

    @Test func stringsAtTheEndOfTheBufferAreSafe() throws {
        // Short and long strings ending exactly at the end of the input (no reads past it).
        for n in 0..<20 {
            let s = String(repeating: "x", count: n)
            #expect(try JSONValue.parse("\"\(s)\"") == .string(s))
            #expect(try JSONValue.parse("\"\(s)\\n\"") == .string(s + "\n"))
        }
    }

    @Test func errorsAreTheScannersErrors() {
        for input in ["", "[1,]", "{\"a\"}", "\"\\uDC00\""] {
            do {
                _ = try JSONValue.parse(input)
                Issue.record("accepted \(input)")
            } catch {
                #expect(error == scanError(input))
            }
        }
        do { _ = try JSONValue.parse([0x22, 0xC0, 0x80, 0x22]) } catch { #expect(error.code == .invalidUTF8) }
    }

    @Test func parsesInPlaceFromARawBuffer() throws {
        let input = bytes(#"{"q":"cyber ambassadør","limit":10}"#)
        let value = try input.withUnsafeBytes { raw throws(JSONError) in try JSONValue.parse(raw) }
        #expect(value["q"] == .string("cyber ambassadør"))
        #expect(value["limit"] == .integer(10))
    }
}
