import Foundation
import NIOPosix
import TidendeAnalysis
import TidendeModels

/// What every query connection shares: the engine host, the search pool, counters.
public final class QueryState: Sendable {
    public let config: QueryConfig
    public let host: EngineHost
    let pool: NIOThreadPool
    let latencies = Latencies()
    let analyzer = Analyzer()
    let started = Date()
    let connections: @Sendable () -> Int
    let feedConnected: @Sendable () -> Bool

    init(config: QueryConfig, host: EngineHost, connections: @escaping @Sendable () -> Int,
         feedConnected: @escaping @Sendable () -> Bool) {
        self.config = config
        self.host = host
        self.connections = connections
        self.feedConnected = feedConnected
        pool = NIOThreadPool(numberOfThreads: max(1, config.searchThreads))
    }

    func statsLine() -> [UInt8] {
        let s = host.status()
        let e = host.engineStats()
        var w = JSONWriter(capacity: 1024)
        w.object { o in
            o.member("ok", true)
            o.member("op", "stats")
            o.member("service", "query")
            o.member("documents", e.documents)
            o.member("terms", e.terms)
            o.member("segments", e.segments)
            o.member("memory_bytes", e.memoryBytes)
            o.member("rss_bytes", ProcessMemory.residentBytes())
            o.member("seq", s.searchable)
            o.member("feed_head", s.feedHead)
            o.member("lag_seq", s.feedHead > s.searchable ? s.feedHead - s.searchable : 0)
            o.member("lag_ms", (s.lagMs * 1000).rounded() / 1000)
            o.member("feed_connected", feedConnected())
            if let e = s.feedError { o.member("feed_error", e) }
            o.member("queued_changes", s.queued)
            Latencies.write(host.visibilityGap.summary(), as: "visibility_ms", to: &o)
            let lat = latencies.summary()
            o.member("queries", lat?.count ?? 0)
            Latencies.write(lat, as: "latency_ms", to: &o)
            o.member("connections", connections())
            o.member("snapshot_seq", s.snapshotSeq)
            o.member("resets", s.resets)
            if let e = s.lastApplyError { o.member("last_apply_error", e) }
            o.member("uptime_s", Date().timeIntervalSince(started))
        }
        w.newline()
        return w.bytes
    }
}

/// The process's resident memory, from /proc (Linux); 0 elsewhere.
public enum ProcessMemory {
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * 4096
    }
}
