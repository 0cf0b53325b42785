import Foundation
import NIOCore
import TidendeWire
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking TCP client that talks to a service the way `nc` does: write bytes or lines,
/// half-close (`nc -N`), read reply lines until the peer closes. Every read has a receive timeout,
/// so a hung service fails the test instead of hanging it.
///
/// Replies can switch to zlib or gzip mid-stream (`hello` with `"compress":"zlib"`, the feed): from
/// ``startInflating(_:)`` on, received bytes go through an `Inflater` before they are split into
/// lines.
public final class LineClient {
    /// The connected socket.
    public let fd: Int32
    /// Decoded bytes not yet returned as lines.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var inflater: Inflater?
    /// Compressed bytes not yet inflated (only while inflating).
    private var compressed = ByteBuffer()
    /// The peer closed (or reset) the connection.
    public private(set) var reachedEnd = false
    /// The peer reset the connection rather than closing it (a client such as `nc` that is still
    /// writing stops at the reset, before it reads the replies that came ahead of it).
    public private(set) var wasReset = false
    /// The compressed stream of the replies ended properly (its trailer arrived).
    public private(set) var inflatedStreamEnded = false

    /// Connects to `127.0.0.1:port`; reads give up after `timeout` seconds of silence.
    /// `receiveBuffer` shrinks `SO_RCVBUF` (a reader that stalls); it is set before connecting,
    /// where it takes effect.
    public init(port: Int, timeout: Double = 30, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        if let receiveBuffer {
            var size = receiveBuffer
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let e = errno
            Glibc.close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: errno \(e)")
        }
    }

    deinit { Glibc.close(fd) }

    // MARK: Writing

    /// Writes all of `bytes`; throws when the peer has gone (EPIPE, reset).
    public func send(_ bytes: [UInt8]) throws {
        try Self.sendAll(fd: fd, bytes)
    }

    /// Writes the UTF-8 of `text` as it is.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Writes each line followed by `\n`, all in one go (pipelined).
    public func send(lines: [String]) throws {
        try send(ndjsonBytes(lines))
    }

    /// Half-closes, like `nc -N` at the end of its input.
    public func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Writes `bytes` to `fd` from any thread. `MSG_NOSIGNAL`: a closed peer is an error, not a
    /// SIGPIPE that would kill the test runner.
    public static func sendAll(fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw TestFailure("send failed: errno \(errno)")
            }
            offset += n
        }
    }

    /// Writes `bytes` on a background thread (a big upload while this thread reads the replies).
    /// The job keeps this client, and so its socket, alive until it ends.
    public func sendInBackground(_ bytes: [UInt8]) -> BackgroundJob {
        nonisolated(unsafe) let client = self
        return BackgroundJob { try client.send(bytes) }
    }

    /// Writes `lines` on a background thread; with `pauseEvery` > 0, in batches of that many lines
    /// with a sleep of `pauseMicroseconds` after each (a sustained stream rather than one burst).
    public func sendInBackground(lines: [String], pauseEvery: Int = 0, pauseMicroseconds: UInt32 = 0) -> BackgroundJob {
        guard pauseEvery > 0 else { return sendInBackground(ndjsonBytes(lines)) }
        nonisolated(unsafe) let client = self
        return BackgroundJob {
            var start = 0
            while start < lines.count {
                let end = min(start + pauseEvery, lines.count)
                try client.send(lines: Array(lines[start..<end]))
                start = end
                usleep(pauseMicroseconds)
            }
        }
    }

    // MARK: Reading

    /// From now on, bytes received (and those received but not yet returned) are a compressed
    /// stream in `format`.
    public func startInflating(_ format: InflateFormat = .zlib) {
        inflater = Inflater(format: format)
        let rest = Array(pending[pendingStart...])
        pending = []
        pendingStart = 0
        compressed = ByteBuffer(bytes: rest)
        try? inflatePending()
    }

    /// The next line without its `\n`, or nil once the peer has closed and everything was read.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[pendingStart..<newline])
                pendingStart = newline + 1
                if pendingStart > 1 << 16 {
                    pending.removeFirst(pendingStart)
                    pendingStart = 0
                }
                return line
            }
            if reachedEnd {
                guard pendingStart < pending.count else { return nil }
                throw TestFailure("the peer closed in the middle of a line: \(String(decoding: pending[pendingStart...], as: UTF8.self).prefix(200))")
            }
            try receive()
        }
    }

    /// The next line as text (nil at the end).
    public func readText() throws -> String? {
        try readLine().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next line; throws when the peer has closed instead.
    public func readRequiredLine() throws -> [UInt8] {
        guard let line = try readLine() else { throw TestFailure("the connection closed; expected another reply line") }
        return line
    }

    /// Every remaining line until the peer closes.
    public func readAllLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        while let line = try readLine() { lines.append(line) }
        return lines
    }

    /// True when the peer closes next (no further line).
    public func closesNext() throws -> Bool {
        try readLine() == nil
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            let e = errno
            if e == EINTR { return }
            if e == EAGAIN || e == EWOULDBLOCK { throw TestFailure("timed out waiting for a reply") }
            if e == ECONNRESET { reachedEnd = true; wasReset = true; return }
            throw TestFailure("recv failed: errno \(e)")
        }
        if n == 0 {
            reachedEnd = true
            return
        }
        if inflater == nil {
            pending.append(contentsOf: chunk[0..<n])
        } else {
            compressed.writeBytes(chunk[0..<n])
            try inflatePending()
        }
    }

    private func inflatePending() throws {
        guard inflater != nil, !inflatedStreamEnded else { return }
        var out = ByteBuffer()
        do {
            let progress = try inflater!.inflate(&compressed, into: &out)
            if progress == .streamEnd { inflatedStreamEnded = true }
        } catch {
            throw TestFailure("the compressed replies are corrupt: \(error)")
        }
        pending.append(contentsOf: out.readableBytesView)
    }
}

/// Work on a background thread (not the cooperative pool, which a blocking socket would stall),
/// joined with ``wait(timeout:)`` or ``join(timeout:)``.
public final class BackgroundJob: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: Error?

    /// Starts `work` on a new thread.
    public init(_ work: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            do { try work() } catch {
                lock.lock(); failure = error; lock.unlock()
            }
            done.signal()
        }
        thread.start()
    }

    /// Waits for the work to end and returns its error, if any (nil on timeout too: check
    /// `finished`).
    @discardableResult
    public func wait(timeout: Double = 120) -> (finished: Bool, error: Error?) {
        let finished = done.wait(timeout: .now() + timeout) == .success
        if finished { done.signal() }
        lock.lock(); defer { lock.unlock() }
        return (finished, failure)
    }

    /// Waits for the work to end; rethrows its error, and throws when it did not end in time.
    public func join(timeout: Double = 120) throws {
        let (finished, error) = wait(timeout: timeout)
        guard finished else { throw TestFailure("the background job did not finish in \(timeout) s") }
        if let error { throw error }
    }
}
