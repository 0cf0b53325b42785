import NIOConcurrencyHelpers
import TidendeModels

/// A window of recent durations (milliseconds) with percentiles, shared across threads.
final class Latencies: Sendable {
    private let box: NIOLockedValueBox<(values: [Double], next: Int, count: Int)>
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
        box = NIOLockedValueBox(([Double](repeating: 0, count: capacity), 0, 0))
    }

    func record(_ ms: Double) {
        box.withLockedValue { s in
            s.values[s.next] = ms
            s.next = (s.next + 1) % capacity
            s.count += 1
        }
    }

    /// Total recorded, and p50/p99/max over the window (nil when empty).
    func summary() -> (count: Int, p50: Double, p99: Double, max: Double)? {
        let (values, count) = box.withLockedValue { s in (Array(s.values.prefix(min(s.count, capacity))), s.count) }
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return (count, pct(0.50), pct(0.99), sorted.last!)
    }

    /// Writes `summary` as `key`: `{"p50":…,"p99":…,"max":…}`, or `null` while nothing is recorded
    /// (after a start, before the first search or change): the member is always there, so a reader
    /// of `stats` sees "not measured yet" rather than a field that comes and goes.
    static func write(_ summary: (count: Int, p50: Double, p99: Double, max: Double)?, as key: String,
                      to o: inout JSONWriter) {
        guard let s = summary else {
            o.nullMember(key)
            return
        }
        o.object(key) { v in
            v.member("p50", s.p50); v.member("p99", s.p99); v.member("max", s.max)
        }
    }
}
