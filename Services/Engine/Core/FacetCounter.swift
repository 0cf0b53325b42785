/// Counts, over the whole matching set, how many documents have each value of some fields.
/// Strings are counted by ordinal per segment (an array increment per hit) and turned into text
/// once per segment; a document counts once per distinct value.
struct FacetCounter {
    let names: [String]
    private var totals: [[String: Int]]
    private var columns: [DocValuesColumn?] = []
    private var ordinalCounts: [[Int]] = []
    private var otherCounts: [[String: Int]] = []

    init(names: [String]) {
        self.names = names
        totals = names.map { _ in [:] }
    }

    mutating func begin(segment: Segment, fields: FieldRegistry) {
        columns = names.map { name in fields.id(of: name).flatMap { segment.docValues[$0] } }
        ordinalCounts = columns.map { [Int](repeating: 0, count: $0?.strings.count ?? 0) }
        otherCounts = names.map { _ in [:] }
    }

    mutating func add(_ d: Int) {
        for (i, column) in columns.enumerated() {
            guard let column else { continue }
            let range = column.valueRange(d)
            for v in range {
                // Count a value repeated within one document once.
                if v > range.lowerBound && (range.lowerBound..<v).contains(where: { sameValue(column, $0, v) }) { continue }
                if column.kinds[v] == DocValuesColumn.Kind.truncated.rawValue { continue }
                if column.ordinals[v] >= 0 {
                    ordinalCounts[i][Int(column.ordinals[v])] += 1
                } else {
                    otherCounts[i][Self.text(column.value(at: v)), default: 0] += 1
                }
            }
        }
    }

    private func sameValue(_ c: DocValuesColumn, _ a: Int, _ b: Int) -> Bool {
        c.kinds[a] == c.kinds[b] && c.ordinals[a] == c.ordinals[b]
            && (c.ordinals[a] >= 0 || c.number(a) == c.number(b))
    }

    mutating func end() {
        for (i, column) in columns.enumerated() {
            guard let column else { continue }
            for (o, n) in ordinalCounts[i].enumerated() where n > 0 { totals[i][column.strings[o], default: 0] += n }
            for (t, n) in otherCounts[i] { totals[i][t, default: 0] += n }
        }
    }

    /// The most frequent values of each field (ties by value).
    func result(limit: Int) -> [String: [(value: String, count: Int)]] {
        var out: [String: [(value: String, count: Int)]] = [:]
        for (i, name) in names.enumerated() {
            let sorted = totals[i].sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            out[name] = sorted.prefix(max(limit, 0)).map { (value: $0.key, count: $0.value) }
        }
        return out
    }

    static func text(_ v: DocValue) -> String {
        switch v {
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
            return String(n)
        case .string(let s, _), .truncated(let s): return s
        }
    }
}
