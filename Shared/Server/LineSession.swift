import NIOCore
import TidendeModels

/// A request line as the runtime hands it to a service, after framing, UTF-8 and JSON checks.
public enum RequestLine {
    /// A line that is a JSON object (`op` may be absent: an ingest document); the scan keeps the
    /// line's bytes and where each top-level member's value is.
    case object(JSONScan)
    /// A line that does not start with `{` or `[`, as text (trimmed): a plain query, a typo…
    case text(String)
}

/// What a service does with one connection. Created per connection by `LineService.makeSession`;
/// every call happens on the connection's event loop.
///
/// For each request the session must eventually answer the reserved `ReplyToken` exactly once
/// (possibly from another thread, via `Connection.bound` hopping to the event loop).
public protocol LineSession: AnyObject {
    /// One request. `hello` and `quit` never get here: the runtime answers them.
    func request(_ line: RequestLine, token: ReplyToken, connection: Connection)
    /// A line the runtime rejected itself (not JSON, not UTF-8, too long, not an object), already
    /// answered with `error`: for the session's counts.
    func rejected(_ error: WireError)
    /// The end of a read burst: a good moment to submit batched work.
    func readBurstEnded(connection: Connection)
    /// The last line of an upload that ended (half-close, end of a compressed stream, `quit`,
    /// or a broken stream), after every reply has been written; nil for none.
    func summary(connection: Connection, failure: WireError?) -> [UInt8]?
    /// The connection is gone.
    func closed()
}

extension LineSession {
    public func rejected(_ error: WireError) {}
    public func readBurstEnded(connection: Connection) {}
    public func summary(connection: Connection, failure: WireError?) -> [UInt8]? { nil }
    public func closed() {}
}

/// A service served by `LineServer`: makes one session per connection.
public protocol LineService: Sendable {
    func makeSession(connection: Connection) -> any LineSession
    /// Extra members for the `hello` reply (e.g. the service version).
    var helloInfo: [(String, String)] { get }
}

extension LineService {
    public var helloInfo: [(String, String)] { [] }
}

/// A place in the reply order, reserved when a request arrives.
public struct ReplyToken: Sendable, Hashable {
    let index: Int
    /// The request's 1-based line number on its connection.
    public let line: Int
}
