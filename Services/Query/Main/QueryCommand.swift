import ArgumentParser
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeEngine
import TidendeModels
import TidendeQuery
import TidendeServer
import TidendeWire

@main
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidende-query",
        abstract: "Tidende's query service: follows the ingest feed, answers searches on :7472.",
        version: TidendeVersion.string
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "Query port (env TIDENDE_QUERY_PORT).")
    var port: Int = Env.int("TIDENDE_QUERY_PORT") ?? 7472

    @Option(help: "The ingest feed to follow, host:port (env TIDENDE_FEED).")
    var feed: String = Env.string("TIDENDE_FEED") ?? "127.0.0.1:7471"

    @Option(help: "Ask the feed for zlib: auto (only when the feed is not on loopback), zlib or none (env TIDENDE_FEED_COMPRESS).")
    var feedCompress: String = Env.string("TIDENDE_FEED_COMPRESS") ?? "auto"

    @Option(help: "Seconds without a byte from the feed (it beats every second) before reconnecting (env TIDENDE_FEED_TIMEOUT).")
    var feedTimeout: Int = Env.int("TIDENDE_FEED_TIMEOUT") ?? 10

    @Option(help: "Longest feed line (one document) accepted; keep it ≥ ingest's --max-line-bytes (env TIDENDE_FEED_MAX_LINE_BYTES).")
    var feedMaxLineBytes: Int = Env.int("TIDENDE_FEED_MAX_LINE_BYTES") ?? 64 << 20

    @Option(help: "Data directory; the snapshot is <dir>/query.snapshot (env TIDENDE_DATA_DIR).")
    var dataDir: String = Env.string("TIDENDE_DATA_DIR") ?? "./data"

    @Option(help: "Seconds between snapshots while the index changes (env TIDENDE_SNAPSHOT_INTERVAL).")
    var snapshotInterval: Int = Env.int("TIDENDE_SNAPSHOT_INTERVAL") ?? 30

    @Option(help: "Milliseconds between refreshes under load (env TIDENDE_REFRESH_MS).")
    var refreshMs: Int = Env.int("TIDENDE_REFRESH_MS") ?? 20

    @Option(help: "Largest limit per search (env TIDENDE_MAX_LIMIT).")
    var maxLimit: Int = Env.int("TIDENDE_MAX_LIMIT") ?? 1000

    @Option(help: "Largest offset + limit (env TIDENDE_MAX_RESULT_WINDOW).")
    var maxResultWindow: Int = Env.int("TIDENDE_MAX_RESULT_WINDOW") ?? 10_000

    @Option(help: "BM25 field weights over the defaults title=3,lead=2,summary=2,tags=2, others 1; '*=w' sets the others' (env TIDENDE_FIELD_WEIGHTS).")
    var fieldWeights: String = Env.string("TIDENDE_FIELD_WEIGHTS") ?? ""

    @Option(help: "Threads running searches (env TIDENDE_SEARCH_THREADS; default one per core).")
    var searchThreads: Int = Env.int("TIDENDE_SEARCH_THREADS") ?? System.coreCount

    func validate() throws {
        try validatePort(port, flag: "--port")
        guard parseFeed() != nil else { throw ValidationError("--feed must be host:port") }
        guard ["auto", "zlib", "none"].contains(feedCompress) else { throw ValidationError("--feed-compress must be auto, zlib or none") }
        guard snapshotInterval >= 1, refreshMs >= 1, searchThreads >= 1 else {
            throw ValidationError("--snapshot-interval, --refresh-ms and --search-threads must be at least 1")
        }
        guard maxLimit >= 1, maxResultWindow >= maxLimit else { throw ValidationError("--max-result-window must be ≥ --max-limit ≥ 1") }
        guard feedTimeout >= 2 else { throw ValidationError("--feed-timeout must be at least 2 (seconds; the feed beats every second)") }
        var engine = EngineConfig()
        if let problem = engine.applyFieldWeights(fieldWeights) { throw ValidationError("--field-weights: \(problem)") }
        guard feedMaxLineBytes >= 1 << 20 else { throw ValidationError("--feed-max-line-bytes must be at least 1048576") }
    }

    private func parseFeed() -> (String, Int)? {
        guard let colon = feed.lastIndex(of: ":"), let p = Int(feed[feed.index(after: colon)...]), (1...65535).contains(p) else { return nil }
        return (String(feed[..<colon]), p)
    }

    func run() async throws {
        AllocatorTuning.configure()
        let logger = server.bootstrapLogging(label: "tidende.query")
        var config = QueryConfig()
        config.server = server.lineServer(name: "query", port: port)
        let (feedHost, feedPort) = parseFeed()!
        config.feedHost = feedHost
        config.feedPort = feedPort
        config.feedToken = server.resolvedToken
        config.feedCompression = feedCompress == "auto" ? nil : feedCompress == "zlib"
        config.feedTimeoutSeconds = feedTimeout
        config.feedMaxLineBytes = feedMaxLineBytes
        config.dataDirectory = dataDir
        config.snapshotIntervalSeconds = snapshotInterval
        config.refreshMilliseconds = refreshMs
        config.maxLimit = maxLimit
        config.maxResultWindow = maxResultWindow
        config.searchThreads = searchThreads
        _ = config.engine.applyFieldWeights(fieldWeights)  // checked in `validate`

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let service = QueryService(config: config, group: group, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [.init(service: service)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try await group.shutdownGracefully()
    }
}
