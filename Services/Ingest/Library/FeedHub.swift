import NIOConcurrencyHelpers
import NIOCore

/// Tells feed subscribers that the store's head moved. Each subscriber pulls the new changes from
/// the store itself, at its own pace: a slow subscriber never slows ingestion or the others.
public final class FeedHub: Sendable {
    struct Subscriber {
        let loop: EventLoop
        let wake: @Sendable (Int64) -> Void
    }

    private let state = NIOLockedValueBox<(head: Int64, next: Int, subs: [Int: Subscriber])>((0, 0, [:]))

    public init() {}

    public var head: Int64 { state.withLockedValue { $0.head } }
    public var subscriberCount: Int { state.withLockedValue { $0.subs.count } }

    func setHead(_ head: Int64) { state.withLockedValue { $0.head = head } }

    /// Registers `wake`, called on `loop` with the new head after each commit. Returns a key for
    /// `remove`.
    func add(loop: EventLoop, wake: @escaping @Sendable (Int64) -> Void) -> Int {
        state.withLockedValue { s in
            s.next += 1
            s.subs[s.next] = Subscriber(loop: loop, wake: wake)
            return s.next
        }
    }

    func remove(_ key: Int) {
        state.withLockedValue { _ = $0.subs.removeValue(forKey: key) }
    }

    /// Called by the writer thread after a commit.
    func headAdvanced(_ head: Int64) {
        let subs = state.withLockedValue { s -> [Subscriber] in
            s.head = head
            return Array(s.subs.values)
        }
        for sub in subs { sub.loop.execute { sub.wake(head) } }
    }
}
