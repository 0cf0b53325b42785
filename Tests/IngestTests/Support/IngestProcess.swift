import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `tidende-ingest` executable, started on free ports with its own data directory, the
/// way an operator would run it. Each test starts its own and stops it at the end.
///
/// Ports are chosen by the server (`--port 0 --feed-port 0`) and read back from its log, so two
/// tests never race for the same port.
final class IngestProcess {
    let dataDir: URL
    let logURL: URL
    let arguments: [String]
    private(set) var process: Process
    private(set) var ingestPort = 0
    private(set) var feedPort = 0
    /// Removed at `stop()` when this object created it.
    private let ownsScratch: URL?

    /// Starts a server. `dataDir` nil makes a fresh temporary one (removed at `stop()`).
    init(dataDir: URL? = nil, extraArguments: [String] = []) throws {
        if let dataDir {
            self.dataDir = dataDir
            ownsScratch = nil
        } else {
            let scratch = try makeScratchDirectory()
            self.dataDir = scratch.appendingPathComponent("data")
            ownsScratch = scratch
        }
        logURL = self.dataDir.deletingLastPathComponent()
            .appendingPathComponent("ingest-\(UUID().uuidString.prefix(8)).log")
        arguments = extraArguments
        process = Process()
        try launch()
    }

    deinit { stop() }

    /// The executable under test: `$TIDENDE_BIN_DIR/tidende-ingest`, else next to the test
    /// bundle (the same build folder), else in the package's usual scratch folders.
    static let executable: URL = {
        let name = "tidende-ingest"
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["TIDENDE_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        if let exe = Bundle.main.executableURL {
            var dir = exe.resolvingSymlinksInPath().deletingLastPathComponent()
            // On macOS the test bundle is a directory: climb out of `X.xctest/Contents/MacOS`.
            while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
            candidates.append(dir.appendingPathComponent(name))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for scratch in [".build-tests", ".build"] {
            candidates.append(root.appendingPathComponent("\(scratch)/debug/\(name)"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// A new connection to the ingest port.
    func connect(timeout: Double = 30, receiveBuffer: Int32? = nil) throws -> LineClient {
        try LineClient(port: ingestPort, timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// The `stats` reply, on a connection of its own.
    func stats() throws -> JSONObject {
        let client = try connect()
        try client.send(helloLine + "{\"op\":\"stats\"}\n")
        var reply = try client.readObject()
        if reply.op == "hello" { reply = try client.readObject() }
        return reply
    }

    /// A new connection to the feed port.
    func connectFeed(timeout: Double = 30, receiveBuffer: Int32? = nil) throws -> LineClient {
        try LineClient(port: feedPort, timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// `kill -9`: no shutdown, no flush; what was acknowledged must already be on disk.
    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for a graceful exit; returns the exit status.
    @discardableResult
    func terminate(timeout: Double = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill9()
            return nil
        }
        return process.terminationStatus
    }

    /// Starts the executable again on the same data directory (new ports).
    func restart() throws {
        if process.isRunning { terminate() }
        process = Process()
        try launch()
    }

    /// Kills the server if it still runs and removes the temporary directory it made.
    func stop() {
        if process.isRunning { kill9() }
        if let ownsScratch { try? FileManager.default.removeItem(at: ownsScratch) }
    }

    /// Peak resident memory (`VmHWM`) in KiB, while the process lives.
    func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    /// The server's log so far (for failure messages).
    func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// `hello` with the `--token` this server was started with (empty without one).
    var helloLine: String {
        guard let i = arguments.firstIndex(of: "--token"), i + 1 < arguments.count else { return "" }
        return "{\"op\":\"hello\",\"token\":\(jsonString(arguments[i + 1]))}\n"
    }

    // MARK: Private

    private func launch() throws {
        let executable = Self.executable
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ClientError("no executable at \(executable.path): run `swift build --build-tests` (or set TIDENDE_BIN_DIR)")
        }
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.executableURL = executable
        process.arguments = ["--port", "0", "--feed-port", "0", "--data-dir", dataDir.path] + arguments
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        let startOffset = log.offsetInFile
        try process.run()
        try waitForPorts(after: startOffset)
        try waitForPing()
    }

    /// Reads `addr=127.0.0.1:N service=ingest|feed` from the "listening" log lines of this run.
    private func waitForPorts(after offset: UInt64) throws {
        let deadline = Date().addingTimeInterval(30)
        ingestPort = 0
        feedPort = 0
        while Date() < deadline {
            let text = String(log().utf8.dropFirst(Int(offset))) ?? ""
            for line in text.split(separator: "\n") where line.contains("listening") {
                guard let addr = line.split(separator: " ").first(where: { $0.hasPrefix("addr=") }),
                      let port = Int(addr.split(separator: ":").last ?? "") else { continue }
                if line.contains("service=ingest") { ingestPort = port }
                if line.contains("service=feed") { feedPort = port }
            }
            if ingestPort > 0 && feedPort > 0 { return }
            if !process.isRunning {
                throw ClientError("tidende-ingest exited (\(process.terminationStatus)) before listening:\n\(log())")
            }
            usleep(20_000)
        }
        throw ClientError("tidende-ingest did not report its ports within 30 s:\n\(log())")
    }

    private func waitForPing() throws {
        let deadline = Date().addingTimeInterval(20)
        var lastError: Error?
        while Date() < deadline {
            do {
                let client = try connect(timeout: 5)
                try client.send(helloLine + "{\"op\":\"ping\"}\n")
                var reply = try client.readObject()
                if reply.op == "hello" { reply = try client.readObject() }
                if reply.op == "pong" { return }
            } catch {
                lastError = error
            }
            usleep(50_000)
        }
        throw ClientError("tidende-ingest did not answer ping: \(String(describing: lastError))\n\(log())")
    }
}

/// A fresh directory under the system's temporary folder.
func makeScratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tidende-it-\(UUID().uuidString.prefix(12))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
