import Foundation
import TidendeTestSupport
import Testing

/// Many requests on one connection, many connections at once (DESIGN §2.3).
@Suite("Connections")
struct ConnectionTests {
    @Test("200 pipelined gets on one connection: 200 replies, in order")
    func pipelinedGets() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("p", count: 200)).last!
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: ack.seq).total == 200)

        // A shuffled order (fixed seed), so replies in id order would not pass by accident;
        // every fifth request a search for one marker, answered with one known id.
        var generator = SplitMix(seed: 42)
        let order = (0..<200).shuffled(using: &generator)
        var lines: [String] = []
        for (k, i) in order.enumerated() {
            lines.append(k % 5 == 4
                ? "{\"q\":\"\(Documents.marker(i))\",\"fields\":[\"id\"]}"
                : "{\"op\":\"get\",\"id\":\"p-\(i)\"}")
        }
        let client = try cluster.queryClient()
        try client.send(lines: lines)   // all at once, before reading anything
        client.shutdownWrite()
        for (k, i) in order.enumerated() {
            let reply = try client.readReply()
            if k % 5 == 4 {
                #expect(reply.hitIDs == ["p-\(i)"], "reply \(k + 1): \(reply)")
            } else {
                #expect(reply.ok && reply.id == "p-\(i)", "reply \(k + 1): \(reply)")
                #expect(reply.object("doc")?["body"] as? String != nil, "reply \(k + 1): \(reply)")
            }
        }
        #expect(try client.readLine() == nil, "more than 200 replies")
    }

    @Test("200 idle connections do not stop busy ones from being served")
    func idleConnections() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("c", count: 20)).last!
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: ack.seq).total == 20)

        var idle: [LineClient] = []
        for _ in 0..<200 { idle.append(try cluster.queryClient()) }
        // Some idle ones sent half a line and stopped: they must not hold anything up either.
        for client in idle.prefix(20) { try client.send(Array("{\"q\":\"netv".utf8)) }

        let busy = try (0..<4).map { _ in try cluster.queryClient(timeout: 10) }
        for round in 0..<25 {
            for (b, client) in busy.enumerated() {
                let i = (round * 4 + b) % 20
                let reply = try client.ask("{\"q\":\"\(Documents.marker(i))\"}")
                #expect(reply.hitIDs == ["c-\(i)"], "busy \(b) round \(round): \(reply)")
            }
        }
        let stats = try cluster.queryStats()
        #expect((stats.int("connections") ?? 0) >= 204, "\(stats)")
        // The idle connections still work when they finally speak.
        for client in idle.suffix(3) {
            let pong = try client.ask("{\"op\":\"ping\"}")
            #expect(pong.op == "pong", "\(pong)")
        }
        let half = idle[0]
        try half.send(lines: ["ærk\"}"])
        let finished = try half.readReply()
        #expect(finished.ok && finished.total == 20, "\(finished)")
    }

    @Test("A client that half-closes and reads its replies slowly still gets every one of them")
    func slowReaderAfterHalfClose() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("s", count: 100)).last!
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: ack.seq).total == 100)
        // ~28 KB per reply, ~11 MB in all: far more than the socket buffers hold when the server
        // finishes, so the last replies are still queued in the server when the input has ended.
        let count = 400
        let client = try LineClient(port: cluster.query.port("query"), timeout: 30, receiveBuffer: 8192)
        let writer = BackgroundWriter(client: client, lines: Array(repeating: "{\"q\":\"netværk\",\"limit\":100}", count: count))
        try writer.wait()
        client.shutdownWrite()
        usleep(500_000)
        var replies = 0
        while let line = try client.readLine() {
            let reply = try Reply(String(decoding: line, as: UTF8.self))
            #expect(reply.ok && reply.hitIDs.count == 100, "reply \(replies + 1): \(reply)")
            replies += 1
        }
        #expect(replies == count, "replies lost when the server closed")
    }

    @Test("quit answers what is pending, then closes; an HTTP request gets one line and a close")
    func quitAndHTTP() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("q", count: 3)).last!
        let client = try cluster.queryClient()
        try client.send(lines: ["{\"q\":\"\(Documents.marker(2))\",\"min_seq\":\(ack.seq)}", "{\"op\":\"ping\"}", "quit", "{\"op\":\"ping\"}"])
        let search = try client.readReply()
        #expect(search.hitIDs == ["q-2"], "\(search)")
        #expect(try client.readReply().op == "pong")
        let bye = try client.readReply()
        #expect(bye.ok, "\(bye)")
        #expect(try client.readLine() == nil, "a line after quit was answered")

        let http = try cluster.queryClient()
        try http.send(Array("GET /search?q=cyber HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        let refusal = try http.readReply()
        #expect(!refusal.ok && refusal.code == "http_not_supported", "\(refusal)")
        #expect(try http.readLine() == nil)
    }
}
