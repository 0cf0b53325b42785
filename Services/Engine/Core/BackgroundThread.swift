#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Runs a closure on a new detached OS thread. Merges are long, CPU-bound and synchronous:
/// they belong on a thread of their own, not on Swift concurrency's small cooperative pool.
enum BackgroundThread {
    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: do the work here rather than lose it.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
