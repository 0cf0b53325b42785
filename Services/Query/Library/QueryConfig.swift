import TidendeEngine
import TidendeServer

/// Everything the query service can be told, with the documented defaults.
public struct QueryConfig: Sendable {
    /// The query port.
    public var server = LineServerConfig(name: "query", port: 7472)
    /// The ingest service's feed.
    public var feedHost = "127.0.0.1"
    public var feedPort = 7471
    /// Whether the feed is asked for zlib. Compression saves bandwidth between machines; on one
    /// machine it only costs CPU on both sides, so the default asks for it unless the feed is on
    /// loopback.
    public var feedCompression: Bool?
    /// The effective choice for `feedCompression`.
    public var compressesFeed: Bool {
        feedCompression ?? !["127.0.0.1", "localhost", "::1"].contains(feedHost)
    }
    /// The feed sends a heartbeat every second when idle: after this many seconds without a
    /// byte from it (while we are reading), the connection is taken for dead and made anew.
    public var feedTimeoutSeconds = 10
    /// The longest feed line (one document) the follower accepts; a longer one stops following
    /// with an error (`last_apply_error`) instead of being skipped. Keep it at least ingest's
    /// `--max-line-bytes`.
    public var feedMaxLineBytes = 64 << 20
    /// Token sent in `hello` to the feed (when the ingest service has one).
    public var feedToken: String?
    /// Where `query.snapshot` lives.
    public var dataDirectory = "./data"
    /// A snapshot is written this often (seconds) when the index changed, and at shutdown.
    public var snapshotIntervalSeconds = 30
    /// Applied changes become searchable at least this often (milliseconds); while a backlog is
    /// applied, every 250 ms at most, unless a `min_seq` query waits.
    public var refreshMilliseconds = 20
    /// Largest `limit`; `offset + limit` may not pass `maxResultWindow`.
    public var maxLimit = 1000
    public var maxResultWindow = 10_000
    /// Longest `timeout_ms` a `min_seq` wait may ask for.
    public var maxWaitMilliseconds = 60_000
    /// Threads that execute searches (default: one per core).
    public var searchThreads = System.coreCount
    public var engine = EngineConfig()

    public init() {}
}

import NIOCore
