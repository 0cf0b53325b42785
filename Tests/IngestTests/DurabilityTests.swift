import Foundation
import TidendeTestSupport
import Testing

/// Ack = durable (DESIGN §3, §7): acknowledged documents survive `kill -9`, seqs stay continuous,
/// and a graceful restart keeps documents and counts.
@Suite("Durability")
struct DurabilityTests {
    /// Reads `{"ok":true,"id":…,"seq":…}` acks until `count` are in.
    func readAcks(_ client: LineClient, count: Int) throws -> [(id: String, seq: Int64)] {
        var acked: [(id: String, seq: Int64)] = []
        while acked.count < count {
            let reply = try client.readObject()
            guard reply.ok == true, let id = reply.id, let seq = reply.seq else {
                throw TestFailure("expected an ack, got \(reply)")
            }
            acked.append((id, seq))
        }
        return acked
    }

    /// Subscribes from 0 without compression and returns `seq → id` of every change through the
    /// head the subscribe reply names, checking the seqs are exactly 1…head.
    func replayFeed(_ server: IngestProcess) throws -> (head: Int64, ids: [Int64: String]) {
        let feed = try server.connectFeed(timeout: 60)
        try feed.send("{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n")
        let reply = try feed.readObject()
        let head = try #require(reply.int("head"), "\(reply)")
        var ids: [Int64: String] = [:]
        var expected: Int64 = 1
        while expected <= head {
            let line = try feed.readObject()
            if line["seq"] == nil { continue }  // heartbeat
            guard line.seq == expected, let id = line.object("put")?["id"] as? String else {
                throw TestFailure("feed after restart: expected seq \(expected) (a put), got \(line)")
            }
            ids[expected] = id
            expected += 1
        }
        return (head, ids)
    }

    @Test("kill -9 in the middle of an upload: every ack survives with its seq; seqs stay gap-free")
    func killNineMidUpload() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect(timeout: 60)
        let docs = Corpus.documents("k", count: 200_000, bodyBytes: 16)
        let writer = client.sendInBackground(Corpus.ndjson(docs))
        var acked = try readAcks(client, count: 3000)
        server.kill9()
        // Acks already on their way when the process died count just as much.
        while let line = try? client.readLine(), let reply = try? JSONObject(line) {
            if reply.ok == true, let id = reply.id, let seq = reply.seq { acked.append((id, seq)) }
        }
        _ = writer.wait()  // fails with a broken pipe, as it should
        #expect(acked.count < 200_000, "the kill came in the middle of the upload")
        for (i, ack) in acked.enumerated() {
            try #require(ack.seq == Int64(i + 1) && ack.id == "k-\(i)", "ack \(i): \(ack)")
        }

        try server.restart()
        let (head, ids) = try replayFeed(server)
        #expect(head >= Int64(acked.count), "head \(head) covers all \(acked.count) acks")
        for ack in acked where ids[ack.seq] != ack.id {
            Issue.record("acked \(ack.id) at seq \(ack.seq), after restart seq \(ack.seq) is \(ids[ack.seq] ?? "missing")")
            break
        }
        // Unacked but committed documents may exist past the last ack; they continue the prefix.
        for seq in 1...max(head, 1) where head > 0 {
            if ids[seq] != "k-\(seq - 1)" {
                Issue.record("seq \(seq) holds \(ids[seq] ?? "nothing"), expected k-\(seq - 1)")
                break
            }
        }
        let sample = Array(Set(stride(from: 0, to: acked.count, by: 250).map { acked[$0].id } + [acked.last!.id]))
        let stored = try fetch(server, ids: sample)
        #expect(stored.count == sample.count, "sampled acked documents are retrievable with get")
        for id in sample {
            let index = Int(id.dropFirst(2))!
            #expect(sameJSON(stored[id], parsedObject(docs[index])), "\(id)")
        }

        let next = try server.connect()
        try next.send("{\"id\":\"after-crash\"}\n")
        let ack = try next.readObject()
        #expect(ack.id == "after-crash" && ack.seq == head + 1, "new documents continue at head+1: \(ack)")
    }

    @Test("a graceful restart (SIGTERM) keeps documents, tombstones and seq")
    func gracefulRestart() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("r", count: 1000)
        let deletes = (0..<10).map { "{\"op\":\"delete\",\"id\":\"r-\($0 * 7)\"}" }
        let client = try server.connect()
        let writer = client.sendInBackground(Corpus.ndjson(docs + deletes + ["{\"op\":\"stats\"}"]))
        for _ in 0..<1010 { _ = try client.readObject() }
        let before = try client.readObject()
        #expect(before.op == "stats", "\(before)")
        #expect(before.int("documents") == 990 && before.int("tombstones") == 10 && before.int("seq") == 1010, "\(before)")
        writer.wait()
        client.shutdownWrite()
        #expect(try client.readObject().op == "summary")

        let status = server.terminate()
        #expect(status == 0, "a clean exit on SIGTERM")
        try server.restart()

        let stats = try server.connect()
        try stats.send("{\"op\":\"stats\"}\n")
        let after = try stats.readObject()
        for key in ["documents", "tombstones", "seq"] {
            #expect(after.int(key) == before.int(key), "\(key): \(after)")
        }
        let ids = ["r-0", "r-7", "r-1", "r-500", "r-999"]
        let stored = try fetch(server, ids: ids)
        #expect(stored["r-0"] == nil && stored["r-7"] == nil, "deleted stay deleted")
        #expect(sameJSON(stored["r-1"], parsedObject(docs[1])))
        #expect(sameJSON(stored["r-500"], parsedObject(docs[500])))
        #expect(sameJSON(stored["r-999"], parsedObject(docs[999])))
        try stats.send("{\"id\":\"r-new\"}\n")
        #expect(try stats.readObject().seq == 1011)
    }

    @Test("SIGTERM in the middle of an upload: what was acked is kept, the exit is clean")
    func terminateMidUpload() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect(timeout: 60)
        let docs = Corpus.documents("t", count: 100_000, bodyBytes: 16)
        let writer = client.sendInBackground(Corpus.ndjson(docs))
        var acked = try readAcks(client, count: 2000)
        let status = server.terminate()
        while let line = try? client.readLine(), let reply = try? JSONObject(line) {
            if reply.ok == true, let id = reply.id, let seq = reply.seq { acked.append((id, seq)) }
        }
        _ = writer.wait()
        #expect(status == 0)
        try server.restart()
        let (head, ids) = try replayFeed(server)
        #expect(head >= Int64(acked.count))
        #expect(acked.allSatisfy { ids[$0.seq] == $0.id }, "every ack survives a graceful stop")
    }

    @Test("SIGTERM in the middle of a pipelined upload: every stored document is acked, then shutting_down and the summary; idle connections get shutting_down")
    func terminateMidPipelinedUpload() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        // Idle connections: ingest and feed (one subscribed, one not), each known to be served.
        let idle = try server.connect(timeout: 60)
        try idle.send("{\"op\":\"ping\"}\n")
        #expect(try idle.readObject().op == "pong")
        let idleFeed = try server.connectFeed(timeout: 60)
        try idleFeed.send("{\"op\":\"ping\"}\n")
        #expect(try idleFeed.readObject().op == "pong")
        let tail = try server.connectFeed(timeout: 60)
        try tail.send("{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n")
        #expect(try tail.readObject().op == "subscribe")

        let count = 300_000
        let client = try server.connect(timeout: 60)
        let writer = client.sendInBackground(Corpus.ndjson(Corpus.documents("p", count: count, bodyBytes: 16)))
        var acked = try readAcks(client, count: 5000)
        // The signal comes while the upload is in full flight (the first acks are in); replies
        // are read on as they come, and the process is only waited for after the close.
        kill(server.pid, SIGTERM)
        var ending: [JSONObject] = []
        while let line = try client.readLine() {
            let reply = try JSONObject(line)
            if ending.isEmpty, reply.ok == true, let id = reply.id, let seq = reply.seq {
                acked.append((id, seq))
            } else {
                ending.append(reply)
            }
        }
        _ = writer.wait()
        let deadline = Date().addingTimeInterval(30)
        while server.isRunning && Date() < deadline { usleep(10_000) }
        #expect(!server.isRunning && server.process.terminationStatus == 0, "a clean exit on SIGTERM\n\(server.logTail())")

        #expect(acked.count < count, "the signal came in the middle of the upload")
        for (i, ack) in acked.enumerated() {
            try #require(ack.seq == Int64(i + 1) && ack.id == "p-\(i)", "ack \(i): \(ack)")
        }
        // After the acks: shutting_down (per line not committed, if any, then for the
        // connection), then the summary, then the close.
        #expect(ending.count >= 2, "shutting_down and the summary after the last ack: \(ending)")
        if ending.count >= 2 {
            let perLine = ending.dropLast(2)
            for (i, reply) in perLine.enumerated() {
                #expect(reply.code == "shutting_down" && reply.line == acked.count + i + 1, "\(reply)")
            }
            let notice = ending[ending.count - 2], summary = ending[ending.count - 1]
            #expect(notice.ok == false && notice.code == "shutting_down" && notice.line == nil, "\(notice)")
            #expect(summary.op == "summary" && summary.ok == false, "\(summary)")
            #expect(summary.int("accepted") == Int64(acked.count) && summary.int("last_seq") == acked.last?.seq,
                    "the summary counts the acks (\(acked.count), last seq \(acked.last?.seq ?? 0)): \(summary)")
        }

        // Idle connections: shutting_down (ingest: then its summary), then the close.
        let idleLines = try idle.readAllLines().map { try JSONObject($0) }
        #expect(idleLines.count == 2 && idleLines.first?.code == "shutting_down" && idleLines.last?.op == "summary", "\(idleLines)")
        let feedLines = try idleFeed.readAllLines().map { try JSONObject($0) }
        #expect(feedLines.count == 1 && feedLines.first?.code == "shutting_down", "\(feedLines)")
        let tailLines = try tail.readAllLines()
        #expect(tailLines.last.flatMap { try? JSONObject($0) }?.code == "shutting_down", "the feed tail ends with shutting_down")

        // After a restart: the store holds exactly the acked documents at their seqs, no more.
        try server.restart()
        let (head, ids) = try replayFeed(server)
        #expect(head == Int64(acked.count), "stored \(head) documents, acked \(acked.count)")
        for ack in acked where ids[ack.seq] != ack.id {
            Issue.record("acked \(ack.id) at seq \(ack.seq), after restart seq \(ack.seq) is \(ids[ack.seq] ?? "missing")")
            break
        }
    }
}
