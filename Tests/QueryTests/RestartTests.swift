import Foundation
import TidendeTestSupport
import Testing

/// Either service stops and starts again while the other runs; nothing acked is lost, nothing
/// is applied twice (DESIGN §1, §7).
@Suite("Restarts")
struct RestartTests {
    /// The searches compared before and after a restart.
    static let probes = [
        "\"q\":\"netværk\",\"limit\":100,\"fields\":[\"id\"]",
        "\"q\":\"nyhed sikkerhed\",\"limit\":7",
        "\"filter\":\"type = job\",\"sort\":[\"published_at:desc\"],\"limit\":100",
        "\"q\":\"\",\"facets\":[\"type\"],\"limit\":0",
    ]

    @Test("SIGTERM the query service: the snapshot loads, the same queries give the same hits, ingest resumes")
    func queryRestartFromSnapshot() throws {
        let cluster = try Cluster(queryArguments: ["--snapshot-interval", "3600"])
        var ids = Set<String>()
        let first = try cluster.put(Documents.generated("r", count: 300))
        ids.formUnion(first.map(\.id))
        // Updates and deletes too, so the snapshot holds more than fresh puts.
        let updates = try cluster.put((0..<20).map { Documents.generated("r", $0 * 7, title: "Opdateret nyhed \($0)") })
        let deletes = try (0..<10).map { try cluster.delete("r-\($0 * 11 + 1)") }
        for d in deletes { ids.remove(d.id) }
        let head = deletes.last!.seq
        #expect(updates.last!.seq < head)

        var before: [Reply] = []
        for probe in Self.probes { before.append(try cluster.search(probe, after: head)) }
        #expect(before[0].hitIDs.count == 100)

        // A graceful stop writes the final snapshot (the interval is an hour: no other one).
        let status = cluster.query.terminate()
        #expect(status == 0, "SIGTERM should end the query service cleanly\n\(cluster.logs)")
        try cluster.query.restart()
        #expect(cluster.query.log().contains("snapshot loaded"), "\(cluster.logs)")
        // Without any waiting the restarted index is already at the head: it came from the snapshot.
        let stats = try cluster.queryStats()
        #expect(stats.seq == head, "\(stats)")
        #expect(stats.int("snapshot_seq") == head, "\(stats)")
        #expect(stats.int("documents") == ids.count, "\(stats)")
        for (probe, old) in zip(Self.probes, before) {
            let new = try cluster.search(probe, after: head)
            #expect(new.hitIDs == old.hitIDs, "\(probe)")
            #expect(new.total == old.total, "\(probe)")
            #expect(new.hits.map(\.score) == old.hits.map(\.score), "\(probe)")
            #expect(NSDictionary(dictionary: new.object("facets") ?? [:]).isEqual(to: old.object("facets") ?? [:]), "\(probe)")
        }

        // Ingest more, including new versions of documents the snapshot has: no gaps, no dups.
        let more = try cluster.put(Documents.generated("r", count: 100, from: 280))
        ids.formUnion(more.map(\.id))
        let last = more.last!.seq
        let all = try cluster.search("\"q\":\"\",\"limit\":1000,\"fields\":[\"id\"]", after: last)
        #expect(all.total == ids.count, "\(all.total ?? -1) vs \(ids.count)")
        #expect(Set(all.hitIDs) == ids)
        #expect(all.hitIDs.count == Set(all.hitIDs).count, "duplicate hits")
        let after = try cluster.queryStats()
        #expect(after.int("documents") == ids.count, "\(after)")
        #expect(after.seq == last, "\(after)")
    }

    @Test("Restart the ingest service: query keeps answering, sees the feed drop and come back, catches up")
    func ingestRestart() throws {
        let cluster = try Cluster()
        let first = try cluster.put(Documents.generated("i", count: 50))
        let before = try cluster.search("\"q\":\"netværk\",\"limit\":0", after: first.last!.seq)
        #expect(before.total == 50)
        #expect(try cluster.queryStats().bool("feed_connected") == true)

        let status = cluster.ingest.terminate()
        #expect(status == 0, "SIGTERM should end the ingest service cleanly\n\(cluster.logs)")
        try cluster.waitForStats("feed_connected = false") { $0.bool("feed_connected") == false }
        // Queries go on while the feed is gone.
        let during = try cluster.ask("{\"q\":\"netværk\",\"limit\":0}")
        #expect(during.ok && during.total == 50, "\(during)")

        try cluster.ingest.restart()
        try cluster.waitForStats("feed_connected = true") { $0.bool("feed_connected") == true }
        let more = try cluster.put(Documents.generated("i", count: 25, from: 50))
        #expect(more.first!.seq > first.last!.seq, "seq went backwards across the ingest restart")
        let after = try cluster.search("\"q\":\"netværk\",\"limit\":0", after: more.last!.seq)
        #expect(after.total == 75, "\(after)\n\(cluster.logs)")
        let newest = try cluster.search("\"q\":\"\(Documents.marker(74))\"", after: more.last!.seq)
        #expect(newest.hitIDs == ["i-74"], "\(newest)")
        let stats = try cluster.queryStats()
        #expect(stats.int("documents") == 75, "\(stats)")
    }

    @Test("kill -9 the query service during a sustained upload: every acked id is found afterwards")
    func killQueryDuringIngestion() throws {
        let cluster = try Cluster(queryArguments: ["--snapshot-interval", "1"])
        let total = 3000
        let lines = Documents.generated("k", count: total)
        let client = try cluster.ingestClient(timeout: 60)
        // Batches with small pauses: a sustained stream rather than one burst.
        let writer = BackgroundWriter(client: client, lines: lines, pauseEvery: 100, pauseMicroseconds: 20_000)
        var acked: [Cluster.Ack] = []
        var killed = false
        var restarted = false
        for i in 0..<total {
            let reply = try client.readReply()
            guard reply.ok, let id = reply.id, let seq = reply.seq else {
                throw TestFailure("upload line \(i + 1): \(reply)")
            }
            acked.append(.init(id: id, seq: seq))
            if i == total / 3 {
                // Let a snapshot or two happen first, so the restart resumes from one.
                _ = try cluster.waitForStats("a snapshot", timeout: 10) { ($0.int("snapshot_seq") ?? 0) > 0 }
                cluster.query.kill9()
                killed = true
            }
            if i == total / 2 && killed {
                try cluster.query.restart()
                restarted = true
            }
        }
        try writer.wait()
        #expect(killed && restarted)
        let last = acked.last!.seq
        #expect(Set(acked.map(\.id)).count == total)

        let caughtUp = try cluster.search("\"q\":\"\",\"limit\":0,\"exact_total\":true", after: last, timeoutMs: 30_000)
        #expect(caughtUp.ok && caughtUp.total == total, "\(caughtUp)\n\(cluster.logs)")
        let stats = try cluster.queryStats()
        #expect(stats.int("documents") == total, "\(stats)")

        // Every acked id by `get`, pipelined on one connection.
        let query = try cluster.queryClient()
        let gets = acked.map { "{\"op\":\"get\",\"id\":\(jsonString($0.id))}" }
        let getWriter = BackgroundWriter(client: query, lines: gets)
        var missing: [String] = []
        for ack in acked {
            let reply = try query.readReply()
            if !(reply.ok && reply.id == ack.id) { missing.append(ack.id) }
        }
        try getWriter.wait()
        #expect(missing.isEmpty, "\(missing.count) acked ids not found, e.g. \(missing.prefix(5))")
    }
}
