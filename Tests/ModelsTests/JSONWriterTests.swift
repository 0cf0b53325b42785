import Testing
@testable import TidendeModels

@Suite struct JSONWriterTests {
    func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func buildsNestedStructuresWithCommasInPlace() {
        let out = text { w in
            w.object { w in
                w.member("ok", true)
                w.member("seq", 42)
                w.member("score", 1.5)
                w.nullMember("none")
                w.array("ids") { w in
                    w.value("a")
                    w.value(Int64(-7))
                    w.object { _ in }
                    w.array { _ in }
                }
                w.object("facets") { w in
                    w.object("type") { w in w.member("article", 3) }
                }
                w.rawMember("doc", bytes(#"{"id":"x"}"#))
            }
        }
        #expect(out == #"{"ok":true,"seq":42,"score":1.5,"none":null,"ids":["a",-7,{},[]],"facets":{"type":{"article":3}},"doc":{"id":"x"}}"#)
    }

    @Test func escapesStrings() {
        let out = text { w in w.value("q\"b\\n\nr\rt\tb\u{08}f\u{0C}z\u{00}e\u{1F}d\u{7F}æ😀/") }
        #expect(out == #""q\"b\\n\nr\rt\tb\bf\fz\u0000e\u001fd"# + "\u{7F}æ😀/\"")
    }

    @Test func writesNumbers() {
        #expect(text { $0.value(Int64.min) } == "-9223372036854775808")
        #expect(text { $0.value(Int64.max) } == "9223372036854775807")
        #expect(text { $0.value(0) } == "0")
        #expect(text { $0.value(UInt64.max) } == "18446744073709551615")
        #expect(text { $0.value(Int32.min) } == "-2147483648")
        #expect(text { $0.value(UInt8(255)) } == "255")
        #expect(text { $0.value(UInt.max) } == "18446744073709551615")
        #expect(text { $0.object { w in w.member("n", Int16(-3)) } } == #"{"n":-3}"#)
        #expect(text { $0.value(0.1) } == "0.1")
        #expect(text { $0.value(Double.nan) } == "null")
        #expect(text { $0.value(-Double.infinity) } == "null")
        for d in [0.1, 1e-5, 1e20, 1e300, -0.0, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 42.0, 123.456] {
            let written = text { $0.value(d) }
            #expect(scanError(written) == nil, "\(written)")
            guard case .number(let back)? = try? JSONValue.parse(written) else {
                Issue.record("\(written) did not parse as a number")
                continue
            }
            #expect(back == d && back.sign == d.sign, "\(written)")
        }
    }

    @Test func newlinesAndReuse() {
        var w = JSONWriter()
        w.object { $0.member("a", 1) }
        w.newline()
        w.object { $0.member("b", 2) }
        #expect(String(decoding: w.bytes, as: UTF8.self) == "{\"a\":1}\n{\"b\":2}")
        let taken = w.takeBytes()
        #expect(taken.count == 15 && w.bytes.isEmpty)
        w.value(true)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "true")
        w.removeAll()
        w.value(false)
        #expect(w.withUnsafeBytes { Array($0) } == bytes("false"))
    }

    @Test func everyStringRoundTripsThroughTheParser() throws {
        // All of Basic Latin and Latin-1, both surrogate neighbourhoods, and astral characters.
        var scalars = (0...0x2FF).compactMap(Unicode.Scalar.init)
        scalars += [0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF].compactMap(Unicode.Scalar.init)
        var all = ""
        all.unicodeScalars.append(contentsOf: scalars)
        for sample in [all, "", "plain", String(all.reversed())] {
            var w = JSONWriter()
            w.value(sample)
            #expect(try JSONValue.parse(w.bytes) == .string(sample))
        }
    }

    @Test func escapesAtEveryPositionOfTheFastPath() throws {
        for position in 0..<20 {
            for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "ø", "😀"] {
                let sample = String(repeating: "a", count: position) + special + String(repeating: "b", count: 11)
                var w = JSONWriter()
                w.value(sample)
                let text = String(decoding: w.bytes, as: UTF8.self)
                #expect(!text.dropFirst().dropLast().contains { $0.asciiValue.map { $0 < 0x20 } ?? false })
                #expect(try JSONValue.parse(w.bytes) == .string(sample), "\(text)")
            }
        }
    }

    @Test func valuesRoundTrip() throws {
        let value: JSONValue = .object([
            ("id", .string("x")), ("n", .integer(-3)), ("d", .number(2.5)), ("b", .bool(false)),
            ("z", .null), ("a", .array([.integer(1), .array([]), .object([])])),
            ("dup", .integer(1)), ("dup", .integer(2)),
        ])
        let written = value.jsonBytes()
        #expect(value.jsonText == #"{"id":"x","n":-3,"d":2.5,"b":false,"z":null,"a":[1,[],{}],"dup":1,"dup":2}"#)
        #expect(try JSONValue.parse(written) == value)
    }
}
