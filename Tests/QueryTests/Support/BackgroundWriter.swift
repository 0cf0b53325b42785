import TidendeTestSupport

/// Writes lines to a client on its own thread, so a big upload and the reading of its replies
/// go on together (neither side's socket buffer can stall the other).
struct BackgroundWriter {
    private let job: BackgroundJob

    init(client: LineClient, lines: [String], pauseEvery: Int = 0, pauseMicroseconds: UInt32 = 0) {
        job = client.sendInBackground(lines: lines, pauseEvery: pauseEvery, pauseMicroseconds: pauseMicroseconds)
    }

    /// Waits for the writer to finish; rethrows its error.
    func wait(timeout: Double = 120) throws {
        try job.join(timeout: timeout)
    }
}
