import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One of the real executables (`tidende-ingest`, `tidende-query`) started the way an operator
/// would, on ports it picks itself (`--port 0`) that are read back from its "listening" log lines.
/// A restart reuses the ports of the first run, so peers configured with them (the query
/// service's `--feed`) find it again.
final class ServiceProcess {
    let name: String
    let dataDir: URL
    let logURL: URL
    /// Arguments besides ports and data dir.
    let extraArguments: [String]
    private(set) var process = Process()
    /// Ports by service name from the log (`ingest`, `feed`, `query`).
    private(set) var ports: [String: Int] = [:]
    private let portFlags: [(service: String, flag: String)]

    /// Starts `name` with `--data-dir dataDir`, every `portFlags` flag at 0, and `extraArguments`.
    init(_ name: String, dataDir: URL, portFlags: [(service: String, flag: String)], extraArguments: [String]) throws {
        self.name = name
        self.dataDir = dataDir
        self.portFlags = portFlags
        self.extraArguments = extraArguments
        logURL = dataDir.deletingLastPathComponent().appendingPathComponent("\(name).log")
        try launch()
    }

    deinit { kill9() }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// The port the service named `service` listens on.
    func port(_ service: String) -> Int { ports[service] ?? 0 }

    /// `kill -9`: no shutdown, no final snapshot.
    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for a graceful exit (a `kill -9` after `timeout`); returns the status.
    @discardableResult
    func terminate(timeout: Double = 20) -> Int32? {
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

    /// Starts the executable again on the same data directory and the same ports.
    func restart() throws {
        if process.isRunning { terminate() }
        process = Process()
        try launch()
    }

    /// The log of every run so far (for failure messages).
    func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// The last lines of the log, for a failure message.
    func logTail(_ lines: Int = 30) -> String {
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

    /// Waits until the first port answers `{"op":"ping"}`.
    private func waitForPing() throws {
        let port = self.port(portFlags[0].service)
        let deadline = Date().addingTimeInterval(20)
        var lastError: Error?
        while Date() < deadline {
            do {
                let client = try LineClient(port: port, timeout: 5)
                if try client.ask("{\"op\":\"ping\"}").op == "pong" { return }
            } catch {
                lastError = error
            }
            usleep(50_000)
        }
        throw TestFailure("\(name) did not answer ping: \(String(describing: lastError))\n\(logTail())")
    }
}
