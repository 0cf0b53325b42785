/// A small, allocation-free ISO 8601 date parser and formatter.
///
/// Accepted forms (the profile news feeds actually use, RFC 3339 plus date-only):
/// - `2026-01-01` (midnight UTC)
/// - `2026-01-01T10:00`, `2026-01-01T10:00:00`, `2026-01-01T10:00:00.123456`
///   (`t` and a single space are accepted in place of `T`)
/// - each date-time optionally followed by `Z`/`z`, `±HH:MM`, `±HHMM` or `±HH`.
///   A date-time without a zone is read as UTC: a search index has no better guess.
///
/// Fields are range-checked (month 1–12, the day against the month in that year, leap years
/// included; hour 0–23, minute 0–59, second 0–60 with 60 read as the leap second's next
/// second; offsets up to ±23:59). Years 0000–9999.
public enum ISO8601 {
    /// Seconds since 1970-01-01T00:00:00Z, or `nil` when `text` is not a valid ISO 8601 date.
    public static func parse(_ text: some StringProtocol) -> Double? {
        var text = String(text)
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Formats seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ`, with a fractional part (up to
    /// milliseconds) only when there is one.
    public static func format(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let millis = Int(((seconds - whole) * 1000).rounded())
        var total = Int64(whole)
        var ms = millis
        if ms == 1000 { total += 1; ms = 0 }
        let days = floorDiv(total, 86_400)
        let secs = Int(total - days * 86_400)
        let (y, m, d) = civil(fromDays: days)
        var out = pad(Int(y), 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        out += "T" + pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
        if ms != 0 { out += "." + pad(ms, 3) }
        return out + "Z"
    }

    /// Whether `year` is a leap year in the proleptic Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Number of days in `month` (1–12) of `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Parsing

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var r = Reader(bytes: bytes)
        guard let year = r.digits(4), r.eat(0x2D),
            let month = r.digits(2), r.eat(0x2D),
            let day = r.digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if r.atEnd { return seconds }

        // 'T', 't' or one space separates the date from the time.
        guard r.eat(0x54) || r.eat(0x74) || r.eat(0x20) else { return nil }
        guard let hour = r.digits(2), r.eat(0x3A), let minute = r.digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if r.eat(0x3A) {
            guard let s = r.digits(2) else { return nil }
            second = s
            if r.eat(0x2E) || r.eat(0x2C) {
                // Any number of fractional digits; beyond a nanosecond they no longer matter.
                var scale = 0.1
                var count = 0
                while let d = r.digit() {
                    fraction += Double(d) * scale
                    scale /= 10
                    count += 1
                }
                guard count > 0 else { return nil }
            }
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second) + fraction

        if r.atEnd || r.eat(0x5A) || r.eat(0x7A) {
            return r.atEnd ? seconds : nil
        }
        let sign: Double
        if r.eat(0x2B) { sign = 1 } else if r.eat(0x2D) { sign = -1 } else { return nil }
        guard let oh = r.digits(2) else { return nil }
        var om = 0
        if r.eat(0x3A) {
            guard let m = r.digits(2) else { return nil }
            om = m
        } else if let m = r.digits(2) {
            om = m
        }
        guard r.atEnd, oh <= 23, om <= 59 else { return nil }
        // Local time = UTC + offset, so UTC = local − offset.
        return seconds - sign * Double(oh * 3600 + om * 60)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var atEnd: Bool { index == bytes.count }

        mutating func eat(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
            index += 1
            return Int(bytes[index - 1] - 0x30)
        }

        mutating func digits(_ n: Int) -> Int? {
            let start = index
            var value = 0
            for _ in 0..<n {
                guard let d = digit() else { index = start; return nil }
                value = value * 10 + d
            }
            return value
        }
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, eras of 400 years)

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
