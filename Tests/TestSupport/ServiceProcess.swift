import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One of the real executables (`tidende-ingest`, `tidende-query`) started the way an operator
/// would, on ports it picks itself (every port flag at 0) that are read back from its "listening"
/// log lines, so parallel tests never race for a port. Every run appends to one log file beside
/// the data directory.
public final class ServiceProcess {
    /// The executable's name, looked up with ``Binaries/url(_:)``.
    public let name: String
    public let dataDir: URL
    public let logURL: URL
    /// Arguments besides ports and data dir.
    public let extraArguments: [String]
    public private(set) var process = Process()
    /// Ports by service name from the log (`ingest`, `feed`, `query`).
    public private(set) var ports: [String: Int] = [:]
    private let portFlags: [(service: String, flag: String)]
    private let keepsPortsOnRestart: Bool
    /// Removed by ``stop()``.
    private let ownedDirectory: URL?

    /// Starts `name` with `--data-dir dataDir`, every `portFlags` flag at 0, and `extraArguments`;
    /// returns once the first service answers `ping`.
    /// - Parameters:
    ///   - keepsPortsOnRestart: whether ``restart()`` asks for the ports of the first run again
    ///     (peers configured with them find it) or for new ones.
    ///   - removingOnStop: a directory (the scratch folder the caller made) that ``stop()`` removes.
    public init(_ name: String, dataDir: URL, portFlags: [(service: String, flag: String)],
                extraArguments: [String] = [], keepsPortsOnRestart: Bool = true,
                removingOnStop ownedDirectory: URL? = nil) throws {
        self.name = name
        self.dataDir = dataDir
        self.portFlags = portFlags
        self.extraArguments = extraArguments
        self.keepsPortsOnRestart = keepsPortsOnRestart
        self.ownedDirectory = ownedDirectory
        logURL = dataDir.deletingLastPathComponent()
            .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        try launch()
    }

    deinit { stop() }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// The port the service named `service` listens on (0 when it reported none).
    public func port(_ service: String) -> Int { ports[service] ?? 0 }

    /// `hello` with the `--token` this service was started with (empty without one).
    public var helloLine: String {
        guard let i = extraArguments.firstIndex(of: "--token"), i + 1 < extraArguments.count else { return "" }
        return "{\"op\":\"hello\",\"token\":\(jsonString(extraArguments[i + 1]))}\n"
    }

    /// `kill -9`: no shutdown, no flush, no final snapshot.
    public func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for a graceful exit (a `kill -9` after `timeout`); returns the exit
    /// status, nil when it had to be killed.
    @discardableResult
    public func terminate(timeout: Double = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill9()
            return nil
        }
        return process.terminationStatus
    }

    /// Stops the executable if it runs (SIGTERM) and starts it again on the same data directory.
    public func restart() throws {
        if process.isRunning { terminate() }
        if !keepsPortsOnRestart { ports = [:] }
        process = Process()
        try launch()
    }

    /// Kills the executable if it still runs and removes the directory given as `removingOnStop`.
    public func stop() {
        kill9()
        if let ownedDirectory { try? FileManager.default.removeItem(at: ownedDirectory) }
    }

    /// Peak resident memory (`VmHWM`) in KiB, while the process lives.
    public func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    /// The log of every run so far (for failure messages).
    public func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// The last lines of the log, for a failure message.
    public func logTail(_ lines: Int = 30) -> String {
        log().split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    // MARK: Launching

    private func launch() throws {
        let executable = Binaries.url(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestFailure("no executable at \(executable.path): run `swift build --build-tests` (or set TIDENDE_BIN_DIR)")
        }
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        let offset = log.offsetInFile
        var arguments = ["--data-dir", dataDir.path]
        for (service, flag) in portFlags {
            arguments += [flag, String(ports[service] ?? 0)]
        }
        process.executableURL = executable
        process.arguments = arguments + extraArguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
        try waitForPorts(after: offset)
        try waitForPing()
    }

    /// Reads `addr=…:N` and `service=X` from this run's "listening" lines.
    private func waitForPorts(after offset: UInt64) throws {
        let wanted = Set(portFlags.map(\.service))
        var found: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = String(decoding: log().utf8.dropFirst(Int(offset)), as: UTF8.self)
            for line in text.split(separator: "\n") where line.contains("listening") {
                let words = line.split(separator: " ")
                guard let addr = words.first(where: { $0.hasPrefix("addr=") }),
                      let port = Int(addr.split(separator: ":").last ?? ""),
                      let service = words.first(where: { $0.hasPrefix("service=") })?.dropFirst("service=".count)
                else { continue }
                found[String(service)] = port
            }
            if wanted.isSubset(of: found.keys) {
                ports = found
                return
            }
            if !process.isRunning {
                throw TestFailure("\(name) exited (\(process.terminationStatus)) before listening:\n\(logTail())")
            }
            usleep(20_000)
        }
        throw TestFailure("\(name) did not report its ports within 30 s:\n\(logTail())")
    }

    /// Waits until the first port answers `{"op":"ping"}` (after ``helloLine``, whose reply is
    /// skipped).
    private func waitForPing() throws {
        let port = self.port(portFlags[0].service)
        let deadline = Date().addingTimeInterval(20)
        var lastError: Error?
        while Date() < deadline {
            do {
                let client = try LineClient(port: port, timeout: 5)
                try client.send(helloLine + "{\"op\":\"ping\"}\n")
                var op = try Self.op(of: client.readRequiredLine())
                if op == "hello" { op = try Self.op(of: client.readRequiredLine()) }
                if op == "pong" { return }
            } catch {
                lastError = error
            }
            usleep(50_000)
        }
        throw TestFailure("\(name) did not answer ping: \(String(describing: lastError))\n\(logTail())")
    }

    /// The `op` member of a reply line.
    private static func op(of line: [UInt8]) throws -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(String(decoding: line, as: UTF8.self).prefix(300))")
        }
        return object["op"] as? String
    }
}
