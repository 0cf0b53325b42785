/// What a `TopK` keeps: items ordered by a static comparison under some order (a static
/// function, not a stored closure, so the heap's comparisons are direct calls).
protocol Ranked {
    associatedtype Order
    static func better(_ a: Self, _ b: Self, order: Order) -> Bool
}

/// A bounded heap keeping the best `k` items under `Element.better`; its root is the worst kept
/// item, so a candidate is compared once against it.
struct TopK<Element: Ranked> {
    let k: Int
    let order: Element.Order
    private(set) var items: [Element] = []

    init(k: Int, order: Element.Order) {
        self.k = k
        self.order = order
        items.reserveCapacity(min(k, 1024))
    }

    @inline(__always) private func better(_ a: Element, _ b: Element) -> Bool { Element.better(a, b, order: order) }

    var isFull: Bool { items.count >= k }
    var worst: Element? { items.first }

    mutating func offer(_ e: Element) {
        guard k > 0 else { return }
        if items.count < k {
            items.append(e)
            siftUp(items.count - 1)
        } else if better(e, items[0]) {
            items[0] = e
            siftDown(0)
        }
    }

    /// Best first.
    func sorted() -> [Element] { items.sorted { Element.better($0, $1, order: order) } }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let p = (i - 1) / 2
            // The root must be the worst: a child worse than its parent moves up.
            if better(items[p], items[i]) { items.swapAt(p, i); i = p } else { return }
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        while true {
            let l = 2 * i + 1, r = l + 1
            var worst = i
            if l < items.count && better(items[worst], items[l]) { worst = l }
            if r < items.count && better(items[worst], items[r]) { worst = r }
            if worst == i { return }
            items.swapAt(i, worst)
            i = worst
        }
    }
}

/// A sort key's value for one document; missing sorts last in both directions.
enum SortValue {
    case missing
    case number(Double)
    case string(String)

    /// -1, 0, 1 in ascending order (numbers before strings); `missing` is handled by the caller.
    static func compare(_ a: SortValue, _ b: SortValue) -> Int {
        switch (a, b) {
        case let (.number(x), .number(y)): return x < y ? -1 : x > y ? 1 : 0
        case let (.string(x), .string(y)): return ByteOrder.compare(x, y).signum()
        case (.number, .string): return -1
        case (.string, .number): return 1
        default: return 0
        }
    }
}

/// A candidate hit: where it is and what orders it.
struct Candidate: Ranked {
    let segment: Int
    let doc: Int32
    let score: Double
    let recency: Double
    let seq: UInt64
    let keys: [SortValue]

    /// Field sort keys (if any), else score; then newer first, then higher `seq`, then position.
    static func better(_ a: Candidate, _ b: Candidate, order descending: [Bool]) -> Bool {
        if descending.isEmpty {
            if a.score != b.score { return a.score > b.score }
        } else {
            for (i, desc) in descending.enumerated() {
                switch (a.keys[i], b.keys[i]) {
                case (.missing, .missing): continue
                case (.missing, _): return false
                case (_, .missing): return true
                default:
                    let c = SortValue.compare(a.keys[i], b.keys[i])
                    if c != 0 { return desc ? c > 0 : c < 0 }
                }
            }
        }
        if a.recency != b.recency { return a.recency > b.recency }
        if a.seq != b.seq { return a.seq > b.seq }
        if a.segment != b.segment { return a.segment > b.segment }
        return a.doc > b.doc
    }
}
