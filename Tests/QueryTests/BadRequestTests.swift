import Foundation
import TidendeTestSupport
import Testing

/// Bad queries get one error line each, with the request's line number and a code from the
/// README's list, and the connection goes on answering (DESIGN §2.3, §5).
@Suite("Bad queries")
struct BadRequestTests {
    /// A bad request line, the code it must get, and text its message must contain.
    static let cases: [(line: String, code: String, mentions: String)] = [
        ("{\"q\":\"cyber)\"}", "invalid_query", "column 6"),
        ("cyber)", "invalid_query", "column 6"),
        ("{\"q\":\"(cyber OR\"}", "invalid_query", "column"),
        ("{\"q\":\"\\\"unclosed phrase\"}", "invalid_query", "column"),
        ("{\"q\":\"x\",\"sort\":[\"no_such_field:desc\"]}", "invalid_sort", "no_such_field"),
        ("{\"q\":\"x\",\"sort\":[\"published_at:sideways\"]}", "invalid_sort", ""),
        ("{\"q\":\"x\",\"filter\":\"type = \"}", "invalid_filter", "column"),
        ("{\"q\":\"x\",\"limit\":5000}", "limit_out_of_range", "limit"),
        ("{\"q\":\"x\",\"limit\":-1}", "limit_out_of_range", "limit"),
        ("{\"q\":\"x\",\"limit\":-12}", "limit_out_of_range", "limit"),
        ("{\"q\":\"x\",\"offset\":-7}", "limit_out_of_range", "offset"),
        ("{\"q\":\"x\",\"limit\":99999999999}", "limit_out_of_range", "got 99999999999"),
        ("{\"q\":\"x\",\"offset\":9223372036854775807}", "limit_out_of_range", "result window"),
        ("{\"q\":\"x\",\"facet_limit\":4294967296,\"facets\":[\"type\"]}", "limit_out_of_range", "facet_limit"),
        ("{\"q\":\"x\",\"timeout_ms\":-9999999999,\"min_seq\":1}", "limit_out_of_range", "timeout_ms"),
        ("{\"q\":\"x\",\"offset\":9995,\"limit\":10}", "limit_out_of_range", "10000"),
        ("{\"q\":\"x\",\"offset\":10000,\"limit\":1}", "limit_out_of_range", "10000"),
        ("{\"q\":\"x\",\"timeout_ms\":600000,\"min_seq\":1}", "limit_out_of_range", "timeout_ms"),
        ("{\"q\":5}", "invalid_request", "q"),
        ("{\"q\":\"x\",\"limit\":\"ten\"}", "invalid_request", "limit"),
        ("{\"q\":\"x\",\"limit\":2.5}", "invalid_request", "limit"),
        ("{\"q\":\"x\",\"highlight\":\"yes\"}", "invalid_request", "highlight"),
        ("{\"q\":\"x\",\"fields\":[1,2]}", "invalid_request", "fields"),
        ("{\"q\":\"x\",\"min_seq\":-3}", "invalid_request", "min_seq"),
        ("{\"q\":\"x\",\"colour\":\"red\"}", "invalid_request", "colour"),
        ("{\"op\":7}", "invalid_request", "op"),
        ("{\"op\":\"frobnicate\"}", "unknown_op", "frobnicate"),
        ("{\"op\":\"subscribe\",\"from\":0}", "unknown_op", "subscribe"),
        ("{\"op\":\"get\"}", "missing_id", ""),
        ("{\"op\":\"get\",\"id\":\"\"}", "invalid_id", "empty"),
        ("{\"op\":\"get\",\"id\":\"" + String(repeating: "i", count: 513) + "\"}", "invalid_id", "513 bytes"),
        ("{\"op\":\"get\",\"id\":1.5}", "invalid_id", ""),
        ("{\"op\":\"get\",\"id\":\"b-1\",\"fields\":[\"id\"]}", "invalid_request", "fields"),
        ("{\"op\":\"suggest\",\"prefix\":\"ny\",\"size\":5}", "invalid_request", "size"),
        ("{\"op\":\"analyze\",\"text\":\"hej\",\"language\":\"da\"}", "invalid_request", "language"),
        ("{\"op\":\"suggest\"}", "invalid_request", "prefix"),
        ("{\"op\":\"analyze\",\"text\":\"hej\",\"lang\":\"fr\"}", "invalid_request", "lang"),
        // Used to overflow the parser's stack and kill the service.
        ("{\"q\":\"" + String(repeating: "(", count: 60_000) + "x\"}", "invalid_query", "nesting deeper than 64"),
        ("{\"q\":\"x\",\"filter\":\"" + String(repeating: "NOT ", count: 16_000) + "a = 1\"}", "invalid_filter", "nesting deeper than 64"),
        // One huge word held a thread for seconds: texts are bounded.
        ("{\"q\":\"" + String(repeating: "x", count: 70_000) + "\"}", "invalid_query", "at most 65536"),
        (String(repeating: "y", count: 70_000), "invalid_query", "at most 65536"),
        ("{\"q\":\"x\",\"filter\":\"a = " + String(repeating: "z", count: 70_000) + "\"}", "invalid_filter", "at most 65536"),
        ("{\"op\":\"analyze\",\"text\":\"" + String(repeating: "w", count: 70_000) + "\"}", "invalid_request", "text"),
        ("{\"op\":\"suggest\",\"prefix\":\"" + String(repeating: "v", count: 70_000) + "\"}", "invalid_request", "prefix"),
        ("{\"q\":\"x\"", "invalid_json", ""),
        ("[1,2]", "not_an_object", ""),
        // Opens with `[` like a headline, but is JSON nested past the limit: not a plain query.
        (String(repeating: "[", count: 200) + String(repeating: "]", count: 200), "invalid_json", "nesting deeper than 128"),
    ]

    @Test("Each bad query gets its code and line number; a ping after each is still answered")
    func badQueriesThenGoodOnes() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("b", count: 3)).last!
        // Wait until the documents are searchable, so the good queries' answers are known.
        #expect(try cluster.search("\"q\":\"\"", after: ack.seq).total == 3)

        var lines: [String] = []
        for item in Self.cases {
            lines.append(item.line)
            lines.append("{\"op\":\"ping\"}")
        }
        lines.append("{\"q\":\"\(Documents.marker(1))\"}")
        let client = try cluster.queryClient()
        try client.send(lines: lines)
        client.shutdownWrite()

        for (i, item) in Self.cases.enumerated() {
            let reply = try client.readReply()
            #expect(!reply.ok, "line \(2 * i + 1) \(item.line): \(reply)")
            #expect(reply.code == item.code, "line \(2 * i + 1) \(item.line): \(reply)")
            #expect(reply.line == 2 * i + 1, "\(item.line): \(reply)")
            #expect(item.mentions.isEmpty || (reply.message ?? "").contains(item.mentions), "\(item.line): \(reply)")
            #expect(!(reply.message ?? "").isEmpty, "\(item.line): \(reply)")
            let pong = try client.readReply()
            #expect(pong.ok && pong.op == "pong", "after \(item.line): \(pong)")
        }
        let last = try client.readReply()
        #expect(last.ok && last.hitIDs == ["b-1"], "\(last)")
        #expect(try client.readLine() == nil, "the server should close after the half-close")
    }

    @Test("With --max-limit below 10, a search without a limit gets at most that many hits")
    func defaultLimitUnderASmallMaxLimit() throws {
        let cluster = try Cluster(queryArguments: ["--max-limit", "3", "--max-result-window", "3"])
        defer { cluster.stop() }
        let acks = try cluster.put(Documents.generated("small", count: 5))
        let seq = acks.map(\.seq).max() ?? 0
        let search = try cluster.search("\"q\":\"\"", after: seq)
        #expect(search.ok && search.hits.count == 3 && search.int("total") == 5, "\(search)")
        let plain = try cluster.ask("generated")
        #expect(plain.ok, "a plain query names no limit: \(plain)")
        #expect(try cluster.ask("{\"q\":\"\",\"limit\":4}").code == "limit_out_of_range")
    }

    @Test("An unknown op lists the known ones")
    func unknownOpListsOps() throws {
        let cluster = try Cluster()
        let reply = try cluster.ask("{\"op\":\"nope\"}")
        #expect(reply.code == "unknown_op")
        for op in ["search", "get", "count", "suggest", "analyze", "stats", "ping"] {
            #expect((reply.message ?? "").contains(op), "\(reply)")
        }
    }

    /// Only `{` starts a JSON request (DESIGN §5): a pasted headline such as `[VIDEO] …` is a
    /// plain query, while a line that is a JSON array is still refused as one.
    @Test("A plain line starting with [ that is not JSON is a query")
    func bracketedPlainQuery() throws {
        let cluster = try Cluster()
        let ack = try cluster.put(Documents.generated("v", count: 3)).last!
        #expect(try cluster.search("\"q\":\"\"", after: ack.seq).total == 3)
        let plain = try cluster.ask("[\(Documents.marker(1))] netværk")
        #expect(plain.ok && plain.hitIDs == ["v-1"], "\(plain)")
        #expect(try cluster.ask("[1,2]").code == "not_an_object")
    }
}

