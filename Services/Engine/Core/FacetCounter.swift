import TidendeQuerySyntax

/// Counts, over the whole matching set, how many documents have each value of some fields.
/// Strings are counted by ordinal per segment (an array increment per hit) and turned into text
/// once per segment; a document counts once per distinct value.
struct FacetCounter {
    let names: [String]
    private var totals: [[String: Int]]
    private var columns: [DocValuesColumn?] = []
    /// `columns`, unretained, for `add` (a retain and release per hit and facet otherwise).
    private var columnRefs: [Unmanaged<DocValuesColumn>?] = []
    /// The string ordinals' counts of all columns in one array, column `i`'s from
    /// `ordinalBase[i]` (one uniqueness check per increment instead of two).
    private var ordinalCounts: [Int] = []
    private var ordinalBase: [Int] = []
    private var otherCounts: [[String: Int]] = []
    private var pending: [[(column: DocValuesColumn, counts: [Int])]]

    init(names: [String]) {
        self.names = names
        totals = names.map { _ in [:] }
        pending = names.map { _ in [] }
    }

    mutating func begin(segment: Segment, fields: FieldRegistry) {
        columns = names.map { name in fields.id(of: name).flatMap { segment.docValues[$0] } }
        columnRefs = columns.map { $0.map { .passUnretained($0) } }
        ordinalBase = [0]
        for c in columns { ordinalBase.append(ordinalBase.last! + (c?.strings.count ?? 0)) }
        ordinalCounts = [Int](repeating: 0, count: ordinalBase.last!)
        otherCounts = names.map { _ in [:] }
    }

    /// Documents of the current segment not counted yet: they are counted a batch at a time,
    /// column by column (one pass over a column's array per batch, instead of every column per
    /// document).
    private var batch: [Int32] = []
    private static let batchSize = 1_024

    mutating func add(_ d: Int) {
        batch.append(Int32(d))
        if batch.count >= Self.batchSize { flush() }
    }

    private mutating func flush() {
        guard !batch.isEmpty else { return }
        for i in columnRefs.indices {
            guard let ref = columnRefs[i] else { continue }
            ref._withUnsafeGuaranteedRef { column in
                guard let single = column.singleOrdinals else {
                    for d in batch { add(Int(d), column, i) }
                    return
                }
                let base = ordinalBase[i]
                var others: [Int32] = []
                ordinalCounts.withUnsafeMutableBufferPointer { counts in
                    single.withUnsafeBufferPointer { single in
                        for d in batch {
                            let o = single[Int(d)]
                            if o >= 0 {
                                counts[base + Int(o)] += 1
                            } else if o == DocValuesColumn.notString {
                                others.append(d)
                            }
                        }
                    }
                }
                for d in others { add(Int(d), column, i) }
            }
        }
        batch.removeAll(keepingCapacity: true)
    }

    /// Counts document `d`'s values of column `i` one by one (`flush` has counted the single
    /// string ordinals already, and sends here only what they do not cover).
    private mutating func add(_ d: Int, _ column: DocValuesColumn, _ i: Int) {
        let base = ordinalBase[i]
        let range = column.valueRange(d)
        if range.count == 1 {
            // One value (the common case): no duplicate check.
            let v = range.lowerBound
            if column.kinds[v] == DocValuesColumn.Kind.truncated.rawValue { return }
            let o = Int(column.ordinals[v])
            if o >= 0 {
                ordinalCounts[base + o] += 1
            } else {
                otherCounts[i][Self.text(column.value(at: v)), default: 0] += 1
            }
            return
        }
        for v in range {
            // Count a value repeated within one document once.
            if v > range.lowerBound && (range.lowerBound..<v).contains(where: { sameValue(column, $0, v) }) { continue }
            if column.kinds[v] == DocValuesColumn.Kind.truncated.rawValue { continue }
            if column.ordinals[v] >= 0 {
                ordinalCounts[base + Int(column.ordinals[v])] += 1
            } else {
                otherCounts[i][Self.text(column.value(at: v)), default: 0] += 1
            }
        }
    }

    private func sameValue(_ c: DocValuesColumn, _ a: Int, _ b: Int) -> Bool {
        c.kinds[a] == c.kinds[b] && c.ordinals[a] == c.ordinals[b]
            && (c.ordinals[a] >= 0 || c.number(a) == c.number(b))
    }

    mutating func end() {
        flush()
        for (i, column) in columns.enumerated() {
            guard let column else { continue }
            // Ordinal counts stay counts until `result`: then, if one segment is all there is,
            // only the values that can make the top `limit` become strings.
            let counts = ordinalCounts[ordinalBase[i]..<ordinalBase[i + 1]]
            if counts.contains(where: { $0 > 0 }) { pending[i].append((column, Array(counts))) }
            for (t, n) in otherCounts[i] { totals[i][t, default: 0] += n }
        }
    }

    /// The most frequent values of each field (ties by value).
    func result(limit: Int) -> [String: [(value: String, count: Int)]] {
        var out: [String: [(value: String, count: Int)]] = [:]
        let limit = max(limit, 0)
        for (i, name) in names.enumerated() {
            var totals = totals[i]
            if pending[i].count == 1 && totals.isEmpty {
                let (column, counts) = pending[i][0]
                // Values are distinct per ordinal: the top `limit` all count at least the
                // `limit`-th largest count.
                var positive = counts.filter { $0 > 0 }
                var least = 1
                if limit == 0 {
                    least = Int.max
                } else if positive.count > limit {
                    positive.sort(by: >)
                    least = positive[limit - 1]
                }
                for (o, n) in counts.enumerated() where n >= least { totals[column.strings[o]] = n }
            } else {
                for (column, counts) in pending[i] {
                    for (o, n) in counts.enumerated() where n > 0 { totals[column.strings[o], default: 0] += n }
                }
            }
            let sorted = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            out[name] = sorted.prefix(limit).map { (value: $0.key, count: $0.value) }
        }
        return out
    }

    static func text(_ v: DocValue) -> String {
        switch v {
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return FilterValue.text(ofNumber: n)
        case .string(let s, _), .truncated(let s): return s
        }
    }
}
