import NIOCore
import TidendeWire

/// How one line server listens and what it tolerates. Every limit has a default, a flag and an
/// error code (see the README's tables).
public struct LineServerConfig: Sendable {
    /// Shown in `hello` replies and logs: `ingest`, `feed`, `query`.
    public var name: String
    /// Address to bind; loopback by default (DESIGN §2.7).
    public var host: String
    /// Port to bind; 0 picks a free one (tests).
    public var port: Int
    /// Most connections served at once; one more gets `too_many_connections` and a close.
    public var maxConnections: Int
    /// A connection with nothing pending that sends nothing for this long gets `idle_timeout`.
    public var idleTimeout: TimeAmount
    /// When set, a connection must begin with `{"op":"hello","token":"…"}`.
    public var token: String?
    /// Line size, inflate ratio, stream-end grace.
    public var wire: WireLimits
    /// Unanswered requests per connection before the server stops reading from it (backpressure).
    public var maxPendingReplies: Int
    /// On a graceful stop, how long connections get to answer what they took (ingest: once it is
    /// committed) and close; the rest are then closed as they are.
    public var shutdownGrace: TimeAmount

    public init(
        name: String,
        host: String = "127.0.0.1",
        port: Int,
        maxConnections: Int = 4096,
        idleTimeout: TimeAmount = .seconds(300),
        token: String? = nil,
        wire: WireLimits = WireLimits(),
        maxPendingReplies: Int = 4096,
        shutdownGrace: TimeAmount = .seconds(10)
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.token = token
        self.wire = wire
        self.maxPendingReplies = maxPendingReplies
        self.shutdownGrace = shutdownGrace
    }
}
