import Synchronization

/// Objects too costly to make per search (zstd contexts, warm stem caches), lent to one search
/// at a time: `borrow` one (a new one when none is free), `giveBack` it when done. At most
/// `capacity` free objects are kept.
final class ReusePool<Element: AnyObject & Sendable>: Sendable {
    private let free = Mutex<[Element]>([])
    private let capacity: Int
    private let make: @Sendable () -> Element

    init(capacity: Int = 16, make: @escaping @Sendable () -> Element) {
        self.capacity = capacity
        self.make = make
    }

    func borrow() -> Element {
        free.withLock { $0.popLast() } ?? make()
    }

    func giveBack(_ element: Element) {
        free.withLock { if $0.count < capacity { $0.append(element) } }
    }
}
