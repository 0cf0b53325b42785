import Foundation
import TidendeTestSupport
import Testing

/// `hello`: fewer acks for bulk loads, compressed replies (DESIGN §2.3, §2.4, §3).
@Suite("hello")
struct HelloTests {
    /// Sends `hello` asking for zlib replies, checks the (plain) reply, and inflates from there on.
    func helloZlib(_ client: LineClient) throws {
        try client.send("{\"op\":\"hello\",\"compress\":\"zlib\"}\n")
        let hello = try client.readObject()
        #expect(hello.op == "hello" && hello["compress"] as? String == "zlib", "\(hello)")
        client.startInflating(.zlib)
    }

    @Test("acks: errors sends only error lines, the sync reply and the summary")
    func errorsOnly() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        var lines = ["{\"op\":\"hello\",\"acks\":\"errors\"}"]
        let docs = Corpus.documents("e", count: 300)
        var badLines: [Int: String] = [:]
        for (i, doc) in docs.enumerated() {
            lines.append(doc)
            if i == 10 { lines.append("{\"id\":false}"); badLines[lines.count] = "invalid_id" }
            if i == 150 { lines.append("{oops"); badLines[lines.count] = "invalid_json" }
            if i == 200 { lines.append("{\"op\":\"sync\"}") }
            if i == 299 { lines.append("{\"nothing\":1}"); badLines[lines.count] = "missing_id" }
        }
        let syncLine = lines.firstIndex(of: "{\"op\":\"sync\"}")! + 1
        let replies = try server.exchange(Corpus.ndjson(lines))
        let hello = try #require(replies.first)
        #expect(hello.op == "hello" && hello["acks"] as? String == "errors", "\(hello)")
        let rest = Array(replies.dropFirst())
        try #require(rest.count == 5, "two errors, sync, one error, summary: \(rest)")
        #expect(rest[0].code == "invalid_id" && rest[0].line == 13)
        #expect(rest[1].code == "invalid_json" && rest[1].line == badLines.first { $0.value == "invalid_json" }?.key)
        #expect(rest[2].op == "sync", "\(rest[2])")
        #expect(rest[2].seq == 201, "the barrier comes after documents 0…200: \(rest[2])")
        #expect(rest[2].int("accepted") == 201)
        #expect(rest[3].code == "missing_id" && rest[3].line == lines.count)
        #expect(rest[4].op == "summary" && rest[4].int("accepted") == 300 && rest[4].int("last_seq") == 300)
        #expect(syncLine > 0)
    }

    /// `acks` applies from the `hello` on: documents before it in the same write (one read
    /// burst, one commit) are acknowledged as they were sent, those after it are not.
    @Test("acks: errors applies to the requests after the hello, not to those before it in the same burst")
    func acksModeFromTheHelloOn() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let replies = try server.exchange(Corpus.ndjson(["{\"id\":\"before\"}", "{\"op\":\"hello\",\"acks\":\"errors\"}", "{\"id\":\"after\"}"]))
        try #require(replies.count == 3, "ack, hello, summary: \(replies)")
        #expect(replies[0].id == "before" && replies[0].seq == 1, "\(replies[0])")
        #expect(replies[1].op == "hello", "\(replies[1])")
        #expect(replies[2].op == "summary" && replies[2].int("accepted") == 2, "\(replies[2])")
    }

    @Test("compress: zlib sends the hello reply in plain text, then a zlib stream of replies")
    func compressedReplies() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        let docs = Corpus.documents("c", count: 2000)
        try helloZlib(client)
        try client.send(Corpus.ndjson(docs + ["{\"op\":\"get\",\"id\":\"c-7\"}", "{\"id\":[]}"]))
        client.shutdownWrite()
        _ = try expectAcks(client, ids: (0..<2000).map { "c-\($0)" }, firstLine: 2)
        let got = try client.readObject()
        #expect(got.id == "c-7" && sameJSON(got.object("doc"), parsedObject(docs[7])))
        let error = try client.readObject()
        #expect(error.code == "invalid_id" && error.line == 2003)
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == 2000)
        #expect(try client.closesNext())
        #expect(client.inflatedStreamEnded, "the zlib stream is finished properly before the close")
    }

    @Test("a second hello cannot restart or change the compression: the zlib stream stays one stream")
    func compressionIsSetOnce() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try helloZlib(client)
        let again = ["{\"op\":\"hello\",\"compress\":\"zlib\",\"acks\":\"each\"}", "{\"op\":\"hello\",\"compress\":\"gzip\"}",
                     "{\"op\":\"hello\",\"compress\":\"none\"}", "{\"op\":\"ping\"}"]
        try client.send(Corpus.ndjson(again))
        client.shutdownWrite()
        let same = try client.readObject()
        #expect(same.op == "hello" && same["compress"] as? String == "zlib", "\(same)")
        for line in [3, 4] {
            let refused = try client.readObject()
            #expect(refused.code == "invalid_request" && refused.line == line && (refused.message ?? "").contains("zlib"), "\(refused)")
        }
        #expect(try client.readObject().op == "pong")
        #expect(try client.readObject().op == "summary")
        #expect(try client.closesNext())
        #expect(client.inflatedStreamEnded, "one zlib stream, finished properly before the close")
    }

    @Test("an explicit compress: none binds too: a later hello or subscribe asking for zlib is refused, replies stay plain")
    func noneIsBinding() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send(Corpus.ndjson(["{\"op\":\"hello\",\"compress\":\"none\"}", "{\"op\":\"hello\",\"compress\":\"zlib\"}",
                                       "{\"op\":\"hello\",\"compress\":\"none\"}", "{\"op\":\"ping\"}"]))
        client.shutdownWrite()
        #expect(try client.readObject()["compress"] as? String == "none")
        let refused = try client.readObject()
        #expect(refused.code == "invalid_request" && refused.line == 2 && (refused.message ?? "").contains("plain"), "\(refused)")
        let same = try client.readObject()
        #expect(same.op == "hello" && same["compress"] as? String == "none", "\(same)")
        #expect(try client.readObject().op == "pong", "replies are still plain")
        #expect(try client.readObject().op == "summary")

        try FeedTests().upload(server, Corpus.documents("n", count: 2))
        let feed = try server.connectFeed()
        try feed.send("{\"op\":\"hello\",\"compress\":\"none\"}\n{\"op\":\"subscribe\",\"from\":1,\"compress\":\"zlib\"}\n{\"op\":\"subscribe\",\"from\":1}\n")
        #expect(try feed.readObject().op == "hello")
        let refusedFeed = try feed.readObject()
        #expect(refusedFeed.code == "invalid_request" && refusedFeed.line == 2, "\(refusedFeed)")
        // Without `compress`, subscribe keeps what hello chose: plain.
        let reply = try feed.readObject()
        #expect(reply.op == "subscribe" && reply["compress"] as? String == "none", "\(reply)")
        let changes = try FeedTests().readChanges(feed, from: 1, through: 2)
        #expect(changes.map { $0.object("put")?["id"] as? String } == ["n-0", "n-1"])
    }

    @Test("hello compress then subscribe: the feed goes on in the same stream, and says so")
    func helloCompressThenSubscribe() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        try FeedTests().upload(server, Corpus.documents("h", count: 3))
        let feed = try server.connectFeed()
        try helloZlib(feed)
        try feed.send("{\"op\":\"ping\"}\n{\"op\":\"subscribe\",\"from\":1,\"compress\":\"none\"}\n{\"op\":\"subscribe\",\"from\":1}\n")
        #expect(try feed.readObject().op == "pong")
        let refused = try feed.readObject()
        #expect(refused.code == "invalid_request" && refused.line == 3, "\(refused)")
        let reply = try feed.readObject()
        #expect(reply.op == "subscribe" && reply["compress"] as? String == "zlib", "\(reply)")
        let changes = try FeedTests().readChanges(feed, from: 1, through: 3)
        #expect(changes.map { $0.object("put")?["id"] as? String } == ["h-0", "h-1", "h-2"])
    }

    @Test("a bad hello value is an invalid_request, and the connection goes on")
    func badHello() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"op\":\"hello\",\"acks\":\"some\"}\n{\"op\":\"hello\",\"compress\":\"brotli\"}\n{\"id\":\"ok\"}\n")
        client.shutdownWrite()
        let first = try client.readObject(), second = try client.readObject()
        #expect(first.code == "invalid_request" && first.line == 1)
        #expect(second.code == "invalid_request" && second.line == 2)
        #expect(try client.readObject().id == "ok")
        #expect(try client.readObject().op == "summary")
    }
}
