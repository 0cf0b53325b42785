import TidendeModels
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TidendeServer

/// The query service: the engine host (applier + snapshots), the feed follower, and the query
/// line server. Stops in reverse: no more queries, no more feed, then the final snapshot.
public final class QueryService: Service, Sendable {
    public let state: QueryState
    public let server: LineServer
    private let follower: FeedFollower
    private let logger: Logger

    public init(config: QueryConfig, group: EventLoopGroup, logger: Logger) {
        let host = EngineHost(config: config, logger: logger)
        let follower = FeedFollower(config: config, host: host, group: group, logger: logger)
        let box = LineServerHandle()
        let state = QueryState(config: config, host: host,
                               connections: { box.openConnections },
                               feedConnected: { follower.isConnected })
        self.state = state
        self.follower = follower
        self.logger = logger
        server = LineServer(config: config.server, service: QueryLineService(state: state), group: group, logger: logger)
        box.server = server
    }

    public func run() async throws {
        state.pool.start()
        state.host.start()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.server.run() }
            group.addTask { try await self.follower.run() }
        }
        state.host.stop()
        try? await state.pool.shutdownGracefully()
        logger.info("stopped", metadata: ["seq": "\(state.host.searchableSeq)"])
    }
}

struct QueryLineService: LineService {
    let state: QueryState
    func makeSession(connection: Connection) -> any LineSession { QuerySession(state: state) }
    var helloInfo: [(String, String)] { [("version", TidendeVersion.string)] }
}
