import Foundation

/// Writes lines to a client on its own thread, so a big upload and the reading of its replies
/// go on together (neither side's socket buffer can stall the other).
final class BackgroundWriter: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: Error?

    init(client: LineClient, lines: [String], pauseEvery: Int = 0, pauseMicroseconds: UInt32 = 0) {
        nonisolated(unsafe) let client = client
        let thread = Thread { [self] in
            do {
                if pauseEvery > 0 {
                    var start = 0
                    while start < lines.count {
                        let end = min(start + pauseEvery, lines.count)
                        try client.send(lines: Array(lines[start..<end]))
                        start = end
                        usleep(pauseMicroseconds)
                    }
                } else {
                    try client.send(lines: lines)
                }
            } catch {
                lock.lock(); failure = error; lock.unlock()
            }
            done.signal()
        }
        thread.start()
    }

    /// Waits for the writer to finish; rethrows its error.
    func wait(timeout: Double = 120) throws {
        guard done.wait(timeout: .now() + timeout) == .success else { throw TestFailure("the writer did not finish in \(timeout) s") }
        done.signal()
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}
