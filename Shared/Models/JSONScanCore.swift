/// The validating state machine behind ``JSONScanner``: one pass over raw bytes, no recursion
/// (an explicit container stack bounded by `maxDepth`), no bounds checks.
///
/// Positions are indices from `base`; columns in errors count from `base` too (see ``JSONError``).
struct JSONScanCore {
    struct Outcome {
        var kind: JSONKind
        var range: Range<Int>
        var members: [JSONMember]
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, maxDepth: Int) {
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
        self.i = start
    }

    mutating func scan(collectMembers: Bool) throws(JSONError) -> Outcome {
        skipWhitespace()
        guard i < end else {
            throw error(.invalidJSON, "expected a JSON value, the line is empty", at: i)
        }
        let valueStart = i
        let topKind = Self.kind(of: base[i])
        let collecting = collectMembers && topKind == .object
        var members: [JSONMember] = []
        if collecting { members.reserveCapacity(16) }

        // isObject[d] says whether the container at depth d is an object (else an array).
        // One small allocation per scan; the cap keeps an absurd maxDepth from allocating absurdly.
        let capacity = maxDepth < 1 << 20 ? maxDepth + 2 : 1 << 20
        let isObject = UnsafeMutablePointer<Bool>.allocate(capacity: capacity)
        defer { isObject.deallocate() }
        var depth = 0

        // The member being scanned at depth 1 (only when collecting).
        var memberKey = ""
        var memberStart = 0

        valueLoop: while true {
            // Here: whitespace skipped, a value is expected at i.
            guard i < end else { throw endOfLine(expecting: "a JSON value") }
            if collecting && depth == 1 { memberStart = i }
            let byte = base[i]
            switch byte {
            case UInt8(ascii: "{"):
                depth += 1
                guard depth <= maxDepth, depth < capacity else { throw tooDeep() }
                isObject[depth] = true
                i += 1
                skipWhitespace()
                if i < end && base[i] == UInt8(ascii: "}") {
                    i += 1
                    depth -= 1
                } else {
                    try scanMemberName(record: collecting && depth == 1, into: &memberKey)
                    continue valueLoop
                }
            case UInt8(ascii: "["):
                depth += 1
                guard depth <= maxDepth, depth < capacity else { throw tooDeep() }
                isObject[depth] = false
                i += 1
                skipWhitespace()
                if i < end && base[i] == UInt8(ascii: "]") {
                    i += 1
                    depth -= 1
                } else {
                    continue valueLoop
                }
            case UInt8(ascii: "\""):
                _ = try scanString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try scanNumber()
            case UInt8(ascii: "t"):
                try scanLiteral("true")
            case UInt8(ascii: "f"):
                try scanLiteral("false")
            case UInt8(ascii: "n"):
                try scanLiteral("null")
            default:
                throw try unexpected(expecting: "a JSON value")
            }

            // A value just ended at i. Close containers and find where the next value starts.
            while true {
                if depth == 0 { break valueLoop }
                if collecting && depth == 1 {
                    members.append(JSONMember(key: memberKey, kind: Self.kind(of: base[memberStart]),
                                              range: memberStart..<i))
                }
                skipWhitespace()
                if isObject[depth] {
                    guard i < end else { throw endOfLine(expecting: "',' or '}'") }
                    let c = base[i]
                    if c == UInt8(ascii: ",") {
                        i += 1
                        skipWhitespace()
                        try scanMemberName(record: collecting && depth == 1, into: &memberKey)
                        continue valueLoop
                    }
                    guard c == UInt8(ascii: "}") else { throw try unexpected(expecting: "',' or '}'") }
                } else {
                    guard i < end else { throw endOfLine(expecting: "',' or ']'") }
                    let c = base[i]
                    if c == UInt8(ascii: ",") {
                        i += 1
                        skipWhitespace()
                        continue valueLoop
                    }
                    guard c == UInt8(ascii: "]") else { throw try unexpected(expecting: "',' or ']'") }
                }
                i += 1
                depth -= 1
            }
        }

        let valueEnd = i
        skipWhitespace()
        guard i == end else {
            if base[i] >= 0x80 { _ = try validateUTF8Sequence() }  // bad bytes are bad UTF-8 first
            throw error(.invalidJSON, "trailing characters after the JSON value", at: i)
        }
        return Outcome(kind: topKind, range: valueStart..<valueEnd, members: members)
    }

    // MARK: Pieces

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// At a member name: scans `"name"`, whitespace, `:` and whitespace. When `record` is set, the
    /// decoded name is stored in `key`.
    @inline(__always)
    mutating func scanMemberName(record: Bool, into key: inout String) throws(JSONError) {
        guard i < end else { throw endOfLine(expecting: "a member name in double quotes") }
        guard base[i] == UInt8(ascii: "\"") else {
            throw try unexpected(expecting: "a member name in double quotes")
        }
        let nameStart = i
        let escaped = try scanString()
        if record {
            key = escaped
                ? JSONDecoding.string(base, from: nameStart + 1, to: i - 1)
                : JSONDecoding.plainString(base, from: nameStart + 1, to: i - 1)
        }
        skipWhitespace()
        guard i < end else { throw endOfLine(expecting: "':'") }
        guard base[i] == UInt8(ascii: ":") else { throw try unexpected(expecting: "':'") }
        i += 1
        skipWhitespace()
    }

    mutating func scanNumber() throws(JSONError) {
        let start = i
        if base[i] == UInt8(ascii: "-") {
            i += 1
            guard i < end, Self.isDigit(base[i]) else {
                throw error(.invalidJSON, "expected a digit after '-' in number", at: i)
            }
        }
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < end && Self.isDigit(base[i]) {
                throw error(.invalidJSON, "leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while i < end && Self.isDigit(base[i]) { i += 1 }
        }
        if i < end && base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, Self.isDigit(base[i]) else {
                throw error(.invalidJSON, "expected a digit after '.' in number", at: i)
            }
            while i < end && Self.isDigit(base[i]) { i += 1 }
        }
        if i < end && (base[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < end && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < end, Self.isDigit(base[i]) else {
                throw error(.invalidJSON, "expected a digit in the number's exponent", at: i)
            }
            while i < end && Self.isDigit(base[i]) { i += 1 }
        }
    }

    mutating func scanLiteral(_ literal: StaticString) throws(JSONError) {
        let length = literal.utf8CodeUnitCount
        let matches = i + length <= end && literal.withUTF8Buffer { expected in
            for k in 0..<length where base[i + k] != expected[k] { return false }
            return true
        }
        guard matches else {
            throw error(.invalidJSON, "expected '\(literal)'", at: i)
        }
        i += length
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    static func kind(of first: UInt8) -> JSONKind {
        switch first {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }
}
