/// A k-way merge of sorted, duplicate-free lists of byte strings, each stored as one buffer plus
/// offsets (term dictionaries, doc-value string tables, words): yields every distinct string
/// once, in byte order, with the lists holding it.
///
/// Two ways to find the least head, for two kinds of input:
/// - `.scan`, for lists sharing most strings (term dictionaries, words): one pass over the heads
///   finds the least and its equals, k - 1 comparisons for a string all k lists hold;
/// - `.heap`, for lists sharing few (ids, dates, title prefixes): about 2·log k comparisons a
///   string instead of k.
/// A scan remembers the runner-up's head: while the winning list's next string is below it,
/// that string is the next one alone, found with one comparison (runs held by one list).
struct ByteListMerge {
    enum Strategy { case scan, heap }

    struct List {
        let bytes: UnsafeRawBufferPointer
        /// `offsets[i] ..< offsets[i + 1]` is string `i`.
        let offsets: UnsafeBufferPointer<UInt32>

        var count: Int { offsets.count - 1 }

        @inline(__always)
        subscript(i: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[Int(offsets[i])..<Int(offsets[i + 1])])
        }
    }

    let lists: [List]
    let strategy: Strategy
    /// Per list, the index of its next string.
    private var heads: [Int]
    /// `.heap`: lists not yet exhausted, ordered by their head string (then by list, for ties).
    private var heap: [Int] = []
    /// `.scan`: the list that alone held the last string, and the least head of the others
    /// (-1: none), while that bound holds.
    private var lastAlone = -1
    private var runnerUp = -1

    init(_ lists: [List], strategy: Strategy) {
        self.lists = lists
        self.strategy = strategy
        heads = [Int](repeating: 0, count: lists.count)
        if strategy == .heap {
            for l in lists.indices where lists[l].count > 0 {
                heap.append(l)
                siftUp(heap.count - 1)
            }
        }
    }

    /// Runs `body` with the lists of `buffers` (bytes, offsets) readable as `List`s.
    static func withLists<R>(_ buffers: [(bytes: [UInt8], offsets: [UInt32])], _ body: ([List]) -> R) -> R {
        var lists: [List] = []
        lists.reserveCapacity(buffers.count)
        func open(_ i: Int) -> R {
            if i == buffers.count { return body(lists) }
            return buffers[i].bytes.withUnsafeBytes { bytes in
                buffers[i].offsets.withUnsafeBufferPointer { offsets in
                    lists.append(List(bytes: bytes, offsets: offsets))
                    return open(i + 1)
                }
            }
        }
        return open(0)
    }

    /// Replaces `members` with the holders of the next string, `(list, index)` in list order;
    /// false when every list is exhausted.
    mutating func next(into members: inout [(list: Int, index: Int)]) -> Bool {
        members.removeAll(keepingCapacity: true)
        switch strategy {
        case .scan: scanNext(into: &members)
        case .heap: heapNext(into: &members)
        }
        return !members.isEmpty
    }

    @inline(__always)
    private func head(_ l: Int) -> UnsafeRawBufferPointer { lists[l][heads[l]] }

    private mutating func scanNext(into members: inout [(list: Int, index: Int)]) {
        let l = lastAlone
        if l >= 0 && heads[l] < lists[l].count && (runnerUp < 0 || ByteOrder.compare(head(l), head(runnerUp)) < 0) {
            members.append((l, heads[l]))
            heads[l] += 1
            return
        }
        var best = -1
        runnerUp = -1
        for l in lists.indices where heads[l] < lists[l].count {
            if best < 0 {
                best = l
                members.append((l, heads[l]))
                continue
            }
            let c = ByteOrder.compare(head(l), head(best))
            if c < 0 {
                runnerUp = best
                best = l
                members.removeAll(keepingCapacity: true)
                members.append((l, heads[l]))
            } else if c == 0 {
                members.append((l, heads[l]))
            } else if runnerUp < 0 || ByteOrder.compare(head(l), head(runnerUp)) < 0 {
                runnerUp = l
            }
        }
        for (l, _) in members { heads[l] += 1 }
        lastAlone = members.count == 1 ? best : -1
    }

    private mutating func heapNext(into members: inout [(list: Int, index: Int)]) {
        guard let first = heap.first else { return }
        let string = head(first)
        members.append((first, heads[first]))
        advanceTop()
        // Equal heads are on top now; a list holds a string once, so `first` is not among them.
        while let l = heap.first, ByteOrder.compare(head(l), string) == 0 {
            members.append((l, heads[l]))
            advanceTop()
        }
        if members.count > 1 { members.sort { $0.list < $1.list } }
    }

    @inline(__always)
    private func less(_ a: Int, _ b: Int) -> Bool {
        let c = ByteOrder.compare(head(a), head(b))
        return c < 0 || (c == 0 && a < b)
    }

    /// Moves the top list to its next string (or drops it when exhausted) and restores the heap.
    private mutating func advanceTop() {
        let l = heap[0]
        heads[l] += 1
        if heads[l] == lists[l].count {
            let last = heap.removeLast()
            guard !heap.isEmpty else { return }
            heap[0] = last
        }
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let left = 2 * i + 1
            guard left < n else { return }
            var child = left
            if left + 1 < n && less(heap[left + 1], heap[left]) { child = left + 1 }
            guard less(heap[child], heap[i]) else { return }
            heap.swapAt(i, child)
            i = child
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(heap[i], heap[parent]) else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }
}
