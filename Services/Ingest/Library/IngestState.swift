import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import TidendeModels

/// What every ingest and feed connection shares: the store, its writer, the feed hub, counters.
public final class IngestState: Sendable {
    public let config: IngestConfig
    public let store: DocumentStore
    public let writer: StoreWriter
    public let hub: FeedHub
    /// Feed pages are read here, never on an event loop.
    public let readers: NIOThreadPool
    let started = Date()
    private let totals = NIOLockedValueBox(Totals())

    struct Totals {
        var accepted = 0
        var rejected = 0
    }

    public init(config: IngestConfig) throws {
        self.config = config
        store = try DocumentStore(directory: config.dataDirectory)
        let hub = FeedHub()
        self.hub = hub
        writer = try StoreWriter(store: store, maxOpsPerCommit: config.maxOpsPerCommit) { head in
            hub.headAdvanced(head)
        }
        hub.setHead(writer.head)
        readers = NIOThreadPool(numberOfThreads: 2)
    }

    public func start() {
        readers.start()
        writer.start()
    }

    public func stop() {
        writer.stop()
        try? readers.syncShutdownGracefully()
    }

    func count(accepted: Int, rejected: Int) {
        totals.withLockedValue {
            $0.accepted += accepted
            $0.rejected += rejected
        }
    }

    /// The `stats` reply body (without `ok`).
    func writeStats(to w: inout JSONWriter, connections: Int) {
        let c = writer.counters
        let t = totals.withLockedValue { $0 }
        w.member("documents", c.live)
        w.member("tombstones", c.tombstones)
        w.member("seq", c.head)
        w.member("commits", c.commits)
        w.member("failed_commits", c.failedCommits)
        w.member("queued_ops", c.queuedOps)
        w.member("accepted", t.accepted)
        w.member("rejected", t.rejected)
        w.member("connections", connections)
        w.member("feed_subscribers", hub.subscriberCount)
        w.member("disk_bytes", store.diskBytes())
        w.member("uptime_s", Date().timeIntervalSince(started))
        if let e = c.lastError { w.member("last_error", e) }
    }
}
