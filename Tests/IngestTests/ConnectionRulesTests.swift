import Foundation
import TidendeTestSupport
import Testing

/// The rules every port shares: line limit, token, HTTP by mistake, `hello` (DESIGN §2).
@Suite("Connection rules")
struct ConnectionRulesTests {
    @Test("an oversized line gets line_too_long and the next line is still accepted")
    func oversizedLine() throws {
        let server = try IngestProcess(extraArguments: ["--max-line-bytes", "4096"])
        defer { server.stop() }
        let client = try server.connect()
        let big = "{\"id\":\"big\",\"body\":\"\(String(repeating: "å", count: 6000))\"}"
        let fits = "{\"id\":\"fits\",\"body\":\"\(String(repeating: "a", count: 4000))\"}"
        try client.send("{\"id\":\"before\"}\n\(big)\n{\"id\":\"after\"}\n\(fits)\n")
        client.shutdownWrite()
        let before = try client.readObject()
        #expect(before.id == "before" && before.seq == 1)
        let error = try client.readObject()
        #expect(error.ok == false && error.code == "line_too_long" && error.line == 2, "\(error)")
        let after = try client.readObject()
        #expect(after.id == "after" && after.seq == 2, "\(after)")
        let fitting = try client.readObject()
        #expect(fitting.id == "fits" && fitting.seq == 3, "a line just under the limit is fine: \(fitting)")
        #expect(try client.readObject().op == "summary")
        #expect(try client.closesNext())
        #expect(try fetch(server, ids: ["big"]).isEmpty)
    }

    @Test("with --token, a connection without hello gets unauthorized and a close")
    func tokenRequired() throws {
        let server = try IngestProcess(extraArguments: ["--token", "s3cret"])
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"id\":\"sneaky\"}\n")
        let reply = try client.readObject()
        #expect(reply.ok == false && reply.code == "unauthorized", "\(reply)")
        #expect(try client.closesNext())

        let feed = try server.connectFeed()
        try feed.send("{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n")
        #expect(try feed.readObject().code == "unauthorized")
        #expect(try feed.closesNext())

        let authorized = try server.connect()
        try authorized.send("{\"op\":\"hello\",\"token\":\"s3cret\"}\n{\"op\":\"get\",\"id\":\"sneaky\"}\n")
        #expect(try authorized.readObject().op == "hello")
        #expect(try authorized.readObject().code == "not_found", "the unauthorized document was not stored")
    }

    @Test("with --token, an upload without hello still reads its unauthorized line")
    func refusedUploadSeesItsError() throws {
        let server = try IngestProcess(extraArguments: ["--token", "s3cret"])
        defer { server.stop() }
        // The server stops reading at the refusal while the upload goes on: closing a socket with
        // unread bytes sends a reset, and a client still writing stops at it before it reads the
        // refusal (`head -c 3000000 docs.ndjson | nc -N localhost 7470` mostly printed nothing).
        let upload = Array(String(repeating: "{\"id\":\"x\",\"body\":\"\(String(repeating: "a", count: 1000))\"}\n", count: 2000).utf8)
        for attempt in 0..<4 {
            let client = try server.connect()
            let job = client.sendInBackground(upload)
            usleep(300_000)  // busy uploading: the client reads its replies a little later
            let reply = try client.readObject()
            #expect(reply.ok == false && reply.code == "unauthorized", "attempt \(attempt): \(reply)")
            #expect(try client.closesNext())
            #expect(!client.wasReset, "attempt \(attempt): the reply must end in a close, not a reset")
            _ = job.wait(timeout: 10)
        }
        // The same for a connection refused over --max-connections while it uploads.
        let limited = try IngestProcess(extraArguments: ["--max-connections", "2"])
        defer { limited.stop() }
        usleep(1_500_000)  // the start-up ping's connection lingers a moment after its reply
        let first = try limited.connect(), second = try limited.connect()
        try first.send("{\"op\":\"ping\"}\n")
        try second.send("{\"op\":\"ping\"}\n")
        #expect(try first.readObject().op == "pong")
        #expect(try second.readObject().op == "pong")
        for attempt in 0..<4 {
            let third = try limited.connect()
            let job = third.sendInBackground(upload)
            usleep(300_000)
            let reply = try third.readObject()
            #expect(reply.code == "too_many_connections", "attempt \(attempt): \(reply)")
            #expect(try third.closesNext())
            #expect(!third.wasReset, "attempt \(attempt): the reply must end in a close, not a reset")
            _ = job.wait(timeout: 10)
        }
    }

    @Test("with --token, a wrong token gets unauthorized and a close")
    func wrongToken() throws {
        let server = try IngestProcess(extraArguments: ["--token", "s3cret"])
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"op\":\"hello\",\"token\":\"s3creT\"}\n{\"id\":\"a\"}\n")
        let reply = try client.readObject()
        #expect(reply.ok == false && reply.code == "unauthorized" && reply.line == 1, "\(reply)")
        #expect(try client.closesNext())
    }

    @Test("with --token, the right token works on both ports")
    func rightToken() throws {
        let server = try IngestProcess(extraArguments: ["--token", "s3cret"])
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"op\":\"hello\",\"token\":\"s3cret\"}\n{\"id\":\"a\"}\n")
        client.shutdownWrite()
        let hello = try client.readObject()
        #expect(hello.ok == true && hello.op == "hello" && hello["auth"] as? Bool == true, "\(hello)")
        let ack = try client.readObject()
        #expect(ack.id == "a" && ack.seq == 1, "\(ack)")
        #expect(try client.readObject().op == "summary")

        let feed = try server.connectFeed()
        try feed.send("{\"op\":\"hello\",\"token\":\"s3cret\"}\n{\"op\":\"subscribe\",\"from\":0,\"compress\":\"none\"}\n")
        #expect(try feed.readObject().op == "hello")
        #expect(try feed.readObject().op == "subscribe")
        let change = try feed.readObject()
        #expect(change.seq == 1 && (change.object("put")?["id"] as? String) == "a", "\(change)")
    }

    @Test("HTTP on the ingest port and on the feed port: one http_not_supported line and a close",
          arguments: ["ingest", "feed"])
    func httpByMistake(port: String) throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = port == "ingest" ? try server.connect() : try server.connectFeed()
        // A browser does not half-close: the server must close on its own.
        try client.send("GET / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n")
        let reply = try client.readObject()
        #expect(reply.ok == false && reply.code == "http_not_supported", "\(reply)")
        #expect(try client.closesNext(), "exactly one line, then the close")
    }

    @Test("POST on the ingest port is refused the same way and stores nothing")
    func httpPost() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        let body = "{\"id\":\"via-http\"}\n"
        try client.send("POST /docs HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try client.readObject().code == "http_not_supported")
        #expect(try client.closesNext())
        #expect(try fetch(server, ids: ["via-http"]).isEmpty)
    }

    @Test("the HTTP hint names the port the server really listens on")
    func httpHintNamesBoundPort() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\n\r\n")
        let reply = try client.readObject()
        #expect(reply.message?.contains(":\(server.ingestPort)") == true || reply.message?.contains(" \(server.ingestPort)") == true,
                "started with --port 0, the hint should show the bound port: \(reply.message ?? "")")
    }

    @Test("a document over --max-doc-bytes gets document_too_large; the connection goes on")
    func documentTooLarge() throws {
        let server = try IngestProcess(extraArguments: ["--max-doc-bytes", "200"])
        defer { server.stop() }
        let client = try server.connect()
        let big = "{\"id\":\"big\",\"body\":\"\(String(repeating: "x", count: 300))\"}"
        try client.send("\(big)\n{\"op\":\"put\",\"doc\":\(big)}\n{\"id\":\"small\"}\n")
        client.shutdownWrite()
        let first = try client.readObject(), second = try client.readObject()
        #expect(first.code == "document_too_large" && first.line == 1, "\(first)")
        #expect(second.code == "document_too_large" && second.line == 2, "\(second)")
        #expect(try client.readObject().id == "small")
        #expect(try client.readObject().op == "summary")
    }

    @Test("a connection silent past --idle-timeout gets idle_timeout and a close")
    func idleTimeout() throws {
        let server = try IngestProcess(extraArguments: ["--idle-timeout", "1"])
        defer { server.stop() }
        let client = try server.connect(timeout: 20)
        try client.send("{\"id\":\"early\"}\n")
        #expect(try client.readObject().id == "early")
        let reply = try client.readObject()
        #expect(reply.ok == false && reply.code == "idle_timeout", "\(reply)")
        #expect(try client.closesNext())
    }

    @Test("one connection over --max-connections gets too_many_connections and a close")
    func connectionLimit() throws {
        let server = try IngestProcess(extraArguments: ["--max-connections", "2"])
        defer { server.stop() }
        // The start-up ping's connection may still be closing: wait until a connection sees
        // itself as the only one open.
        var first = try server.connect()
        for _ in 0..<100 {
            try first.send("{\"op\":\"stats\"}\n")
            if try first.readObject().int("connections") == 1 { break }
            usleep(50_000)
            first = try server.connect()
        }
        let second = try server.connect()
        try second.send("{\"op\":\"ping\"}\n")
        #expect(try second.readObject().op == "pong")
        let third = try server.connect()
        let reply = try third.readObject()
        #expect(reply.code == "too_many_connections", "\(reply)")
        #expect(try third.closesNext())
        first.shutdownWrite()
        #expect(try first.readObject().op == "summary")
    }
}
