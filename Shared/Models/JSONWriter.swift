/// A small, fast JSON encoder that appends UTF-8 bytes to a `[UInt8]`.
///
/// Commas and colons are placed for you; you say what comes next:
///
/// ```swift
/// var w = JSONWriter()
/// w.object { w in
///     w.member("ok", true)
///     w.member("seq", 42)
///     w.array("ids") { w in w.value("a"); w.value(7) }
///     w.rawMember("doc", storedDocumentBytes)   // pre-validated JSON, copied as is
/// }
/// w.newline()
/// socket.write(w.bytes)   // or buffer.writeBytes(w.bytes) for a NIO ByteBuffer
/// ```
///
/// Strings are escaped minimally and correctly: `"` and `\`, `\n` `\r` `\t` `\b` `\f` in their short
/// forms, every other control character as `\u00XX`; everything else (including non-ASCII) is kept
/// as UTF-8. Doubles are written as their shortest round-trip text; NaN and infinities, which JSON
/// cannot express, are written as `null`.
///
/// The writer does not check that calls are balanced or that keys appear only inside objects:
/// it is a hot-path tool, and its callers are our own reply builders, covered by tests.
public struct JSONWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]
    /// True when the next value or key must be preceded by a comma.
    private var needsComma = false

    /// A writer whose buffer has room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Forgets what was written (keeping the buffer's capacity by default), to reuse the writer.
    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        needsComma = false
    }

    /// Hands over the bytes written so far and leaves the writer empty.
    public mutating func takeBytes() -> [UInt8] {
        defer { needsComma = false }
        let result = bytes
        bytes = []
        return result
    }

    /// Calls `body` with the bytes written so far (to copy them into a NIO `ByteBuffer` or a socket).
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        // Array.withUnsafeBytes is rethrows, not typed-throws: bridge through a Result.
        let result: Result<R, E> = bytes.withUnsafeBytes { raw in
            do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Appends a `\n` (between NDJSON lines) and starts a fresh top level.
    public mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    // MARK: Structure

    /// Starts an object `{`. Pair with ``endObject()``, or use ``object(_:)``.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Ends the current object `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Starts an array `[`. Pair with ``endArray()``, or use ``array(_:)``.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Ends the current array `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object value; `body` writes its members.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }

    /// Writes an array value; `body` writes its elements.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        beginArray()
        body(&self)
        endArray()
    }

    /// Writes a member name followed by `:`; the next value written is that member's value.
    public mutating func key(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Scalar values

    /// Writes `null`.
    public mutating func null() {
        separate()
        appendASCII("null")
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func value(_ value: Bool) {
        separate()
        appendASCII(value ? "true" : "false")
        needsComma = true
    }

    /// Writes a string, escaped.
    public mutating func value(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    /// Writes an integer.
    public mutating func value(_ value: Int) {
        self.value(Int64(value))
    }

    /// Writes an integer.
    public mutating func value(_ value: Int64) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
        needsComma = true
    }

    /// Writes an unsigned integer.
    public mutating func value(_ value: UInt64) {
        separate()
        appendDigits(value)
        needsComma = true
    }

    /// Writes an integer of any other width (`Int32`, `UInt16`…).
    public mutating func value<T: FixedWidthInteger>(_ value: T) {
        if let exact = Int64(exactly: value) {
            self.value(exact)
        } else {
            self.value(UInt64(truncatingIfNeeded: value))  // only unsigned values above Int64.max
        }
    }

    /// Writes a double as its shortest round-trip text (`0.1`, `42.0`, `1e-05`); NaN and ±infinity
    /// are written as `null`.
    public mutating func value(_ value: Double) {
        separate()
        if value.isFinite {
            // Swift's description is the shortest text that reads back to the same Double, and its
            // forms (`1e-05`, `1e+20`, `-0.0`) are all valid JSON numbers.
            bytes.append(contentsOf: value.description.utf8)
        } else {
            appendASCII("null")
        }
        needsComma = true
    }

    /// Copies already-valid JSON bytes (e.g. a stored document) as one value, without checking them.
    public mutating func raw(_ json: UnsafeRawBufferPointer) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Copies already-valid JSON bytes as one value, without checking them.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Copies already-valid JSON bytes as one value, without checking them.
    public mutating func raw(_ json: ArraySlice<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    // MARK: Internals

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    @inline(__always)
    private mutating func appendASCII(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendDigits(_ value: UInt64) {
        // Digits come out least significant first; write them backwards into a small stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var v = value
            var i = 20
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
                v /= 10
            } while v != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<20]))
        }
    }

    private mutating func appendQuoted(_ string: String) {
        if let done: Void = string.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) {
            return done
        }
        var copy = string  // not contiguous (e.g. bridged): withUTF8 makes it so
        copy.withUTF8 { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let count = utf8.count
        let base = utf8.baseAddress
        while i < count {
            // Everything but control characters, '"' and '\' is copied as is, in runs; the run
            // is extended 8 bytes at a time while no byte in the word needs escaping.
            if let base {
                while i &+ 8 <= count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    let mask = Self.bytesNeedingEscape(in: word)
                    if mask == 0 {
                        i &+= 8
                        continue
                    }
                    i &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                if i == count { break }
            }
            let byte = utf8[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            }
            appendEscape(for: byte)
            i += 1
            runStart = i
        }
        if runStart < count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Flags (bit 7 of each byte) the bytes that must be escaped: '"', '\' and below 0x20. Bytes
    /// ≥ 0x80 are not flagged (non-ASCII is copied as is). The lowest flag is always a true one.
    @inline(__always)
    private static func bytesNeedingEscape(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control) & (ones &* 0x80)
    }

    private mutating func appendEscape(for byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            hex.withUTF8Buffer { digits in
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
        }
    }
}
