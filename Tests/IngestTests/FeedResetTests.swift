import Foundation
import TidendeTestSupport
import Testing

/// When old tombstones have been purged, a subscriber whose state is older than the horizon
/// cannot be brought up to date exactly: it gets `reset` and every live document (DESIGN §4).
@Suite("Feed reset")
struct FeedResetTests {
    @Test("a subscriber behind the purge horizon gets reset and a snapshot of the live documents")
    func resetAfterPurge() throws {
        let server = try IngestProcess(extraArguments: ["--tombstone-retention", "1", "--purge-interval", "1"])
        defer { server.stop() }
        let feedTests = FeedTests()
        // seq 1…5: r-0…r-4; seq 6: delete r-1; seq 7, 8: r-5, r-6.
        try feedTests.upload(server, Corpus.documents("r", count: 5))
        try feedTests.upload(server, ["{\"op\":\"delete\",\"id\":\"r-1\"}"])
        try feedTests.upload(server, ["{\"id\":\"r-5\"}", "{\"id\":\"r-6\"}"])
        // The purge runs every second and drops tombstones older than head - 1 = 7: the delete at seq 6.
        var horizonReached = false
        for _ in 0..<50 where !horizonReached {
            usleep(100_000)
            horizonReached = (try server.stats().int("tombstones") ?? 1) == 0
        }
        try #require(horizonReached, "the tombstone of r-1 was not purged")

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
}
