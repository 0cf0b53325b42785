import Foundation
import TidendeTestSupport
import Testing

/// The feed (:7471): catch-up in seq order, live tail, heartbeats, compression, several
/// subscribers, slow subscribers (DESIGN §4).
@Suite("Feed")
struct FeedTests {
    /// Uploads `lines` on one plain connection and returns the replies (without the summary).
    @discardableResult
    func upload(_ server: IngestProcess, _ lines: [String]) throws -> [JSONObject] {
        let client = try server.connect()
        let writer = client.sendInBackground(Corpus.ndjson(lines))
        var replies: [JSONObject] = []
        for _ in lines { replies.append(try client.readObject()) }
        client.shutdownWrite()
        #expect(try client.readObject().op == "summary")
        #expect(writer.wait().error == nil)
        return replies
    }

    /// Subscribes and returns the subscribe reply; `compress` nil uses the default (zlib).
    func subscribe(_ feed: LineClient, from: Int64, compress: String?, store: Int64? = nil) throws -> JSONObject {
        let extra = (compress.map { ",\"compress\":\"\($0)\"" } ?? "") + (store.map { ",\"store\":\($0)" } ?? "")
        try feed.send("{\"op\":\"subscribe\",\"from\":\(from)\(extra)}\n")
        // With compression, everything from the subscribe reply on is compressed.
        if compress != "none" { feed.startInflating(compress == "gzip" ? .gzip : .zlib) }
        let reply = try feed.readObject()
        try #require(reply.ok == true && reply.op == "subscribe", "\(reply)")
        return reply
    }

    /// The first line after the subscribe reply that is a reset or a change (heartbeats skipped).
    func firstResetOrChange(_ feed: LineClient) throws -> JSONObject {
        var line = try feed.readObject()
        while line["reset"] == nil && line["seq"] == nil { line = try feed.readObject() }
        return line
    }

    /// Reads change lines (skipping heartbeats) until `seq == through`; checks they come in
    /// increasing seq order starting at `from`, with no gaps unless `gapFree` is false (replaced
    /// and deleted documents leave gaps where their old versions were compacted).
    func readChanges(_ feed: LineClient, from: Int64, through: Int64, gapFree: Bool = true) throws -> [JSONObject] {
        var changes: [JSONObject] = []
        var last = from - 1
        while last < through {
            let line = try feed.readObject()
            if line["head"] != nil && line["seq"] == nil { continue }
            guard let seq = line.seq, seq > last, !gapFree || seq == last + 1, seq <= through else {
                throw TestFailure("feed: expected seq \(last + 1)\(gapFree ? "" : " or later"), got \(line)")
            }
            changes.append(line)
            last = seq
        }
        return changes
    }

    @Test("subscribe from 0 (no compression): every change in order, then live, then heartbeats")
    func catchUpLiveAndHeartbeat() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("f", count: 50)
        try upload(server, docs + ["{\"op\":\"delete\",\"id\":\"f-3\"}", "{\"id\":\"f-4\",\"title\":\"replaced\"}"])

        let feed = try server.connectFeed()
        let reply = try subscribe(feed, from: 0, compress: "none")
        #expect(reply.int("head") == 52)
        let changes = try readChanges(feed, from: 1, through: 52, gapFree: false)
        // f-3 was deleted (seq 51) and f-4 replaced (seq 52): their old versions are compacted.
        // The feed replays the current state in seq order: puts with the stored document.
        #expect(changes.compactMap(\.seq) == Array(1...3) + Array(6...52))
        #expect(changes.last?.object("put")?["title"] as? String == "replaced")
        #expect(changes[changes.count - 2]["delete"] as? String == "f-3")
        for change in changes {
            let seq = try #require(change.seq)
            if seq <= 50 {
                let i = Int(seq) - 1
                if i == 3 || i == 4 { continue }
                #expect(sameJSON(change.object("put"), parsedObject(docs[i])), "seq \(seq): \(change)")
            }
        }
        feed.shutdownWrite()  // the feed goes on after the client's half-close
        let live = try upload(server, ["{\"id\":\"live-1\",\"title\":\"ny\"}"])
        let liveSeq = try #require(live.first?.seq)
        var line = try feed.readObject()
        while line["seq"] == nil { line = try feed.readObject() }
        #expect(line.seq == liveSeq && (line.object("put")?["id"] as? String) == "live-1", "\(line)")
        // Idle: a heartbeat with the head.
        let beat = try feed.readObject()
        #expect(beat.int("head") == liveSeq && beat["seq"] == nil, "\(beat)")
    }

    @Test("deletes come as {\"seq\":N,\"delete\":\"id\"}")
    func deletesInFeed() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("d", count: 5) + ["{\"op\":\"delete\",\"id\":\"d-2\"}"])
        let feed = try server.connectFeed()
        _ = try subscribe(feed, from: 0, compress: "none")
        // Seq 3 (d-2's put) was superseded by the delete, so the replay skips it.
        var seen: [Int64: JSONObject] = [:]
        while seen[6] == nil {
            let line = try feed.readObject()
            if let seq = line.seq { seen[seq] = line }
        }
        #expect(seen[6]?["delete"] as? String == "d-2", "\(String(describing: seen[6]))")
        #expect(seen[6]?["put"] == nil)
        #expect(seen[3] == nil, "the superseded put is not replayed")
        #expect(Set(seen.keys) == [1, 2, 4, 5, 6])
    }

    @Test("the default feed is zlib and decodes; from in the middle starts there")
    func zlibDefaultAndFromMiddle() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("m", count: 3000)
        try upload(server, docs)
        let feed = try server.connectFeed()
        let reply = try subscribe(feed, from: 1234, compress: nil)
        #expect(reply["compress"] as? String == "zlib")
        #expect(reply.int("from") == 1234)
        let changes = try readChanges(feed, from: 1234, through: 3000)
        #expect(changes.count == 3000 - 1233)
        #expect(sameJSON(changes.first?.object("put"), parsedObject(docs[1233])))
        #expect(sameJSON(changes.last?.object("put"), parsedObject(docs[2999])))
    }

    @Test("two subscribers at once both get everything, live included")
    func twoSubscribers() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("a", count: 500))
        let one = try server.connectFeed(), two = try server.connectFeed()
        _ = try subscribe(one, from: 0, compress: nil)
        _ = try subscribe(two, from: 1, compress: "none")
        try upload(server, Corpus.documents("b", count: 500))
        let first = try readChanges(one, from: 1, through: 1000)
        let second = try readChanges(two, from: 1, through: 1000)
        #expect(first.map(\.text) == second.map(\.text))
        #expect((first.last?.object("put")?["id"] as? String) == "b-499")
    }

    @Test("a subscriber that does not read does not stop ingestion; later it gets everything in order")
    func stalledSubscriber() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("s", count: 100))
        let slow = try server.connectFeed(timeout: 60, receiveBuffer: 4096)
        _ = try subscribe(slow, from: 0, compress: "none")
        // Not reading from `slow` while 20 000 more documents go in.
        let start = Date()
        let client = try server.connect(timeout: 60)
        let docs = Corpus.documents("more", count: 20_000, bodyBytes: 200)
        let writer = client.sendInBackground(Corpus.ndjson(docs))
        let seqs = try expectAcks(client, ids: (0..<20_000).map { "more-\($0)" })
        #expect(writer.wait().error == nil)
        #expect(seqs.last == 20_100)
        let ingestSeconds = Date().timeIntervalSince(start)
        // Now read: every change, in order, none lost.
        let changes = try readChanges(slow, from: 1, through: 20_100)
        #expect(changes.count == 20_100)
        #expect((changes.last?.object("put")?["id"] as? String) == "more-19999")
        #expect(ingestSeconds < 60)
    }

    @Test("feed requests: bad from, unknown op, double subscribe, ping")
    func feedRequestErrors() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let feed = try server.connectFeed()
        try feed.send("{\"op\":\"subscribe\",\"from\":-1}\n{\"op\":\"publish\"}\n{\"op\":\"ping\"}\n{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n{\"op\":\"subscribe\",\"from\":0}\n")
        let bad = try feed.readObject()
        #expect(bad.code == "invalid_request" && bad.line == 1, "\(bad)")
        let unknown = try feed.readObject()
        #expect(unknown.code == "unknown_op" && unknown.line == 2, "\(unknown)")
        #expect(try feed.readObject().op == "pong")
        #expect(try feed.readObject().op == "subscribe")
        var line = try feed.readObject()
        while line["head"] != nil && line["ok"] == nil { line = try feed.readObject() }
        #expect(line.code == "invalid_request" && line.line == 5, "\(line)")
    }

    @Test("subscribe without from is an invalid_request that says {\"from\":SEQ} is expected, not from 1")
    func fromIsRequired() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let feed = try server.connectFeed()
        try feed.send("{\"op\":\"subscribe\",\"compress\":\"none\"}\n{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n")
        let missing = try feed.readObject()
        #expect(missing.code == "invalid_request" && missing.line == 1 && (missing.message ?? "").contains("\"from\":SEQ"), "\(missing)")
        // The refused subscribe left the connection free to subscribe properly.
        #expect(try feed.readObject().op == "subscribe")
    }

    @Test("from head + 1 waits for the next change; gzip compression decodes too")
    func fromTheNextSeq() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("early", count: 2))
        let feed = try server.connectFeed()
        let reply = try subscribe(feed, from: 3, compress: "gzip")
        #expect(reply.int("head") == 2 && reply["compress"] as? String == "gzip", "\(reply)")
        try upload(server, Corpus.documents("late", count: 3))
        let changes = try readChanges(feed, from: 3, through: 5)
        #expect(changes.map { $0.object("put")?["id"] as? String } == ["late-0", "late-1", "late-2"])
    }

    /// A subscriber past head + 1 has seen changes this store never made (it was replaced or
    /// restored from a backup). Waiting for its seq would leave it silently stale until the new
    /// store's seqs caught up, and then feed it the wrong documents: it is reset instead.
    @Test("from beyond head + 1: reset, then every live document and the live tail")
    func fromBeyondTheHead() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("early", count: 2))
        let feed = try server.connectFeed()
        let reply = try subscribe(feed, from: 500, compress: "none")
        #expect(reply.int("head") == 2, "\(reply)")
        let line = try firstResetOrChange(feed)
        #expect(line["reset"] as? Bool == true && line.int("head") == 2, "expected a reset first, got \(line)")
        let snapshot = try readChanges(feed, from: 1, through: 2)
        #expect(snapshot.map { $0.object("put")?["id"] as? String } == ["early-0", "early-1"])
        try upload(server, Corpus.documents("late", count: 1))
        let live = try readChanges(feed, from: 3, through: 3)
        #expect(live.first?.object("put")?["id"] as? String == "late-0")
    }

    /// A subscriber names the store its state came from: the same store goes on from its seq,
    /// another one (the file was replaced, even by one with more changes) resets it.
    @Test("subscribe with the store's id resumes; with another store's id, reset")
    func storeIdentity() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try upload(server, Corpus.documents("doc", count: 4))
        let first = try server.connectFeed()
        let store = try #require(subscribe(first, from: 0, compress: "none").int("store"))
        #expect(store > 0)
        let same = try server.connectFeed()
        let resumed = try subscribe(same, from: 3, compress: "none", store: store)
        #expect(resumed.int("store") == store && resumed["reset"] == nil, "\(resumed)")
        #expect(try readChanges(same, from: 3, through: 4).count == 2)
        let other = try server.connectFeed()
        let reply = try subscribe(other, from: 3, compress: "none", store: store &+ 1)
        #expect(reply.int("store") == store && reply["reset"] as? Bool == true, "\(reply)")
        let line = try firstResetOrChange(other)
        #expect(line["reset"] as? Bool == true && line.int("store") == store, "expected a reset first, got \(line)")
        #expect(try readChanges(other, from: 1, through: 4).count == 4)
    }
}
