#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import TidendeWire

/// A blocking client for Tidende's line ports, for the `tidende` command line tool: connect, write
/// request bytes, read reply lines (optionally out of a zlib stream), half-close like `nc -N`.
///
/// One thread may send while another reads (an upload and its acks); two readers or two senders
/// at once are not supported.
public final class LineClient: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    private var fd: Int32
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var inflater: Inflater?
    private var eof = false
    public let endpoint: String

    /// Connects to `host:port`, or fails with a message that says the service is not there.
    public init(host: String, port: Int, receiveTimeout: Double? = nil) throws(Failure) {
        endpoint = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var address: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let a = address {
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s >= 0 {
                if connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { connected = s; break }
                lastError = errno
                Glibc.close(s)
            }
            address = a.pointee.ai_next
        }
        guard connected >= 0 else {
            let reason = lastError == ECONNREFUSED ? "connection refused: is the service running? (deploy/run starts it)"
                : String(cString: strerror(lastError))
            throw Failure("cannot connect to \(host):\(port): \(reason)")
        }
        fd = connected
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let receiveTimeout {
            var tv = timeval(tv_sec: Int(receiveTimeout), tv_usec: .init((receiveTimeout - receiveTimeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close() }

    /// Writes all of `bytes`.
    public func send(_ bytes: [UInt8]) throws(Failure) {
        let result: Result<Void, Failure> = bytes.withUnsafeBytes { raw in
            do throws(Failure) { try send(raw); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    public func send(_ raw: UnsafeRawBufferPointer) throws(Failure) {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("the connection to \(endpoint) broke while sending: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Sends one request line (a newline is added).
    public func sendLine(_ text: String) throws(Failure) {
        try send(Array((text + "\n").utf8))
    }

    /// Half-closes: the server answers what it has and (ingest) sends its summary.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// From now on, what the server sends is a zlib stream (after `hello` with `compress`, or a
    /// feed subscription).
    public func expectCompressedReplies() {
        inflater = Inflater(format: .auto)
        // Bytes already buffered past the current line belong to the compressed stream.
        let rest = Array(pending[pendingStart...])
        pending = []
        pendingStart = 0
        if !rest.isEmpty { inflate(rest) }
    }

    /// The next reply line without its newline, or nil when the server closed the connection.
    public func readLine() throws(Failure) -> [UInt8]? {
        while true {
            if let nl = pending[pendingStart...].firstIndex(of: 0x0A) {
                let line = Array(pending[pendingStart..<nl])
                pendingStart = nl + 1
                if pendingStart > 1 << 16 {
                    pending.removeFirst(pendingStart)
                    pendingStart = 0
                }
                return line
            }
            if eof {
                if pendingStart < pending.count {
                    let line = Array(pending[pendingStart...])
                    pendingStart = pending.count
                    return line
                }
                return nil
            }
            try fill()
        }
    }

    /// Reads a reply line as a String.
    public func readLineText() throws(Failure) -> String? {
        try readLine().map { String(decoding: $0, as: UTF8.self) }
    }

    private func fill() throws(Failure) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EINTR { return }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure("no reply from \(endpoint) in time") }
            throw Failure("the connection to \(endpoint) broke: \(String(cString: strerror(errno)))")
        }
        if n == 0 { eof = true; return }
        let chunk = Array(buffer[0..<n])
        if inflater != nil { inflate(chunk) } else { pending += chunk }
    }

    private func inflate(_ bytes: [UInt8]) {
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBuffer()
        while input.readableBytes > 0 {
            guard let progress = try? inflater!.inflate(&input, into: &output) else {
                eof = true
                break
            }
            if progress == .streamEnd { break }
        }
        pending += output.readableBytesView
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// The raw descriptor (for polling).
    public var descriptor: Int32 { fd }
}
