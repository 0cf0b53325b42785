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
        // Nothing measured since the start yet: the latencies are there, as null.
        #expect(stats["visibility_ms"] is NSNull, "\(stats)")
        #expect(stats["latency_ms"] is NSNull, "\(stats)")
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
        #expect(after.object("visibility_ms")?["p50"] is NSNumber, "\(after)")
        #expect(after.object("latency_ms")?["p99"] is NSNumber, "\(after)")
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

    @Test("Query down while a delete's tombstone is purged: on return it gets a reset and drops the deleted document")
    func resetAfterPurgeWhileDown() throws {
        let cluster = try Cluster(ingestArguments: ["--tombstone-retention", "1", "--purge-interval", "1"])
        let first = try cluster.put(Documents.generated("p", count: 5))
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: first.last!.seq).total == 5)
        cluster.query.terminate()
        try cluster.delete("p-1")
        let more = try cluster.put(Documents.generated("p", count: 2, from: 5))
        // Wait until the purge has dropped the tombstone of p-1: the feed cannot replay it now.
        let ingest = try cluster.ingestClient()
        var purged = false
        for _ in 0..<50 where !purged {
            usleep(100_000)
            purged = try ingest.ask("{\"op\":\"stats\"}").int("tombstones") == 0
        }
        try #require(purged, "the tombstone of p-1 was not purged\n\(cluster.logs)")

        try cluster.query.restart()
        let stats = try cluster.waitForStats("the rebuilt index") { $0.int("resets") == 1 && $0.seq == more.last!.seq }
        #expect(stats.int("documents") == 6, "\(stats)")
        let gone = try cluster.ask("{\"op\":\"get\",\"id\":\"p-1\"}")
        #expect(gone.code == "not_found", "the deleted document is still served: \(gone)")
        let all = try cluster.ask("{\"q\":\"\",\"limit\":10,\"fields\":[\"id\"],\"sort\":[\"id:asc\"]}")
        #expect(all.hitIDs == ["p-0", "p-2", "p-3", "p-4", "p-5", "p-6"], "\(all)")
    }

    /// Stops ingest, deletes its store and starts it again on a new, empty one.
    func replaceIngestStore(_ cluster: Cluster) throws {
        cluster.ingest.terminate()
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: cluster.ingest.dataDir.appendingPathComponent("ingest.sqlite\(suffix)"))
        }
        try cluster.ingest.restart()
    }

    @Test("The ingest store is replaced (restored, or started afresh): query rebuilds from it instead of going stale")
    func ingestStoreReplaced() throws {
        let cluster = try Cluster()
        let old = try cluster.put(Documents.generated("old", count: 30))
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: old.last!.seq).total == 30)

        try replaceIngestStore(cluster)
        // The new store starts again at seq 1, far below what the query service has applied.
        let fresh = try cluster.put(Documents.generated("new", count: 3))
        #expect(fresh.last!.seq == 3)
        // (`min_seq` cannot tell the two stores' seqs apart: wait for the rebuild in stats.)
        let stats = try cluster.waitForStats("the rebuilt index") { $0.int("documents") == 3 && $0.seq == 3 }
        #expect(stats.int("feed_head") == 3 && stats.int("lag_seq") == 0 && stats.int("resets") == 1, "\(stats)")
        let reply = try cluster.ask("{\"q\":\"\",\"limit\":10,\"fields\":[\"id\"],\"sort\":[\"id:asc\"]}")
        #expect(reply.hitIDs == ["new-0", "new-1", "new-2"], "\(reply)\n\(cluster.logs)")
    }

    @Test("The ingest store is replaced by one with more changes while query is down: its snapshot is not mixed with the new store")
    func ingestStoreReplacedWhileQueryDown() throws {
        let cluster = try Cluster()
        let old = try cluster.put(Documents.generated("old", count: 3))
        #expect(try cluster.search("\"q\":\"\",\"limit\":0", after: old.last!.seq).total == 3)
        // A graceful stop writes the snapshot, and in it the id of the store it came from.
        cluster.query.terminate()
        let snapshot = cluster.query.dataDir.appendingPathComponent("query.snapshot")
        #expect(FileManager.default.fileExists(atPath: snapshot.path), "\(cluster.logs)")

        try replaceIngestStore(cluster)
        // The new store's head passes the snapshot's seq: by seq alone, query would resume at 4.
        let fresh = try cluster.put(Documents.generated("new", count: 8))
        #expect(fresh.last!.seq == 8)
        try cluster.query.restart()
        let stats = try cluster.waitForStats("the rebuilt index") { $0.int("resets") == 1 && $0.seq == 8 }
        #expect(stats.int("documents") == 8, "\(stats)\n\(cluster.logs)")
        let reply = try cluster.ask("{\"q\":\"\",\"limit\":20,\"fields\":[\"id\"],\"sort\":[\"id:asc\"]}")
        #expect(reply.hitIDs == (0..<8).map { "new-\($0)" }, "\(reply)\n\(cluster.logs)")
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
