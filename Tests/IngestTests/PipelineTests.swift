import Foundation
import TidendeTestSupport
import Testing

/// One plain connection, many pipelined requests, good and bad mixed: one reply per line, in
/// order, with the right line numbers; then the half-close summary and the close (DESIGN §2.3, §2.5).
@Suite("Pipelined uploads")
struct PipelineTests {
    /// What one request line should get back.
    enum Expected {
        case ack(String)
        case deleted(String, found: Bool)
        case got(String, doc: String)
        case error(String)
    }

    /// Bad lines, each with the code it must get. Raw bytes, so invalid UTF-8 can be sent.
    static let badLines: [([UInt8], String)] = [
        (Array("{\"id\":\"x\",\"title\":".utf8), "invalid_json"),
        (Array("{not json at all}".utf8), "invalid_json"),
        ([0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D], "invalid_utf8"),
        ([0xC3, 0x28, 0x61, 0x62], "invalid_utf8"),
        (Array("[1,2,3]".utf8), "not_an_object"),
        (Array("\"just a string\"".utf8), "not_an_object"),
        (Array("42".utf8), "not_an_object"),
        (Array("{\"title\":\"no id here\"}".utf8), "missing_id"),
        (Array("{\"id\":null}".utf8), "invalid_id"),
        (Array("{\"id\":true}".utf8), "invalid_id"),
        (Array("{\"id\":1.5}".utf8), "invalid_id"),
        (Array("{\"id\":[1]}".utf8), "invalid_id"),
        (Array("{\"id\":{\"a\":1}}".utf8), "invalid_id"),
        (Array("{\"id\":\"\"}".utf8), "invalid_id"),
        (Array("{\"id\":99999999999999999999}".utf8), "invalid_id"),
        (Array("{\"id\":\"\(String(repeating: "x", count: 513))\"}".utf8), "invalid_id"),
        (Array("{\"op\":\"frobnicate\",\"id\":\"a\"}".utf8), "unknown_op"),
        (Array("{\"op\":\"put\"}".utf8), "invalid_request"),
        (Array("{\"op\":\"put\",\"doc\":[1]}".utf8), "not_an_object"),
        (Array("{\"op\":\"delete\"}".utf8), "missing_id"),
        (Array("{\"op\":\"delete\",\"id\":\"a\",\"x\":1}".utf8), "invalid_request"),
        (Array("{\"op\":\"put\",\"doc\":{\"id\":\"w\"},\"extra\":1}".utf8), "invalid_request"),
        (Array("{\"op\":\"sync\",\"x\":1}".utf8), "invalid_request"),
        (Array("{\"op\":\"get\",\"ids\":\"a\"}".utf8), "invalid_request"),
    ]

    @Test("5 000 documents and every kind of bad line on one connection")
    func pipelinedMixedUpload() throws {
        let server = try IngestProcess()
        defer { server.stop() }

        var lines: [[UInt8]] = []
        var expected: [Expected] = []
        let docs = Corpus.documents("p", count: 5000)
        var badIndex = 0
        for (i, doc) in docs.enumerated() {
            lines.append(Array(doc.utf8)); expected.append(.ack("p-\(i)"))
            if i % 97 == 13 {
                let (bytes, code) = Self.badLines[badIndex % Self.badLines.count]
                badIndex += 1
                lines.append(bytes); expected.append(.error(code))
            }
            if i % 500 == 250 {
                // A `put` wrapper whose document has its own top-level "op".
                let id = "wrapped-\(i)"
                lines.append(Array("{\"op\":\"put\",\"doc\":{\"id\":\"\(id)\",\"op\":\"not an operation\"}}".utf8))
                expected.append(.ack(id))
                // Read-your-writes on the same connection: get sees the put just before it.
                lines.append(Array("{\"op\":\"get\",\"id\":\"p-\(i)\"}".utf8))
                expected.append(.got("p-\(i)", doc: doc))
                lines.append(Array("{\"op\":\"delete\",\"id\":\"p-\(i - 1)\"}".utf8))
                expected.append(.deleted("p-\(i - 1)", found: true))
                lines.append(Array("{\"op\":\"delete\",\"id\":\"never-there-\(i)\"}".utf8))
                expected.append(.deleted("never-there-\(i)", found: false))
                lines.append(Array("{\"op\":\"get\",\"id\":\"p-\(i - 1)\"}".utf8))
                expected.append(.error("not_found"))
                // An integer id is kept as its decimal string.
                lines.append(Array("{\"id\":\(700_000 + i),\"n\":1}".utf8))
                expected.append(.ack(String(700_000 + i)))
            }
        }
        #expect(badIndex >= Self.badLines.count, "every kind of bad line is sent at least once")
        var upload: [UInt8] = []
        for line in lines { upload += line; upload.append(UInt8(ascii: "\n")) }

        let client = try server.connect()
        let writer = client.sendInBackground(upload)
        var lastSeq: Int64 = 0
        var accepted = 0
        for (index, want) in expected.enumerated() {
            let reply = try client.readObject()
            let lineNumber = index + 1
            switch want {
            case .ack(let id):
                try #require(reply.ok == true && reply.id == id, "line \(lineNumber): expected ack for \(id), got \(reply)")
                let seq = try #require(reply.seq)
                try #require(seq == lastSeq + 1, "line \(lineNumber): seq \(seq) after \(lastSeq)")
                lastSeq = seq
                accepted += 1
            case let .deleted(id, found):
                try #require(reply.ok == true && reply.id == id && reply["found"] as? Bool == found,
                             "line \(lineNumber): expected delete of \(id) (found \(found)), got \(reply)")
                if found {
                    try #require(reply.seq == lastSeq + 1, "line \(lineNumber): delete seq after \(lastSeq): \(reply)")
                    lastSeq += 1
                    accepted += 1
                }
            case let .got(id, doc):
                try #require(reply.ok == true && reply.id == id, "line \(lineNumber): expected the document \(id), got \(reply)")
                #expect(sameJSON(reply.object("doc"), parsedObject(doc)), "line \(lineNumber): stored document differs")
            case .error(let code):
                try #require(reply.ok == false && reply.code == code && reply.line == lineNumber,
                             "line \(lineNumber): expected \(code) for \(String(decoding: lines[index].prefix(60), as: UTF8.self).debugDescription), got \(reply)")
                #expect(!(reply.message ?? "").isEmpty, "line \(lineNumber): an error says what was expected")
            }
        }
        #expect(writer.wait().error == nil)
        client.shutdownWrite()
        let summary = try client.readObject()
        #expect(summary.op == "summary")
        #expect(summary.ok == true)
        #expect(summary.int("accepted") == Int64(accepted))
        #expect(summary.int("last_seq") == lastSeq)
        #expect(try client.closesNext(), "the server closes after the summary")
    }

    @Test("four connections uploading at once share one gap-free seq space")
    func concurrentConnections() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let perConnection = 3000
        let clients = try (0..<4).map { _ in try server.connect(timeout: 60) }
        let writers = clients.enumerated().map { k, client in
            client.sendInBackground(Corpus.ndjson(Corpus.documents("c\(k)", count: perConnection)))
        }
        var all: [Int64] = []
        for (k, client) in clients.enumerated() {
            var last: Int64 = 0
            for i in 0..<perConnection {
                let reply = try client.readObject()
                let seq = try #require(reply.seq, "\(reply)")
                try #require(reply.id == "c\(k)-\(i)", "connection \(k), reply \(i): \(reply)")
                try #require(seq > last, "seqs grow along one connection")
                last = seq
                all.append(seq)
            }
            client.shutdownWrite()
            let summary = try client.readObject()
            #expect(summary.int("accepted") == Int64(perConnection) && summary.int("last_seq") == last)
        }
        for writer in writers { #expect(writer.wait().error == nil) }
        #expect(all.sorted() == Array(1...Int64(4 * perConnection)), "every seq used exactly once")
    }

    @Test("the summary counts every rejected line, whoever rejected it")
    func summaryCountsRejectedLines() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        var upload: [UInt8] = Array("{\"id\":\"good\"}\n".utf8)
        for (bytes, _) in Self.badLines {
            upload += bytes
            upload.append(UInt8(ascii: "\n"))
        }
        let replies = try server.exchange(upload)
        try #require(replies.count == Self.badLines.count + 2, "one reply per line plus the summary")
        for (i, (_, code)) in Self.badLines.enumerated() {
            #expect(replies[i + 1].code == code, "line \(i + 2)")
        }
        let summary = try #require(replies.last)
        #expect(summary.op == "summary")
        #expect(summary.int("accepted") == 1)
        #expect(summary.int("rejected") == Int64(Self.badLines.count),
                "rejected counts invalid JSON, invalid UTF-8 and non-objects too: \(summary)")
    }

    /// `ping` says the head; in a pipeline it never says less than an ack sent before it.
    @Test("a ping after pipelined documents answers a seq at least that of the acks before it")
    func pingAfterPipelinedWrites() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let docs = Corpus.documents("p", count: 300)
        let replies = try server.exchange(Corpus.ndjson(docs + ["{\"op\":\"ping\"}"] + docs.prefix(5) + ["{\"op\":\"ping\"}"]))
        try #require(replies.count == 308, "300 acks, pong, 5 acks, pong, summary")
        #expect(replies[300].op == "pong" && replies[300].seq == 300, "\(replies[300])")
        #expect(replies[306].op == "pong" && replies[306].seq == 305, "\(replies[306])")
        // Alone, a ping is answered at once with the head.
        let idle = try server.connect()
        try idle.send("{\"op\":\"ping\"}\n")
        #expect(try idle.readObject().seq == 305)
    }

    @Test("blank lines and CRLF are tolerated; a last line without newline still counts")
    func framingDetails() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"id\":\"a\"}\r\n\n\r\n   \n{\"id\":\"b\"}\n{\"id\":\"c\"}")
        client.shutdownWrite()
        let a = try client.readObject(), b = try client.readObject(), c = try client.readObject()
        #expect(a.id == "a" && b.id == "b" && c.id == "c")
        #expect(b.seq == a.seq.map { $0 + 1 } && c.seq == a.seq.map { $0 + 2 })
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == 3)
        #expect(try client.closesNext())
    }

    @Test("error line numbers count every physical line, blank ones included")
    func lineNumbersCountBlankLines() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"id\":\"a\"}\n\n\r\n{bad\n\n{\"nope\":1}\n")
        client.shutdownWrite()
        #expect(try client.readObject().id == "a")
        let bad = try client.readObject(), missing = try client.readObject()
        #expect(bad.code == "invalid_json" && bad.line == 4, "\(bad)")
        #expect(missing.code == "missing_id" && missing.line == 6, "\(missing)")
    }

    @Test("quit closes politely with the summary")
    func quitEndsWithSummary() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"id\":\"q1\"}\n{\"op\":\"quit\"}\n{\"id\":\"after-quit\"}\n")
        let ack = try client.readObject()
        #expect(ack.id == "q1" && ack.seq == 1)
        let summary = try client.readObject()
        #expect(summary.op == "summary" && summary.int("accepted") == 1 && summary.int("last_seq") == 1)
        #expect(try client.closesNext())
        #expect(try fetch(server, ids: ["after-quit"]).isEmpty, "nothing after quit is stored")
    }
}
