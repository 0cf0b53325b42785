import Foundation
import NIOCore
import TidendeWire
#if canImport(Glibc)
import Glibc
#endif

/// What went wrong talking to the server, worded for a test failure.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A tiny blocking TCP client that talks to a server the way `nc` does: write bytes, half-close
/// (`nc -N`), read lines until the server closes. Every read has a timeout, so a hung server fails
/// the test instead of hanging it.
///
/// Replies can switch to zlib mid-stream (`hello` with `"compress":"zlib"`, the feed): from
/// ``startInflating()`` on, received bytes go through an ``Inflater`` before they are split into
/// lines.
final class LineClient {
    let fd: Int32
    /// Decoded bytes not yet returned as lines.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var inflater: Inflater?
    /// Compressed bytes not yet inflated (only while inflating).
    private var compressed = ByteBuffer()
    /// The peer closed (or reset) the connection.
    private(set) var reachedEnd = false
    /// The zlib stream of the replies ended properly (its trailer arrived).
    private(set) var inflatedStreamEnded = false

    /// Connects to `127.0.0.1:port`. `receiveBuffer` shrinks `SO_RCVBUF` (a subscriber that
    /// stalls); it must be set before connecting to take effect.
    init(port: Int, timeout: Double = 30, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket() failed: errno \(errno)") }
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
            throw ClientError("connect to port \(port) failed: errno \(e)")
        }
    }

    deinit { Glibc.close(fd) }

    // MARK: Writing

    /// Writes all of `bytes`; throws when the server has gone (EPIPE, reset).
    func send(_ bytes: [UInt8]) throws {
        try Self.sendAll(fd: fd, bytes)
    }

    /// Writes the UTF-8 of `text`.
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Half-closes, like `nc -N` at the end of its input.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Writes `bytes` to `fd` from any thread. `MSG_NOSIGNAL`: a closed peer is an error, not a
    /// SIGPIPE that would kill the test runner.
    static func sendAll(fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError("send failed: errno \(errno)")
            }
            offset += n
        }
    }

    /// Writes `bytes` on a background thread (a big upload while this thread reads the replies).
    func sendInBackground(_ bytes: [UInt8]) -> BackgroundJob {
        let fd = self.fd
        return BackgroundJob { try Self.sendAll(fd: fd, bytes) }
    }

    // MARK: Reading

    /// From now on, bytes received (and those received but not yet returned) are a zlib stream.
    func startInflating(_ format: InflateFormat = .zlib) {
        inflater = Inflater(format: format)
        let rest = Array(pending[pendingStart...])
        pending = []
        pendingStart = 0
        compressed = ByteBuffer(bytes: rest)
        try? inflatePending()
    }

    /// The next line without its `\n`, or nil once the server has closed and everything was read.
    func readLine() throws -> [UInt8]? {
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
                throw ClientError("the server closed in the middle of a line: \(String(decoding: pending[pendingStart...], as: UTF8.self).prefix(200))")
            }
            try receive()
        }
    }

    /// The next line as text (nil at the end).
    func readText() throws -> String? {
        try readLine().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next line parsed as a JSON object; throws at the end or on anything else.
    func readObject() throws -> JSONObject {
        guard let line = try readLine() else { throw ClientError("the server closed; expected another reply line") }
        return try JSONObject(line)
    }

    /// Every remaining line until the server closes.
    func readAllLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        while let line = try readLine() { lines.append(line) }
        return lines
    }

    /// True when the server closes next (no further line).
    func closesNext() throws -> Bool {
        try readLine() == nil
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            let e = errno
            if e == EINTR { return }
            if e == EAGAIN || e == EWOULDBLOCK { throw ClientError("timed out waiting for the server") }
            if e == ECONNRESET { reachedEnd = true; return }
            throw ClientError("recv failed: errno \(e)")
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
            throw ClientError("the server's zlib replies are corrupt: \(error)")
        }
        pending.append(contentsOf: out.readableBytesView)
    }
}

/// Work on a background thread (not the cooperative pool), joined with ``wait()``.
final class BackgroundJob: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: Error?

    init(_ work: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            do { try work() } catch {
                lock.lock(); failure = error; lock.unlock()
            }
            done.signal()
        }
        thread.start()
    }

    /// Waits for the work to end and returns its error, if any (nil on timeout too: check the
    /// return of `finished`).
    @discardableResult
    func wait(timeout: Double = 120) -> (finished: Bool, error: Error?) {
        let finished = done.wait(timeout: .now() + timeout) == .success
        if finished { done.signal() }
        lock.lock(); defer { lock.unlock() }
        return (finished, failure)
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self = ByteBufferAllocator().buffer(capacity: bytes.count)
        writeBytes(bytes)
    }
}
