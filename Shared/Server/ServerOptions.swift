import ArgumentParser
import Logging
import NIOCore
import TidendeModels
import TidendeWire

/// The flags both services share (each with a `TIDENDE_*` environment default).
public struct ServerOptions: ParsableArguments {
    @Option(help: "Address to bind (env TIDENDE_HOST).")
    public var host: String = Env.string("TIDENDE_HOST") ?? "127.0.0.1"

    @Option(help: "Require {\"op\":\"hello\",\"token\":…} first on every connection (env TIDENDE_TOKEN).")
    public var token: String?

    @Option(help: "Longest request line in bytes (env TIDENDE_MAX_LINE_BYTES).")
    public var maxLineBytes: Int = Env.int("TIDENDE_MAX_LINE_BYTES") ?? 8 << 20

    @Option(help: "Most connections per port (env TIDENDE_MAX_CONNECTIONS).")
    public var maxConnections: Int = Env.int("TIDENDE_MAX_CONNECTIONS") ?? 4096

    @Option(help: "Seconds a connection may stay silent with nothing pending (env TIDENDE_IDLE_TIMEOUT).")
    public var idleTimeout: Int = Env.int("TIDENDE_IDLE_TIMEOUT") ?? 300

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env TIDENDE_LOG_LEVEL).")
    public var logLevel: String = Env.string("TIDENDE_LOG_LEVEL") ?? "info"

    public init() {}

    /// The token from the flag or the environment.
    public var resolvedToken: String? { token ?? Env.string("TIDENDE_TOKEN") }

    public func validate() throws {
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    /// A line server's settings from these flags.
    public func lineServer(name: String, port: Int, wire: WireLimits? = nil) -> LineServerConfig {
        LineServerConfig(name: name, host: host, port: port, maxConnections: maxConnections,
                         idleTimeout: .seconds(Int64(idleTimeout)), token: resolvedToken,
                         wire: wire ?? WireLimits(maxLineBytes: maxLineBytes))
    }

    /// Logs to standard error at the chosen level; returns the service's logger.
    public func bootstrapLogging(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

/// Validates a port flag.
public func validatePort(_ value: Int, flag: String) throws {
    guard (0...65535).contains(value) else { throw ValidationError("\(flag) must be 0…65535") }
}
