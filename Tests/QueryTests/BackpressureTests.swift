import Foundation
import NIOCore
import Testing
import TidendeTestSupport
import TidendeWire

/// A few compressed bytes can carry a great many requests. A client that does not read its
/// replies must stop the server from taking more of them (DESIGN §2.1: inflation is bounded), not
/// make it answer them all into memory; once it reads, every reply still comes, in order.
@Suite("Backpressure")
struct BackpressureTests {
    @Test("a gzip stream of 100 000 queries from a client that does not read: the server stops taking them, then answers every one, in order")
    func compressedQueriesFromAClientThatDoesNotRead() throws {
        let cluster = try Cluster()
        let docs = 20
        let ack = try cluster.put(Documents.generated("b", count: docs)).last!
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: ack.seq).total == docs)

        // Plain-text queries for one marker each, cycling, so reply k must find exactly b-(k % 20).
        let count = 100_000
        var text: [UInt8] = []
        for k in 0..<count { text += Array(Documents.marker(k % docs).utf8) + [0x0a] }
        var deflater = Deflater(format: .gzip, level: 6)
        var gzip = ByteBuffer()
        deflater.compress(ByteBuffer(bytes: text), into: &gzip, flush: .finish)

        let before = try cluster.queryStats().int("queries") ?? 0
        let client = try LineClient(port: cluster.query.port("query"), timeout: 60, receiveBuffer: 4096)
        try client.send(Array(gzip.readableBytesView))   // a few kilobytes: in the socket at once

        // Wait until every query has run or the server has stopped taking them (the count holds
        // still for three seconds); nothing is read meanwhile.
        var taken = 0
        var stillFor = 0
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let now = (try cluster.queryStats().int("queries") ?? 0) - before
            stillFor = now == taken ? stillFor + 1 : 0
            taken = now
            if taken >= count || stillFor >= 3 { break }
            usleep(1_000_000)
        }
        #expect(taken < count / 2, "the server ran \(taken) of \(count) queries for a client that reads none of the replies")

        // Then the client reads: every reply arrives, in order, exactly once, and the connection
        // closes after the last (the compressed upload ended).
        var wrong: [String] = []
        for k in 0..<count {
            let reply = try client.readReply()
            if reply.hitIDs != ["b-\(k % docs)"] { wrong.append("reply \(k + 1): \(reply)") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) replies out of place, first: \(wrong.first ?? "")")
        #expect(try client.readLine() == nil, "more than \(count) replies")
        #expect(try cluster.queryStats().int("queries") == before + count)
    }
}
