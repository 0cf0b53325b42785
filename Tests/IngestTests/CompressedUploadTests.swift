import Foundation
import TidendeTestSupport
import Testing
import TidendeWire

/// `gzip -c docs.ndjson | nc host 7470` with no half-close: the server must notice the end of the
/// compressed stream itself, answer everything, write the summary and close (DESIGN §2.1, §2.5).
@Suite("Compressed uploads")
struct CompressedUploadTests {
    /// Sends `bytes` without half-closing and expects acks for `ids`, the summary and a close.
    func expectCompleteUpload(_ bytes: [UInt8], ids: [String]) throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send(bytes)
        // No shutdownWrite: the end of the compressed stream is the only sign the upload is over.
        let seqs = try expectAcks(client, ids: ids)
        #expect(seqs.first == 1)
        let summary = try client.readObject()
        #expect(summary.op == "summary", "\(summary)")
        #expect(summary.ok == true)
        #expect(summary.int("accepted") == Int64(ids.count))
        #expect(summary.int("last_seq") == seqs.last)
        #expect(try client.closesNext(), "the server closes by itself")
    }

    @Test("gzip from /usr/bin/gzip, no half-close", .enabled(if: Compression.hasSystemGzip, "needs /usr/bin/gzip"))
    func systemGzipUpload() throws {
        let docs = Corpus.documents("g", count: 3000)
        let gz = try Compression.systemGzip(Corpus.ndjson(docs))
        #expect(gz.starts(with: [0x1F, 0x8B]))
        try expectCompleteUpload(gz, ids: (0..<3000).map { "g-\($0)" })
    }

    @Test("gzip from our Deflater, no half-close")
    func deflaterGzipUpload() throws {
        let docs = Corpus.documents("d", count: 1000)
        try expectCompleteUpload(Compression.deflate(Corpus.ndjson(docs), .gzip), ids: (0..<1000).map { "d-\($0)" })
    }

    @Test("zlib, no half-close")
    func zlibUpload() throws {
        let docs = Corpus.documents("z", count: 1000)
        let z = Compression.deflate(Corpus.ndjson(docs), .zlib)
        #expect(StreamEncoding.detect(z[0], z[1]) == .zlib)
        try expectCompleteUpload(z, ids: (0..<1000).map { "z-\($0)" })
    }

    @Test("concatenated gzip members are one upload (cat a.gz b.gz c.gz)", .enabled(if: Compression.hasSystemGzip, "needs /usr/bin/gzip"))
    func concatenatedMembers() throws {
        let a = Corpus.documents("a", count: 700)
        let b = Corpus.documents("b", count: 1)
        let c = Corpus.documents("c", count: 1500)
        // The first member ends without a newline: the line continues into the next member.
        var aBytes = Corpus.ndjson(a)
        aBytes.removeLast()
        var upload = try Compression.systemGzip(aBytes)
        upload += Compression.deflate(Array("\n".utf8) + Corpus.ndjson(b), .gzip)
        upload += Compression.deflate(Corpus.ndjson(c), .gzip, level: 1)
        let ids = (0..<700).map { "a-\($0)" } + ["b-0"] + (0..<1500).map { "c-\($0)" }
        try expectCompleteUpload(upload, ids: ids)
    }

    @Test("a gzip upload with half-close ends the same way")
    func gzipWithHalfClose() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        let docs = Corpus.documents("h", count: 200)
        try client.send(Compression.deflate(Corpus.ndjson(docs), .gzip))
        client.shutdownWrite()
        _ = try expectAcks(client, ids: (0..<200).map { "h-\($0)" })
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == 200)
        #expect(try client.closesNext())
    }

    @Test("a next gzip member 20 ms after a big one still belongs to the upload while the server is busy")
    func memberAfterShortPauseWhileBusy() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect(timeout: 60)
        // 40 000 documents in the first member: far more than the server answers at once, so it
        // stops reading (backpressure) while it commits. The pause is well inside the 200 ms
        // member-end grace; time the server spends not reading must not count against it.
        let first = Corpus.documents("big", count: 40_000, bodyBytes: 8)
        let second = Corpus.documents("next", count: 10)
        try client.send(Compression.deflate(Corpus.ndjson(first), .gzip, level: 1))
        usleep(20_000)
        try client.send(Compression.deflate(Corpus.ndjson(second), .gzip, level: 1))
        let ids = (0..<40_000).map { "big-\($0)" } + (0..<10).map { "next-\($0)" }
        var acked = 0
        var summary: JSONObject?
        while let line = try client.readLine() {
            let reply = try JSONObject(line)
            if reply.op == "summary" { summary = reply; break }
            guard acked < ids.count, reply.id == ids[acked] else {
                Issue.record("reply \(acked + 1): expected an ack for \(acked < ids.count ? ids[acked] : "nothing"), got \(reply)")
                break
            }
            acked += 1
        }
        #expect(acked == ids.count, "all 40 010 documents acked before the summary")
        #expect(summary?.int("accepted") == Int64(ids.count), "\(String(describing: summary))")
    }
}
