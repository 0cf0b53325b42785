extension JSONValue {
    /// Parses one JSON text (strictly, as ``JSONScanner`` does: UTF-8, nesting limit, no lone
    /// surrogates). Numbers written as integers that fit `Int64` become `.integer`, all others
    /// `.number` (so do `-0`, to keep its sign, and integers too large for `Int64`).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) {
                return .success(try parse(raw, maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses one JSON text held in a string.
    public static func parse(_ text: String, maxDepth: Int = 128) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Parses one JSON text in place (e.g. a NIO `ByteBuffer`'s readable bytes), without copying it.
    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = 128) throws(JSONError) -> JSONValue {
        // Validate first, then build trusting the bytes: the rules and messages live in one place
        // (the scanner, which runs several times faster than building the tree does).
        _ = try JSONScanner(maxDepth: maxDepth).validate(buffer)
        var builder = JSONTreeBuilder(base: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                      index: 0, end: buffer.count)
        return builder.value()
    }
}

/// Builds a ``JSONValue`` from bytes already validated by the scanner (no checks, recursion bounded
/// by the validated nesting depth).
struct JSONTreeBuilder {
    let base: UnsafePointer<UInt8>
    /// One past the last byte that may be read.
    let end: Int
    var i: Int

    init(base: UnsafePointer<UInt8>, index: Int, end: Int) {
        self.base = base
        self.end = end
        self.i = index
    }

    mutating func value() -> JSONValue {
        skipWhitespace()
        switch base[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipWhitespace()
            if base[i] == UInt8(ascii: "}") {
                i += 1
                return .object([])
            }
            // Most objects in news documents and queries have a handful of members: one
            // allocation instead of growing through 1, 2, 4, 8.
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(8)
            while true {
                skipWhitespace()
                let key = string()
                skipWhitespace()
                i += 1  // ':'
                members.append((key, value()))
                skipWhitespace()
                let separator = base[i]
                i += 1
                if separator == UInt8(ascii: "}") { return .object(members) }
            }
        case UInt8(ascii: "["):
            i += 1
            skipWhitespace()
            if base[i] == UInt8(ascii: "]") {
                i += 1
                return .array([])
            }
            var elements: [JSONValue] = []
            elements.reserveCapacity(4)
            while true {
                elements.append(value())
                skipWhitespace()
                let separator = base[i]
                i += 1
                if separator == UInt8(ascii: "]") { return .array(elements) }
            }
        case UInt8(ascii: "\""):
            return .string(string())
        case UInt8(ascii: "t"):
            i += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            i += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            i += 4
            return .null
        default:
            return number()
        }
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < end {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// At an opening quote: the decoded string; moves past the closing quote.
    private mutating func string() -> String {
        let start = i + 1
        var k = start
        var escaped = false
        while true {
            // 8 bytes at a time while none is '"' or '\' (the text is known to be valid).
            while k &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self))
                let mask = Self.quoteOrBackslash(in: word)
                if mask == 0 {
                    k &+= 8
                    continue
                }
                k &+= mask.trailingZeroBitCount &>> 3
                break
            }
            let b = base[k]
            if b == UInt8(ascii: "\"") { break }
            if b != UInt8(ascii: "\\") {
                k += 1  // only near the end, where the fast path cannot load a whole word
                continue
            }
            escaped = true
            k += 2  // a backslash and the character it escapes (a \u's digits are plain bytes)
        }
        i = k + 1
        return escaped ? JSONDecoding.string(base, from: start, to: k)
                       : JSONDecoding.plainString(base, from: start, to: k)
    }

    @inline(__always)
    private static func quoteOrBackslash(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        return ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes) & (ones &* 0x80)
    }

    private mutating func number() -> JSONValue {
        let start = i
        var integral = true
        while i < end {
            let b = base[i]
            if b &- UInt8(ascii: "0") < 10 || b == UInt8(ascii: "-") {
                i += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                        || b == UInt8(ascii: "+") {
                integral = false
                i += 1
            } else {
                break
            }
        }
        let isNegativeZero = i - start == 2 && base[start] == UInt8(ascii: "-") && base[start + 1] == UInt8(ascii: "0")
        if integral && !isNegativeZero, let exact = JSONDecoding.int64(base, from: start, to: i) {
            return .integer(exact)
        }
        return .number(JSONDecoding.double(base, from: start, to: i))
    }
}
