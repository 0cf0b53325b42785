import Testing
@testable import TidendeQuerySyntax
import TidendeTestRandom

@Suite struct ISO8601Tests {
    // Expected values computed independently (Python's datetime.fromisoformat(...).timestamp()).
    @Test(arguments: [
        ("2026-01-01", 1_767_225_600.0),
        ("2026-01-01T00:00:00Z", 1_767_225_600),
        ("2026-01-01T10:00:00+02:00", 1_767_254_400),
        ("2026-01-01T10:00:00+0200", 1_767_254_400),
        ("2026-01-01T10:00+02", 1_767_254_400),
        ("2026-01-01t08:00:00z", 1_767_254_400),
        ("2026-01-01 08:00:00", 1_767_254_400),
        ("2024-02-29", 1_709_164_800),
        ("2000-02-29T23:59:59Z", 951_868_799),
        ("1969-12-31T23:00:00Z", -3600),
        ("1900-03-01", -2_203_891_200),
        ("2019-06-15T12:30:45.25-05:30", 1_560_621_645.25),
        ("2019-06-15T12:30:45,25-05:30", 1_560_621_645.25),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("0001-01-01", -62_135_596_800),
    ])
    func parsesKnownInstants(_ text: String, _ seconds: Double) {
        #expect(ISO8601.parse(text) == seconds)
    }

    @Test(arguments: [
        "", "2026", "2026-1-01", "2026-01-1", "2026-13-01", "2026-00-10", "2026-01-32", "2026-02-29",
        "1900-02-29", "2026-04-31", "2026-01-01T", "2026-01-01T24:00", "2026-01-01T10:60",
        "2026-01-01T10:00:61", "2026-01-01T10:00:00.", "2026-01-01T10:00:00+2", "2026-01-01T10:00:00+24:00",
        "2026-01-01T10:00:00Zx", "2026-01-01X10:00", "2026-01-01T10", "२०२६-01-01", " 2026-01-01",
    ])
    func rejectsInvalidDates(_ text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test func leapYearRule() {
        #expect(ISO8601.isLeapYear(2024))
        #expect(ISO8601.isLeapYear(2000))
        #expect(!ISO8601.isLeapYear(1900))
        #expect(!ISO8601.isLeapYear(2026))
    }

    @Test func consecutiveDaysAreOneDayApart() {
        // Walks every day of 1896–2104 (leap, non-leap and century years) and checks that each
        // parses to exactly one day after the one before.
        var previous: Double? = nil
        for year in 1896...2104 {
            for month in 1...12 {
                for day in 1...ISO8601.daysIn(month: month, year: year) {
                    let text = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
                    guard let seconds = ISO8601.parse(text) else {
                        Issue.record("could not parse \(text)")
                        return
                    }
                    if let previous { #expect(seconds - previous == 86_400, "\(text)") }
                    previous = seconds
                }
            }
        }
    }

    @Test func formatRoundTrips() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let seconds = Double(Int64(rng.next() % 315_000_000_000) - 62_000_000_000)
            let text = ISO8601.format(seconds)
            #expect(ISO8601.parse(text) == seconds, "\(text)")
        }
        #expect(ISO8601.format(1_767_225_600) == "2026-01-01T00:00:00Z")
        #expect(ISO8601.format(1_560_621_645.25) == "2019-06-15T18:00:45.250Z")
    }
}
