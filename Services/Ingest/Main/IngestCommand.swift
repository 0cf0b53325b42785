import ArgumentParser
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeIngest
import TidendeModels
import TidendeServer
import TidendeWire

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidende-ingest",
        abstract: "Tidende's ingest service: documents in over NDJSON (:7470), changes out as a feed (:7471).",
        version: TidendeVersion.string
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "Ingest port (env TIDENDE_INGEST_PORT).")
    var port: Int = Env.int("TIDENDE_INGEST_PORT") ?? 7470

    @Option(help: "Feed port (env TIDENDE_FEED_PORT).")
    var feedPort: Int = Env.int("TIDENDE_FEED_PORT") ?? 7471

    @Option(help: "Data directory; the store is <dir>/ingest.sqlite (env TIDENDE_DATA_DIR).")
    var dataDir: String = Env.string("TIDENDE_DATA_DIR") ?? "./data"

    @Option(help: "Largest document in bytes (env TIDENDE_MAX_DOC_BYTES).")
    var maxDocBytes: Int = Env.int("TIDENDE_MAX_DOC_BYTES") ?? 4 << 20

    @Option(help: "Most inflated bytes per compressed byte, past 16 MiB (env TIDENDE_MAX_INFLATE_RATIO).")
    var maxInflateRatio: Int = Env.int("TIDENDE_MAX_INFLATE_RATIO") ?? 100

    @Option(help: "Deletes stay replayable for this many later changes (env TIDENDE_TOMBSTONE_RETENTION).")
    var tombstoneRetention: Int = Env.int("TIDENDE_TOMBSTONE_RETENTION") ?? 1_000_000

    @Option(help: "Seconds between purges of old tombstones (env TIDENDE_PURGE_INTERVAL).")
    var purgeInterval: Int = Env.int("TIDENDE_PURGE_INTERVAL") ?? 60

    func validate() throws {
        try validatePort(port, flag: "--port")
        try validatePort(feedPort, flag: "--feed-port")
        guard maxDocBytes >= 64 else { throw ValidationError("--max-doc-bytes must be at least 64") }
        guard maxInflateRatio >= 2 else { throw ValidationError("--max-inflate-ratio must be at least 2") }
        guard tombstoneRetention >= 1 else { throw ValidationError("--tombstone-retention must be at least 1") }
        guard purgeInterval >= 1 else { throw ValidationError("--purge-interval must be at least 1") }
    }

    func run() async throws {
        let logger = server.bootstrapLogging(label: "tidende.ingest")
        let wire = WireLimits(maxLineBytes: server.maxLineBytes, maxInflateRatio: maxInflateRatio)
        var config = IngestConfig()
        config.dataDirectory = dataDir
        config.maxDocumentBytes = maxDocBytes
        config.tombstoneRetention = Int64(tombstoneRetention)
        config.purgeIntervalSeconds = purgeInterval
        config.ingest = server.lineServer(name: "ingest", port: port, wire: wire)
        config.feed = server.lineServer(name: "feed", port: feedPort, wire: wire)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let service = try IngestService(config: config, group: group, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [.init(service: service)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try await group.shutdownGracefully()
    }
}
