/// Decoders for the bytes of values the scanner has already validated. They trust their input:
/// call them only on ranges that came out of a successful scan.
enum JSONDecoding {
    /// A string's contents (between the quotes) with no escapes: the bytes are the text.
    @inline(__always)
    static func plainString(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
    }

    /// A string's contents (between the quotes), escapes decoded, surrogate pairs joined.
    static func string(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> String {
        // Every escape is at least as long as what it stands for, so the raw length is enough room.
        return String(unsafeUninitializedCapacity: to - from) { out in
            let target = out.baseAddress!
            var r = from
            var w = 0
            while r < to {
                // Copy the run up to the next backslash in one go (bodies have long runs between
                // their "\n"s), finding it 8 bytes at a time.
                var k = r
                while k &+ 8 <= to {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self))
                    let flipped = word ^ 0x5C5C_5C5C_5C5C_5C5C
                    let mask = (flipped &- 0x0101_0101_0101_0101) & ~flipped & 0x8080_8080_8080_8080
                    if mask == 0 {
                        k &+= 8
                        continue
                    }
                    k &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                while k < to && base[k] != UInt8(ascii: "\\") { k += 1 }
                if k > r {
                    (target + w).update(from: base + r, count: k - r)
                    w += k - r
                    r = k
                }
                if r == to { break }
                let kind = base[r + 1]
                r += 2
                switch kind {
                case UInt8(ascii: "b"): out[w] = 0x08
                case UInt8(ascii: "f"): out[w] = 0x0C
                case UInt8(ascii: "n"): out[w] = 0x0A
                case UInt8(ascii: "r"): out[w] = 0x0D
                case UInt8(ascii: "t"): out[w] = 0x09
                case UInt8(ascii: "u"):
                    var scalar = hex4(base, at: r)
                    r += 4
                    if (0xD800...0xDBFF).contains(scalar), r + 6 <= to,
                       base[r] == UInt8(ascii: "\\"), base[r + 1] == UInt8(ascii: "u") {
                        let low = hex4(base, at: r + 2)
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            r += 6
                        }
                    }
                    // The scanner rejects lone surrogates; this keeps unchecked input harmless.
                    if (0xD800...0xDFFF).contains(scalar) { scalar = 0xFFFD }
                    w += writeUTF8(scalar, to: target + w)
                    continue
                default: out[w] = kind  // '"', '\\', '/'
                }
                w += 1
            }
            return w
        }
    }

    @inline(__always)
    private static func hex4(_ base: UnsafePointer<UInt8>, at start: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 {
            let b = base[start + k]
            let digit: UInt8 = b <= UInt8(ascii: "9") ? b &- UInt8(ascii: "0") : (b | 0x20) &- UInt8(ascii: "a") &+ 10
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private static func writeUTF8(_ scalar: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// The exact value of a number literal written as an integer (no `.`, no exponent) that fits
    /// `Int64`; nil otherwise.
    static func int64(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int64? {
        var k = from
        let negative = base[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        guard k < to else { return nil }
        var magnitude: UInt64 = 0
        while k < to {
            let digit = base[k] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1 && !o2 else { return nil }
            magnitude = sum
            k += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Exact powers of ten as doubles (10^0 … 10^22 are all representable).
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The nearest double to a validated number literal.
    static func double(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Double {
        // Fast path (Clinger): a mantissa of at most 15 significant digits and a power of ten up to
        // 22 are both exact doubles, so one multiplication or division rounds correctly.
        var k = from
        let negative = base[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawPoint = false
        var exact = true
        while k < to {
            let b = base[k]
            if b == UInt8(ascii: ".") {
                sawPoint = true
            } else if b &- UInt8(ascii: "0") < 10 {
                if mantissa != 0 || b != UInt8(ascii: "0") { digits += 1 }
                if digits > 15 { exact = false; break }
                mantissa = mantissa * 10 + UInt64(b &- UInt8(ascii: "0"))
                if sawPoint { scale -= 1 }
            } else {
                break  // 'e' or 'E'
            }
            k += 1
        }
        if exact && k < to {
            k += 1  // past 'e'
            var exponentNegative = false
            if base[k] == UInt8(ascii: "-") || base[k] == UInt8(ascii: "+") {
                exponentNegative = base[k] == UInt8(ascii: "-")
                k += 1
            }
            var exponent = 0
            while k < to && exponent < 10_000 {
                exponent = exponent * 10 + Int(base[k] &- UInt8(ascii: "0"))
                k += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }
        if exact && scale >= -22 && scale <= 22 {
            var value = Double(mantissa)
            value = scale < 0 ? value / powersOfTen[-scale] : value * powersOfTen[scale]
            return negative ? -value : value
        }
        // Slow path: the standard library's correctly rounded parser.
        let text = plainString(base, from: from, to: to)
        return Double(text) ?? .nan
    }
}
