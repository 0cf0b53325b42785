import Foundation
import TidendeTestSupport
import Testing

/// Ack, then see it: `min_seq` read-your-writes, its timeout, and updates and deletes becoming
/// visible (DESIGN §5, §7).
@Suite("Read your writes")
struct ConsistencyTests {
    @Test("A document acked by ingest is found at once with min_seq = its seq")
    func readYourWrites() throws {
        let cluster = try Cluster()
        // Several rounds: each ack is followed straight away by the query, no sleeping.
        for round in 0..<5 {
            let ack = try cluster.put([Documents.generated("ryw", round)])[0]
            #expect(ack.id == "ryw-\(round)")
            let reply = try cluster.search("\"q\":\"\(Documents.marker(round))\"", after: ack.seq, timeoutMs: 5000)
            #expect(reply.ok, "\(reply)\n\(cluster.logs)")
            #expect(reply.hitIDs == ["ryw-\(round)"], "\(reply)")
            #expect((reply.seq ?? 0) >= ack.seq, "\(reply)")
            // count and get with the same guarantee.
            let count = try cluster.ask("{\"op\":\"count\",\"q\":\"\(Documents.marker(round))\",\"min_seq\":\(ack.seq),\"timeout_ms\":5000}")
            #expect(count.int("count") == 1, "\(count)")
            let get = try cluster.ask("{\"op\":\"get\",\"id\":\"ryw-\(round)\",\"min_seq\":\(ack.seq),\"timeout_ms\":5000}")
            #expect(get.ok && get.id == "ryw-\(round)" && (get.seq ?? 0) >= ack.seq, "\(get)")
        }
    }

    @Test("Lines pipelined after a min_seq search see at least that seq too")
    func pipelinedAfterMinSeq() throws {
        let cluster = try Cluster()
        for round in 0..<8 {
            let ack = try cluster.put([Documents.generated("pl", round)])[0]
            let marker = Documents.marker(round)
            let client = try cluster.queryClient()
            try client.send(lines: [
                "{\"q\":\"\(marker)\",\"min_seq\":\(ack.seq),\"timeout_ms\":5000,\"fields\":[\"id\"]}",
                "{\"q\":\"\(marker)\",\"fields\":[\"id\"]}",
                "{\"q\":\"\(marker)\",\"facets\":[\"type\"]}",
                "{\"op\":\"count\",\"q\":\"\(marker)\"}",
                "{\"op\":\"get\",\"id\":\"pl-\(round)\"}",
            ])
            for line in 1...5 {
                let reply = try client.readReply()
                #expect(reply.ok && (reply.seq ?? 0) >= ack.seq, "round \(round), line \(line): \(reply)")
                if line <= 3 { #expect(reply.hitIDs == ["pl-\(round)"], "round \(round), line \(line): \(reply)") }
                if line == 4 { #expect(reply.int("count") == 1, "round \(round): \(reply)") }
            }
        }
    }

    @Test("The feed followed as zlib (as between machines) and as plain text gives the same index", arguments: ["zlib", "none"])
    func feedCompression(mode: String) throws {
        let cluster = try Cluster(queryArguments: ["--feed-compress", mode])
        let acks = try cluster.put(Documents.generated("fc", count: 40))
        let reply = try cluster.search("\"q\":\"\(Documents.marker(17))\"", after: acks.last!.seq, timeoutMs: 5000)
        #expect(reply.ok && reply.hitIDs == ["fc-17"], "\(reply)\n\(cluster.logs)")
        let count = try cluster.ask("{\"op\":\"count\",\"q\":\"\",\"min_seq\":\(acks.last!.seq),\"timeout_ms\":5000}")
        #expect(count.int("count") == 40, "\(count)")
    }

    @Test("Once the feed is quiet, the index is merged down to one segment and answers the same")
    func idleMerge() throws {
        let cluster = try Cluster()
        // Three acked batches, each made searchable before the next: three segments.
        var last = 0
        for batch in 0..<3 {
            let acks = try cluster.put(Documents.generated("im\(batch)", count: 10))
            last = acks.last!.seq
            let seen = try cluster.search("\"q\":\"\(Documents.marker(3))\"", after: last, timeoutMs: 5000)
            #expect(seen.ok, "\(seen)")
        }
        let before = try cluster.search("\"q\":\"\(Documents.marker(3))\",\"fields\":[]", after: last)
        var segments = -1
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            segments = try cluster.ask("{\"op\":\"stats\"}").int("segments") ?? -1
            if segments == 1 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(segments == 1, "\(cluster.logs)")
        let after = try cluster.search("\"q\":\"\(Documents.marker(3))\",\"fields\":[]", after: last)
        #expect(after.hitIDs.sorted() == before.hitIDs.sorted() && after.hitIDs.count == 3, "\(before)\n\(after)")
    }

    @Test("min_seq beyond the head with timeout_ms 200 answers timeout, and not before")
    func minSeqTimeout() throws {
        let cluster = try Cluster()
        let ack = try cluster.put([Documents.generated("t", 0)])[0]
        let client = try cluster.queryClient()
        let started = Date()
        let reply = try client.ask("{\"q\":\"nyhed\",\"min_seq\":\(ack.seq + 1_000_000),\"timeout_ms\":200}")
        let elapsed = Date().timeIntervalSince(started)
        #expect(!reply.ok && reply.code == "timeout", "\(reply)")
        #expect(reply.line == 1, "\(reply)")
        #expect(elapsed >= 0.15, "answered after \(elapsed) s, before the 200 ms wait")
        // The connection goes on, and a reachable min_seq still works on it.
        let next = try client.ask("{\"q\":\"\(Documents.marker(0))\",\"min_seq\":\(ack.seq),\"timeout_ms\":5000}")
        #expect(next.ok && next.hitIDs == ["t-0"], "\(next)")
        // `get` waits for min_seq too, rather than answering not_found at once.
        let get = try client.ask("{\"op\":\"get\",\"id\":\"t-0\",\"min_seq\":\(ack.seq + 1_000_000),\"timeout_ms\":200}")
        #expect(!get.ok && get.code == "timeout", "\(get)")
    }

    @Test("An update replaces the old title; a delete removes the document")
    func updateAndDelete() throws {
        let cluster = try Cluster()
        try cluster.put(Documents.generated("u", count: 5))
        let first = try cluster.put([jsonLine(["id": "u-2", "title": "Gammel overskrift om vindmøller", "type": "article", "lang": "da"])])[0]
        let before = try cluster.search("\"q\":\"vindmøller\"", after: first.seq)
        #expect(before.hitIDs == ["u-2"], "\(before)")

        let update = try cluster.put([jsonLine(["id": "u-2", "title": "Ny overskrift om solceller", "type": "job", "lang": "da"])])[0]
        #expect(update.seq > first.seq)
        let old = try cluster.search("\"q\":\"vindmøller\"", after: update.seq)
        #expect(old.ok && old.hitIDs.isEmpty && old.total == 0, "old title still found: \(old)")
        let new = try cluster.search("\"q\":\"solceller\"", after: update.seq)
        #expect(new.hitIDs == ["u-2"], "\(new)")
        #expect(new.hits.first?.doc["type"] as? String == "job", "\(new)")
        // The old version's body is gone too: its marker no longer matches.
        let marker = try cluster.search("\"q\":\"\(Documents.marker(2))\"", after: update.seq)
        #expect(marker.hitIDs.isEmpty, "\(marker)")
        let typeCount = try cluster.search("\"filter\":\"type = job\",\"limit\":100", after: update.seq)
        #expect(typeCount.hitIDs.contains("u-2"))

        let deletion = try cluster.delete("u-2")
        #expect(deletion.seq > update.seq)
        let gone = try cluster.search("\"q\":\"solceller\"", after: deletion.seq)
        #expect(gone.ok && gone.hitIDs.isEmpty, "deleted document still found: \(gone)")
        // After the search above the delete is searchable, so `get` sees it too.
        let plainGet = try cluster.ask("{\"op\":\"get\",\"id\":\"u-2\"}")
        #expect(!plainGet.ok && plainGet.code == "not_found", "\(plainGet)")
        let stats = try cluster.queryStats()
        #expect(stats.int("documents") == 4, "\(stats)")
        let others = try cluster.search("\"q\":\"netværk\",\"limit\":100", after: deletion.seq)
        #expect(Set(others.hitIDs) == ["u-0", "u-1", "u-3", "u-4"], "\(others)")
    }
}
