import TidendeModels
import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
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

    @Option(help: "Address to bind (env TIDENDE_HOST).")
    var host: String = Env.string("TIDENDE_HOST") ?? "127.0.0.1"

    @Option(help: "Query port (env TIDENDE_QUERY_PORT).")
    var port: Int = Env.int("TIDENDE_QUERY_PORT") ?? 7472

    @Option(help: "The ingest feed to follow, host:port (env TIDENDE_FEED).")
    var feed: String = Env.string("TIDENDE_FEED") ?? "127.0.0.1:7471"

    @Option(help: "Data directory; the snapshot is <dir>/query.snapshot (env TIDENDE_DATA_DIR).")
    var dataDir: String = Env.string("TIDENDE_DATA_DIR") ?? "./data"

    @Option(help: "Token clients must send in hello, also sent to the feed (env TIDENDE_TOKEN).")
    var token: String?

    @Option(help: "Longest request line in bytes (env TIDENDE_MAX_LINE_BYTES).")
    var maxLineBytes: Int = Env.int("TIDENDE_MAX_LINE_BYTES") ?? 8 << 20

    @Option(help: "Most connections (env TIDENDE_MAX_CONNECTIONS).")
    var maxConnections: Int = Env.int("TIDENDE_MAX_CONNECTIONS") ?? 4096

    @Option(help: "Seconds a connection may stay silent with nothing pending (env TIDENDE_IDLE_TIMEOUT).")
    var idleTimeout: Int = Env.int("TIDENDE_IDLE_TIMEOUT") ?? 300

    @Option(help: "Seconds between snapshots while the index changes (env TIDENDE_SNAPSHOT_INTERVAL).")
    var snapshotInterval: Int = Env.int("TIDENDE_SNAPSHOT_INTERVAL") ?? 30

    @Option(help: "Milliseconds between refreshes under load (env TIDENDE_REFRESH_MS).")
    var refreshMs: Int = Env.int("TIDENDE_REFRESH_MS") ?? 20

    @Option(help: "Largest limit per search (env TIDENDE_MAX_LIMIT).")
    var maxLimit: Int = Env.int("TIDENDE_MAX_LIMIT") ?? 1000

    @Option(help: "Largest offset + limit (env TIDENDE_MAX_RESULT_WINDOW).")
    var maxResultWindow: Int = Env.int("TIDENDE_MAX_RESULT_WINDOW") ?? 10_000

    @Option(help: "Threads running searches (env TIDENDE_SEARCH_THREADS; default one per core).")
    var searchThreads: Int = Env.int("TIDENDE_SEARCH_THREADS") ?? System.coreCount

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env TIDENDE_LOG_LEVEL).")
    var logLevel: String = Env.string("TIDENDE_LOG_LEVEL") ?? "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard parseFeed() != nil else { throw ValidationError("--feed must be host:port") }
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
        guard maxConnections >= 1, idleTimeout >= 1, snapshotInterval >= 1, refreshMs >= 1, searchThreads >= 1 else {
            throw ValidationError("--max-connections, --idle-timeout, --snapshot-interval, --refresh-ms and --search-threads must be at least 1")
        }
        guard maxLimit >= 1, maxResultWindow >= maxLimit else { throw ValidationError("--max-result-window must be ≥ --max-limit ≥ 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    private func parseFeed() -> (String, Int)? {
        guard let colon = feed.lastIndex(of: ":"), let p = Int(feed[feed.index(after: colon)...]), (1...65535).contains(p) else { return nil }
        return (String(feed[..<colon]), p)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tidende.query")
        let token = self.token ?? Env.string("TIDENDE_TOKEN")
        var config = QueryConfig()
        config.server = LineServerConfig(name: "query", host: host, port: port, maxConnections: maxConnections,
                                         idleTimeout: .seconds(Int64(idleTimeout)), token: token,
                                         wire: WireLimits(maxLineBytes: maxLineBytes))
        let (feedHost, feedPort) = parseFeed()!
        config.feedHost = feedHost
        config.feedPort = feedPort
        config.feedToken = token
        config.dataDirectory = dataDir
        config.snapshotIntervalSeconds = snapshotInterval
        config.refreshMilliseconds = refreshMs
        config.maxLimit = maxLimit
        config.maxResultWindow = maxResultWindow
        config.searchThreads = searchThreads

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let service = QueryService(config: config, group: group, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [.init(service: service)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try await group.shutdownGracefully()
    }
}
