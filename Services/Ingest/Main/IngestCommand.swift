import TidendeModels
import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeIngest
import TidendeServer
import TidendeWire

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidende-ingest",
        abstract: "Tidende's ingest service: documents in over NDJSON (:7470), changes out as a feed (:7471).",
        version: TidendeVersion.string
    )

    @Option(help: "Address to bind both ports to (env TIDENDE_HOST).")
    var host: String = Env.string("TIDENDE_HOST") ?? "127.0.0.1"

    @Option(help: "Ingest port (env TIDENDE_INGEST_PORT).")
    var port: Int = Env.int("TIDENDE_INGEST_PORT") ?? 7470

    @Option(help: "Feed port (env TIDENDE_FEED_PORT).")
    var feedPort: Int = Env.int("TIDENDE_FEED_PORT") ?? 7471

    @Option(help: "Data directory; the store is <dir>/ingest.sqlite (env TIDENDE_DATA_DIR).")
    var dataDir: String = Env.string("TIDENDE_DATA_DIR") ?? "./data"

    @Option(help: "Require {\"op\":\"hello\",\"token\":…} first on every connection (env TIDENDE_TOKEN).")
    var token: String?

    @Option(help: "Longest request line in bytes (env TIDENDE_MAX_LINE_BYTES).")
    var maxLineBytes: Int = Env.int("TIDENDE_MAX_LINE_BYTES") ?? 8 << 20

    @Option(help: "Largest document in bytes (env TIDENDE_MAX_DOC_BYTES).")
    var maxDocBytes: Int = Env.int("TIDENDE_MAX_DOC_BYTES") ?? 4 << 20

    @Option(help: "Most inflated bytes per compressed byte, past 16 MiB (env TIDENDE_MAX_INFLATE_RATIO).")
    var maxInflateRatio: Int = Env.int("TIDENDE_MAX_INFLATE_RATIO") ?? 100

    @Option(help: "Most connections per port (env TIDENDE_MAX_CONNECTIONS).")
    var maxConnections: Int = Env.int("TIDENDE_MAX_CONNECTIONS") ?? 4096

    @Option(help: "Seconds a connection may stay silent with nothing pending (env TIDENDE_IDLE_TIMEOUT).")
    var idleTimeout: Int = Env.int("TIDENDE_IDLE_TIMEOUT") ?? 300

    @Option(help: "Deletes stay replayable for this many later changes (env TIDENDE_TOMBSTONE_RETENTION).")
    var tombstoneRetention: Int = Env.int("TIDENDE_TOMBSTONE_RETENTION") ?? 1_000_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env TIDENDE_LOG_LEVEL).")
    var logLevel: String = Env.string("TIDENDE_LOG_LEVEL") ?? "info"

    func validate() throws {
        for (name, value) in [("--port", port), ("--feed-port", feedPort)] where !(0...65535).contains(value) {
            throw ValidationError("\(name) must be 0…65535")
        }
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
        guard maxDocBytes >= 64 else { throw ValidationError("--max-doc-bytes must be at least 64") }
        guard maxInflateRatio >= 2 else { throw ValidationError("--max-inflate-ratio must be at least 2") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tidende.ingest")

        let wire = WireLimits(maxLineBytes: maxLineBytes, maxInflateRatio: maxInflateRatio)
        var config = IngestConfig()
        config.dataDirectory = dataDir
        config.maxDocumentBytes = maxDocBytes
        config.tombstoneRetention = Int64(tombstoneRetention)
        config.ingest = LineServerConfig(name: "ingest", host: host, port: port, maxConnections: maxConnections,
                                         idleTimeout: .seconds(Int64(idleTimeout)), token: token ?? Env.string("TIDENDE_TOKEN"), wire: wire)
        config.feed = LineServerConfig(name: "feed", host: host, port: feedPort, maxConnections: maxConnections,
                                       idleTimeout: .seconds(Int64(idleTimeout)), token: token ?? Env.string("TIDENDE_TOKEN"), wire: wire)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let service = try IngestService(config: config, group: group, logger: logger)
        let services = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await services.run()
        try await group.shutdownGracefully()
    }
}
