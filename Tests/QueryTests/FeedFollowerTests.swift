import Foundation
import TidendeTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How the query service treats a feed that misbehaves: one that falls silent without closing,
/// and one that sends a line over the follower's limit.
@Suite("Feed follower")
struct FeedFollowerTests {
    /// Starts a query service following `feed` (a fake one), takes its first connection and
    /// its subscribe line, and runs `body` with the service, the connection and that line.
    func following(_ feed: SilentFeed, _ arguments: [String] = [],
                   _ body: (ServiceProcess, Int32, String) throws -> Void) throws {
        let scratch = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let query = try ServiceProcess("tidende-query", dataDir: scratch.appendingPathComponent("query"),
                                       portFlags: [("query", "--port")],
                                       extraArguments: ["--feed", "127.0.0.1:\(feed.port)"] + arguments)
        defer { query.kill9() }
        let first = try feed.accept(timeout: 10)
        defer { Glibc.close(first) }
        try body(query, first, feed.readLine(first))
    }

    /// A feed that accepts the subscription and then sends nothing, never closing (a host gone
    /// without a FIN, a partition): the follower takes it for dead after `--feed-timeout` and
    /// connects again, instead of waiting for TCP keepalive (hours) while it looks healthy.
    @Test("a feed silent past its heartbeats is reconnected")
    func silentFeedIsReconnected() throws {
        let feed = try SilentFeed()
        defer { feed.close() }
        try following(feed, ["--feed-timeout", "2"]) { _, first, subscribe in
            // The first connection gets its subscribe reply, then silence.
            #expect(subscribe.contains("\"subscribe\""))
            feed.send(first, "{\"ok\":true,\"op\":\"subscribe\",\"from\":1,\"head\":0,\"compress\":\"none\",\"store\":7}\n")
            // A second connection comes once the timeout has passed.
            let second = try feed.accept(timeout: 15)
            Glibc.close(second)
        }
    }

    /// A feed that refuses the subscription: the follower retries, and `stats` says why it is
    /// not following (not only `feed_connected:false`).
    @Test("a refusing feed is named in stats as feed_error")
    func refusingFeedIsReportedInStats() throws {
        let feed = try SilentFeed()
        defer { feed.close() }
        try following(feed) { query, first, _ in
            feed.send(first, "{\"ok\":false,\"line\":1,\"error\":{\"code\":\"store_unavailable\",\"message\":\"disk trouble\"}}\n")
            var error: String?
            for _ in 0..<100 where error == nil {
                usleep(50_000)
                let client = try LineClient(port: query.port("query"), timeout: 5)
                try client.send("{\"op\":\"stats\"}\n")
                error = try client.readReply().fields["feed_error"] as? String
            }
            #expect(error?.contains("store_unavailable") == true, "\(String(describing: error))")
        }
    }

    /// A document over the follower's line limit is not skipped (that would lose it, and the
    /// index would go on without it): the index stops before it and says why.
    @Test("a feed line over --feed-max-line-bytes stops the index before it, with an error in stats")
    func oversizedFeedLineStopsTheIndex() throws {
        let cluster = try Cluster(queryArguments: ["--feed-max-line-bytes", "1048576"],
                                  ingestArguments: ["--max-line-bytes", "4194304", "--max-doc-bytes", "4194304"])
        defer { cluster.stop() }
        let big = "{\"id\":\"big\",\"body\":\"\(String(repeating: "stor ", count: 400_000))\"}"
        let acks = try cluster.put([Documents.generated("before", 0), big, Documents.generated("after", 1)])
        let stats = try cluster.waitForStats("the oversized line reported", timeout: 15) {
            ($0.fields["last_apply_error"] as? String)?.contains("--feed-max-line-bytes") == true
        }
        #expect((stats.int("seq") ?? .max) < acks[1].seq, "\(stats)")
        // The document after it is not searchable either: nothing past the gap is applied.
        let get = try cluster.ask("{\"op\":\"get\",\"id\":\"after-1\"}")
        #expect(get.code == "not_found", "\(get)")
    }
}

/// A TCP listener on a free loopback port that accepts connections and answers only what a test
/// sends by hand.
final class SilentFeed {
    let socket: Int32
    let port: Int

    init() throws {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw TestFailure("cannot listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        socket = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// The next connection, or a failure after `timeout` seconds without one.
    func accept(timeout: Double) throws -> Int32 {
        var waiter = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&waiter, 1, Int32(timeout * 1000)) == 1 else {
            throw TestFailure("no connection within \(timeout) s")
        }
        return Glibc.accept(socket, nil, nil)
    }

    /// Bytes up to the first newline (or whatever came within 10 s).
    func readLine(_ connection: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var waiter = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        while poll(&waiter, 1, 10_000) == 1, read(connection, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func send(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
    }

    func close() { Glibc.close(socket) }
}
