import Foundation
import TidendeTestSupport
import Testing

/// When old tombstones have been purged, a subscriber whose state is older than the horizon
/// cannot be brought up to date exactly: it gets `reset` and every live document (DESIGN §4).
@Suite("Feed reset")
struct FeedResetTests {
    /// An ingest service that keeps deletes replayable for `retention` changes and purges older
    /// ones every second.
    func purgingServer(retention: Int) throws -> IngestProcess {
        try IngestProcess(extraArguments: ["--tombstone-retention", "\(retention)", "--purge-interval", "1"])
    }

    /// Waits (up to 5 s) until the purge, which runs every second here, has left no tombstone.
    func waitForPurge(_ server: IngestProcess, _ what: String) throws {
        var purged = false
        for _ in 0..<50 where !purged {
            usleep(100_000)
            purged = (try server.stats().int("tombstones") ?? 1) == 0
        }
        try #require(purged, "\(what) was not purged")
    }

    @Test("a subscriber behind the purge horizon gets reset and a snapshot of the live documents")
    func resetAfterPurge() throws {
        let server = try purgingServer(retention: 1)
        defer { server.stop() }
        let feedTests = FeedTests()
        // seq 1…5: r-0…r-4; seq 6: delete r-1; seq 7, 8: r-5, r-6.
        try feedTests.upload(server, Corpus.documents("r", count: 5))
        try feedTests.upload(server, ["{\"op\":\"delete\",\"id\":\"r-1\"}"])
        try feedTests.upload(server, ["{\"id\":\"r-5\"}", "{\"id\":\"r-6\"}"])
        // The purge runs every second and drops tombstones older than head - 1 = 7: the delete at seq 6.
        try waitForPurge(server, "the tombstone of r-1")

        // A subscriber that has applied up to seq 3 asks from 4: the delete at seq 6 is gone.
        let feed = try server.connectFeed()
        let reply = try feedTests.subscribe(feed, from: 4, compress: "none")
        #expect(reply.int("head") == 8)
        var line = try feed.readObject()
        while line["reset"] == nil && line["seq"] == nil { line = try feed.readObject() }
        #expect(line["reset"] as? Bool == true, "expected a reset first, got \(line)")
        // Then every live document (no tombstones) in seq order, up to the head.
        var ids: [String] = []
        while ids.count < 6 {
            let change = try feed.readObject()
            if change["head"] != nil && change["seq"] == nil { continue }
            #expect(change["delete"] == nil, "a reset snapshot has no deletes: \(change)")
            if let id = change.object("put")?["id"] as? String { ids.append(id) }
        }
        #expect(ids == ["r-0", "r-2", "r-3", "r-4", "r-5", "r-6"])

        // A subscriber at or after the horizon is served exactly, without a reset.
        let exact = try server.connectFeed()
        _ = try feedTests.subscribe(exact, from: 7, compress: "none")
        let next = try exact.readObject()
        #expect(next["reset"] == nil && next.seq == 7, "\(next)")
    }

    /// A subscriber that falls behind while connected (it stops reading, so the feed stops
    /// reading the store for it) can be overtaken by a purge: the tombstone of a document it
    /// holds is gone before it gets there. It is reset in the stream, so whatever it applies
    /// ends in the store's live set, never with the deleted document.
    @Test("a subscriber overtaken by a purge while connected is reset in the stream")
    func resetWhenAPurgeOvertakesAConnectedSubscriber() throws {
        let server = try purgingServer(retention: 10)
        defer { server.stop() }
        let feedTests = FeedTests()
        // seq 1…10: x-0…x-9. The subscriber reads them, then stops reading.
        _ = try feedTests.upload(server, Corpus.documents("x", count: 10))
        let feed = try server.connectFeed(receiveBuffer: 4096)
        _ = try feedTests.subscribe(feed, from: 1, compress: "none")
        var live: Set<String> = []
        var seq: Int64 = 0
        func apply(_ line: JSONObject) {
            if line["reset"] as? Bool == true { live = [] }
            if let s = line.seq { seq = s }
            if let id = line.object("put")?["id"] as? String { live.insert(id) }
            if let id = line["delete"] as? String { live.remove(id) }
        }
        while seq < 10 { apply(try feed.readObject()) }
        // Far more than the socket buffers hold: the feed stops part way through these.
        let filler = String(repeating: "fyld ", count: 40_000)
        _ = try feedTests.upload(server, (0..<30).map { "{\"id\":\"f-\($0)\",\"body\":\"\(filler)\"}" })
        // seq 41 deletes x-1; 30 more changes move the purge horizon past it (head 71 - 10).
        _ = try feedTests.upload(server, ["{\"op\":\"delete\",\"id\":\"x-1\"}"])
        _ = try feedTests.upload(server, Corpus.documents("y", count: 30))
        try waitForPurge(server, "the tombstone of x-1")
        // Reading again, the subscriber reaches the head holding exactly the live documents.
        while seq < 71 { apply(try feed.readObject()) }
        let expected = Set((0..<10).filter { $0 != 1 }.map { "x-\($0)" } + (0..<30).map { "f-\($0)" } + (0..<30).map { "y-\($0)" })
        #expect(!live.contains("x-1"), "the deleted document is still held")
        #expect(live.symmetricDifference(expected).isEmpty, "held but not live, or live but not held: \(live.symmetricDifference(expected).sorted())")
    }

    /// A subscriber starting from nothing needs no tombstone older than the head it started at
    /// (it never held those documents), so a horizon past its first page is no reason to reset
    /// it: the corpus streams once, in order, without a restart.
    @Test("a fresh subscriber is not reset when the horizon lies past its first page")
    func freshSubscriberIsNotResetByAnOldHorizon() throws {
        let server = try purgingServer(retention: 10)
        defer { server.stop() }
        let feedTests = FeedTests()
        // seq 1…3000: z-0…z-2999; 3001 deletes z-5; 20 more move the horizon to 3011.
        _ = try feedTests.upload(server, Corpus.documents("z", count: 3000))
        _ = try feedTests.upload(server, ["{\"op\":\"delete\",\"id\":\"z-5\"}"])
        _ = try feedTests.upload(server, Corpus.documents("w", count: 20))
        try waitForPurge(server, "the tombstone of z-5")
        let feed = try server.connectFeed()
        _ = try feedTests.subscribe(feed, from: 1, compress: "none")
        var seqs: [Int64] = []
        while seqs.last.map({ $0 < 3021 }) ?? true {
            let line = try feed.readObject()
            #expect(line["reset"] == nil, "a fresh subscriber was reset: \(line)")
            if line["reset"] != nil { break }
            if let seq = line.seq { seqs.append(seq) }
        }
        let expected: [Int64] = (1...3021).map { Int64($0) }.filter { $0 != 6 && $0 != 3001 }
        #expect(seqs == expected)
    }
}

