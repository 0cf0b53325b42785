import TidendeModels
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeServer

/// The ingest service: the store, its group-commit writer, and two line servers — ingest (7470)
/// and feed (7471). Runs until graceful shutdown, then stops accepting, lets the writer finish
/// what it has queued, and closes the store.
public final class IngestService: Service, Sendable {
    public let state: IngestState
    public let ingestServer: LineServer
    public let feedServer: LineServer
    private let logger: Logger

    public init(config: IngestConfig, group: EventLoopGroup, logger: Logger) throws {
        let state = try IngestState(config: config)
        self.state = state
        self.logger = logger
        let counter = LineServerHandle()
        ingestServer = LineServer(config: config.ingest, service: IngestLineService(state: state, counter: counter), group: group, logger: logger)
        feedServer = LineServer(config: config.feed, service: FeedLineService(state: state), group: group, logger: logger)
        counter.server = ingestServer
    }

    public func run() async throws {
        state.start()
        let c = state.writer.counters
        logger.info("store open", metadata: ["path": "\(state.store.path)", "seq": "\(c.head)", "documents": "\(c.live)"])
        let purge = Task { [state, logger] in
            // Old tombstones are purged now and then; subscribers further behind get a reset.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(state.config.purgeIntervalSeconds))
                let head = state.writer.head
                let before = head - state.config.tombstoneRetention
                if before > 1, before > (try? state.store.horizon()) ?? 0,
                   let n = try? state.store.purgeTombstones(before: before), n > 0 {
                    state.writer.notePurged(n)
                    logger.info("purged tombstones", metadata: ["count": "\(n)", "horizon": "\(before)"])
                }
            }
        }
        defer { purge.cancel() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.ingestServer.run() }
            group.addTask { try await self.feedServer.run() }
        }
        state.stop()
        logger.info("stopped", metadata: ["seq": "\(state.writer.head)"])
    }
}

struct IngestLineService: LineService {
    let state: IngestState
    let counter: LineServerHandle
    func makeSession(connection: Connection) -> any LineSession {
        IngestSession(state: state, connectionCount: { [counter] in counter.openConnections })
    }
    var helloInfo: [(String, String)] { [("version", TidendeVersion.string)] }
}

struct FeedLineService: LineService {
    let state: IngestState
    func makeSession(connection: Connection) -> any LineSession { FeedSession(state: state) }
    var helloInfo: [(String, String)] { [("version", TidendeVersion.string)] }
}
