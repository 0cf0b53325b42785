import Foundation
import TidendeTestSupport

/// The real `tidende-ingest` executable, started on free ports (`--port 0 --feed-port 0`) with its
/// own data directory, the way an operator would run it. Each test starts its own and stops it at
/// the end.
typealias IngestProcess = ServiceProcess

extension ServiceProcess {
    /// Starts `tidende-ingest`. `dataDir` nil makes a fresh temporary one (removed at `stop()`).
    /// A restart gets new ports: nothing here is configured with the old ones.
    convenience init(dataDir: URL? = nil, extraArguments: [String] = []) throws {
        var scratch: URL?
        let directory: URL
        if let dataDir {
            directory = dataDir
        } else {
            scratch = try makeScratchDirectory()
            directory = scratch!.appendingPathComponent("data")
        }
        try self.init("tidende-ingest", dataDir: directory,
                      portFlags: [("ingest", "--port"), ("feed", "--feed-port")],
                      extraArguments: extraArguments, keepsPortsOnRestart: false, removingOnStop: scratch)
    }

    var ingestPort: Int { port("ingest") }
    var feedPort: Int { port("feed") }

    /// A new connection to the ingest port.
    func connect(timeout: Double = 30, receiveBuffer: Int32? = nil) throws -> LineClient {
        try LineClient(port: ingestPort, timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// A new connection to the feed port.
    func connectFeed(timeout: Double = 30, receiveBuffer: Int32? = nil) throws -> LineClient {
        try LineClient(port: feedPort, timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// Sends `bytes` on a connection of its own, half-closes it, and returns every reply (the
    /// upload's summary last), the way `… | nc -N` would.
    func exchange(_ bytes: [UInt8]) throws -> [JSONObject] {
        let client = try connect()
        try client.send(bytes)
        client.shutdownWrite()
        return try client.readAllLines().map { try JSONObject($0) }
    }

    /// The `stats` reply, on a connection of its own.
    func stats() throws -> JSONObject {
        let client = try connect()
        try client.send(helloLine + "{\"op\":\"stats\"}\n")
        var reply = try client.readObject()
        if reply.op == "hello" { reply = try client.readObject() }
        return reply
    }
}
