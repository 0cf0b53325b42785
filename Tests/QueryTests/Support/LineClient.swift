import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What went wrong talking to a service, worded for a test failure.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A blocking TCP client that behaves like `nc`: write lines, half-close (`nc -N`), read reply
/// lines. Every read has a receive timeout, so a hung service fails the test instead of hanging it.
final class LineClient {
    let fd: Int32
    /// Received bytes not yet returned as lines.
    private var buffer: [UInt8] = []
    private var start = 0
    /// The peer closed (or reset) the connection.
    private(set) var closed = false

    /// Connects to `127.0.0.1:port`; reads give up after `timeout` seconds of silence.
    init(port: Int, timeout: Double = 20) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
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

    /// Writes every byte; `MSG_NOSIGNAL` so a vanished peer is an error, not a SIGPIPE.
    func send(_ bytes: [UInt8]) throws {
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

    /// Writes each line followed by `\n`, all in one go (pipelined).
    func send(lines: [String]) throws {
        var bytes: [UInt8] = []
        for line in lines {
            bytes.append(contentsOf: line.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        try send(bytes)
    }

    /// Half-closes, like `nc -N` at the end of its input.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    // MARK: Reading

    /// The next line without its `\n`, or nil once the peer has closed and all was read.
    func readLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                if start > 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            if closed {
                guard start < buffer.count else { return nil }
                throw TestFailure("the peer closed in the middle of a line: \(String(decoding: buffer[start...], as: UTF8.self).prefix(200))")
            }
            try receive()
        }
    }

    /// The next line parsed as a JSON object; throws at the end of the stream.
    func readReply() throws -> Reply {
        guard let line = try readLine() else { throw TestFailure("the connection closed; expected another reply line") }
        return try Reply(line)
    }

    /// Sends one request line and reads its reply (the connection stays open).
    func ask(_ line: String) throws -> Reply {
        try send(lines: [line])
        return try readReply()
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            let e = errno
            if e == EINTR { return }
            if e == EAGAIN || e == EWOULDBLOCK { throw TestFailure("timed out waiting for a reply") }
            if e == ECONNRESET { closed = true; return }
            throw TestFailure("recv failed: errno \(e)")
        }
        if n == 0 {
            closed = true
            return
        }
        buffer.append(contentsOf: chunk[0..<n])
    }
}
