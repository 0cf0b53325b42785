import Foundation
import TidendeTestSupport

/// An ingest service and a query service following its feed, each a real process, sharing one
/// scratch directory (`ingest/`, `query/` data dirs and their logs). Removed by `stop()`.
final class Cluster {
    let scratch: URL
    let ingest: ServiceProcess
    let query: ServiceProcess

    /// An acknowledged change.
    struct Ack: Equatable {
        var id: String
        var seq: Int
    }

    /// Starts ingest, then query pointed at its feed. `--refresh-ms 10` keeps waits short.
    init(queryArguments: [String] = [], ingestArguments: [String] = []) throws {
        scratch = try makeScratchDirectory()
        let ingestDir = scratch.appendingPathComponent("ingest")
        let queryDir = scratch.appendingPathComponent("query")
        ingest = try ServiceProcess("tidende-ingest", dataDir: ingestDir,
                                    portFlags: [("ingest", "--port"), ("feed", "--feed-port")],
                                    extraArguments: ingestArguments)
        query = try ServiceProcess("tidende-query", dataDir: queryDir,
                                   portFlags: [("query", "--port")],
                                   extraArguments: ["--feed", "127.0.0.1:\(ingest.port("feed"))",
                                                    "--refresh-ms", "10", "--search-threads", "2"] + queryArguments)
    }

    deinit { stop() }

    /// Kills both services and removes the scratch directory.
    func stop() {
        query.kill9()
        ingest.kill9()
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Both logs' last lines, for a failure message.
    var logs: String {
        "— ingest log:\n\(ingest.logTail())\n— query log:\n\(query.logTail())"
    }

    // MARK: Ingest

    /// A new connection to the ingest port.
    func ingestClient(timeout: Double = 20) throws -> LineClient {
        try LineClient(port: ingest.port("ingest"), timeout: timeout)
    }

    /// Uploads `lines` (documents or ingest ops) on one connection, pipelined, and returns the
    /// acks in order; throws on any error reply.
    @discardableResult
    func put(_ lines: [String]) throws -> [Ack] {
        let client = try ingestClient()
        let writer = BackgroundWriter(client: client, lines: lines)
        var acks: [Ack] = []
        for (i, line) in lines.enumerated() {
            let reply = try client.readReply()
            guard reply.ok, let id = reply.id, let seq = reply.seq else {
                throw TestFailure("ingest line \(i + 1) \(line.prefix(120)) got \(reply)")
            }
            acks.append(Ack(id: id, seq: seq))
        }
        try writer.wait()
        return acks
    }

    /// Deletes `id` at ingest; returns its ack.
    @discardableResult
    func delete(_ id: String) throws -> Ack {
        try put(["{\"op\":\"delete\",\"id\":\(jsonString(id))}"])[0]
    }

    // MARK: Query

    /// A new connection to the query port.
    func queryClient(timeout: Double = 20) throws -> LineClient {
        try LineClient(port: query.port("query"), timeout: timeout)
    }

    /// One request line on a fresh query connection, like `echo … | nc -N`.
    func ask(_ line: String) throws -> Reply {
        let client = try queryClient()
        try client.send(lines: [line])
        client.shutdownWrite()
        return try client.readReply()
    }

    /// A search with `min_seq` so it sees everything acked up to `seq`. `body` is the members
    /// of the request object without braces, e.g. `"q":"cyber"`.
    /// A `timeout` here means the query service never caught up: that throws, with both logs.
    func search(_ body: String, after seq: Int, timeoutMs: Int = 10_000) throws -> Reply {
        let reply = try ask("{\(body),\"min_seq\":\(seq),\"timeout_ms\":\(timeoutMs)}")
        if reply.code == "timeout" {
            let stats = (try? queryStats())?.description ?? "no stats"
            throw TestFailure("seq \(seq) not searchable within \(timeoutMs) ms: \(reply)\nquery stats: \(stats)\n\(nudge())\n\(logs)")
        }
        return reply
    }

    /// Diagnosis for a stalled index: does one more commit at ingest wake the feed up? (A yes
    /// points at a missed wake-up in the feed rather than a lost change.)
    private func nudge() -> String {
        guard let ack = try? put([jsonLine(["id": "nudge-\(UUID().uuidString.prefix(8))", "title": "nudge"])])[0] else {
            return "diagnosis: could not ingest a nudge document"
        }
        guard let reply = try? ask("{\"q\":\"\",\"limit\":0,\"min_seq\":\(ack.seq),\"timeout_ms\":5000}") else {
            return "diagnosis: no reply after the nudge"
        }
        return "diagnosis: after one more commit (seq \(ack.seq)) the query service answers \(reply)"
    }

    /// `stats` of the query service.
    func queryStats() throws -> Reply {
        try ask("{\"op\":\"stats\"}")
    }

    /// Polls the query service's stats until `condition` holds; throws after `timeout` seconds.
    @discardableResult
    func waitForStats(_ what: String, timeout: Double = 20, _ condition: (Reply) -> Bool) throws -> Reply {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Reply?
        while Date() < deadline {
            if let stats = try? queryStats() {
                last = stats
                if condition(stats) { return stats }
            }
            usleep(50_000)
        }
        throw TestFailure("query stats never showed \(what) within \(timeout) s; last: \(String(describing: last))\n\(logs)")
    }
}
