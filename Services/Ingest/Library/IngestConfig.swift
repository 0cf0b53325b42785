import TidendeServer

/// Everything the ingest service can be told, with the documented defaults.
public struct IngestConfig: Sendable {
    /// Where `ingest.sqlite` lives.
    public var dataDirectory: String = "./data"
    /// The ingest port (documents in).
    public var ingest = LineServerConfig(name: "ingest", port: 7470)
    /// The feed port (changes out).
    public var feed = LineServerConfig(name: "feed", port: 7471)
    /// The largest document accepted, in bytes of JSON.
    public var maxDocumentBytes = 4 << 20
    /// Most operations committed in one transaction (one fsync).
    public var maxOpsPerCommit = 20_000
    /// Tombstones (deletes) kept replayable for this many later changes; a subscriber further
    /// behind is reset with a full snapshot.
    public var tombstoneRetention: Int64 = 1_000_000
    /// How often old tombstones are purged, in seconds.
    public var purgeIntervalSeconds = 60
    /// Idle feed subscribers get a `{"head":N}` line this often.
    public var heartbeatMilliseconds: Int64 = 1000
    /// Changes read from the store per feed page: at most this many, and no more once their
    /// documents pass `feedPageBytes` (so a page of large documents stays small: a subscriber
    /// holds one page at a time).
    public var feedPageSize = 2000
    public var feedPageBytes = 8 << 20

    public init() {}
}
