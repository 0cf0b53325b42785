// Error construction lives apart from the scanning so the hot paths stay readable; none of this
// runs unless a line is being rejected.
extension JSONScanCore {
    /// An error at byte `offset`, with "at column N" appended to `what`.
    func error(_ code: ErrorCode, _ what: String, at offset: Int) -> JSONError {
        let column = Self.column(of: offset, base: base)
        return JSONError(code: code, message: "\(what) at column \(column)", offset: offset, column: column)
    }

    func endOfLine(expecting what: String) -> JSONError {
        error(.invalidJSON, "unexpected end of line, expected \(what)", at: end)
    }

    func tooDeep() -> JSONError {
        var tooDeep = error(.invalidJSON, "nesting deeper than \(maxDepth) levels of arrays and objects", at: i)
        tooDeep.nestingTooDeep = true
        return tooDeep
    }

    /// The error for an unexpected character at `i`; invalid UTF-8 there is reported as such.
    mutating func unexpected(expecting what: String) throws(JSONError) -> JSONError {
        let found = try describeCharacter()
        return error(.invalidJSON, "expected \(what), found \(found)", at: i)
    }

    /// The character at `i` for a message: `'x'`, `'ø' (U+00F8)`, `control character U+0001`.
    /// Throws the UTF-8 error when the bytes there are not a valid character.
    mutating func describeCharacter() throws(JSONError) -> String {
        let byte = base[i]
        if byte < 0x20 || byte == 0x7F { return "control character \(Self.codePoint(UInt32(byte)))" }
        if byte < 0x80 { return "'\(Character(Unicode.Scalar(byte)))'" }
        let length = try validateUTF8Sequence()
        var value = UInt32(byte) & (0xFF >> (length + 1))
        for k in 1..<length { value = value << 6 | UInt32(base[i + k] & 0x3F) }
        guard let scalar = Unicode.Scalar(value) else { return Self.codePoint(value) }
        return "'\(Character(scalar))' (\(Self.codePoint(value)))"
    }

    /// 1-based column of byte `offset`, counted in Unicode scalars from `base`: every byte that is
    /// not a UTF-8 continuation byte starts one.
    static func column(of offset: Int, base: UnsafePointer<UInt8>) -> Int {
        var column = 1
        for k in 0..<offset where base[k] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    static func column(of offset: Int, in bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 1 }
            return column(of: offset, base: base)
        }
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }

    static func codePoint(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
