import Foundation
import TidendeTestSupport
import Testing

/// Compressed uploads that go wrong: cut short, corrupt, or a bomb. Each ends with an error line,
/// the summary and a close; what was acknowledged before stays stored (DESIGN §2.1).
@Suite("Broken compressed streams")
struct BrokenStreamTests {
    /// Reads acks until a line that is not an ack; returns the acked ids and that line.
    func readAcksUntilError(_ client: LineClient) throws -> (acked: [String: Int64], next: JSONObject) {
        var acked: [String: Int64] = [:]
        var lastSeq: Int64 = 0
        while true {
            let reply = try client.readObject()
            guard reply.ok == true, let id = reply.id, let seq = reply.seq else { return (acked, reply) }
            #expect(seq == lastSeq + 1, "seq \(seq) after \(lastSeq)")
            lastSeq = seq
            acked[id] = seq
        }
    }

    @Test("truncated gzip: truncated_stream, the summary, close; every ack is retrievable")
    func truncatedGzip() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("t", count: 4000)
        let gz = Compression.deflate(Corpus.ndjson(docs), .gzip)
        let cut = Array(gz.prefix(gz.count * 6 / 10))
        let client = try server.connect()
        try client.send(cut)
        client.shutdownWrite()
        let (acked, errorLine) = try readAcksUntilError(client)
        #expect(errorLine.ok == false)
        #expect(errorLine.code == "truncated_stream", "\(errorLine)")
        #expect(acked.count > 1000 && acked.count < 4000, "a prefix of the documents was acked: \(acked.count)")
        let summary = try client.readObject()
        #expect(summary.op == "summary", "\(summary)")
        #expect(summary.ok == false, "a broken upload's summary is not ok")
        #expect(summary.int("accepted") == Int64(acked.count))
        #expect(try client.closesNext())

        // Acked documents are those of a prefix, and each is stored as sent.
        for i in 0..<acked.count { #expect(acked["t-\(i)"] != nil, "t-\(i) belongs to the acked prefix") }
        let ids = (0..<min(acked.count + 5, 4000)).map { "t-\($0)" }
        let stored = try fetch(server, ids: ids)
        #expect(stored.count == acked.count, "exactly the acked documents are stored")
        for i in stride(from: 0, to: acked.count, by: 97) {
            #expect(sameJSON(stored["t-\(i)"], parsedObject(docs[i])))
        }
    }

    @Test("corrupt gzip header: invalid_compression, summary, close")
    func corruptHeader() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        var gz = Compression.deflate(Corpus.ndjson(Corpus.documents("x", count: 10)), .gzip)
        gz[2] = 7  // compression method 7 does not exist
        let client = try server.connect()
        try client.send(gz)
        let error = try client.readObject()
        #expect(error.ok == false && error.code == "invalid_compression", "\(error)")
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == 0)
        #expect(try client.closesNext())
    }

    @Test("corrupt gzip data: invalid_compression after the lines decoded before it")
    func corruptData() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("y", count: 2000)
        var gz = Compression.deflate(Corpus.ndjson(docs), .gzip)
        // Break the CRC-32 in the trailer: every byte inflates, the check at the end fails.
        gz[gz.count - 8] ^= 0xFF
        let client = try server.connect()
        try client.send(gz)
        let (acked, errorLine) = try readAcksUntilError(client)
        #expect(errorLine.code == "invalid_compression", "\(errorLine)")
        #expect(acked.count <= 2000)
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == Int64(acked.count))
        #expect(try client.closesNext())
    }

    @Test("garbage after the end of a gzip stream is invalid_compression")
    func trailingGarbage() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let gz = Compression.deflate(Corpus.ndjson(Corpus.documents("w", count: 3)), .gzip)
        let client = try server.connect()
        try client.send(gz + Array("hello\n".utf8))
        let (acked, errorLine) = try readAcksUntilError(client)
        #expect(acked.count == 3)
        #expect(errorLine.code == "invalid_compression", "\(errorLine)")
        #expect(try client.readObject().op == "summary")
        #expect(try client.closesNext())
    }

    @Test("a gzip bomb (1 GiB of zeros) is cut off with decompression_limit; memory stays small")
    func bomb() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect(timeout: 60)
        let fd = client.fd
        // Streamed from a background thread while this one reads: the server closes long before
        // the whole gigabyte is compressed, and the sender stops at the first failed write.
        let sender = BackgroundJob {
            let finished = Compression.streamZeroBomb(totalBytes: 1 << 30) { try LineClient.sendAll(fd: fd, $0) }
            if finished { shutdown(fd, Int32(SHUT_WR)) }
        }
        var replies: [JSONObject] = []
        while let line = try client.readLine() { replies.append(try JSONObject(line)) }
        let codes = replies.compactMap(\.code)
        #expect(codes.contains("decompression_limit"), "replies: \(replies)")
        #expect(replies.last?.op == "summary", "replies: \(replies)")
        #expect(sender.wait(timeout: 120).finished)

        let peakKiB = try #require(server.peakResidentKiB())
        #expect(peakKiB < 200 * 1024, "peak RSS \(peakKiB / 1024) MiB")
        // The server is still well.
        let ping = try server.connect()
        try ping.send("{\"op\":\"ping\"}\n")
        #expect(try ping.readObject().op == "pong")
    }
}
