import ArgumentParser
import Foundation
import NIOCore
import TidendeClient
import TidendeModels
import TidendeWire

/// `tidende ingest FILE…`: streams NDJSON (plain or .gz, or `-` for stdin) gzip-compressed to the
/// ingest service, one connection per file, and reads the acknowledgements as they come.
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload NDJSON documents (files, .gz files, or - for stdin).",
        discussion: "Exits 0 only when every line was acknowledged as durably stored; rejected lines are printed with their line numbers and reasons.")

    @OptionGroup var endpoints: Endpoints

    @Argument(help: "NDJSON files; .gz files are sent as they are; - reads standard input.")
    var files: [String]

    @Flag(help: "No progress bar, even on a terminal.")
    var quiet = false

    func run() throws {
        var failed = false
        for file in files {
            let outcome = try upload(file)
            failed = failed || !outcome
        }
        if failed { throw ExitCode(1) }
    }

    /// Returns true when everything in `file` was acknowledged.
    private func upload(_ path: String) throws -> Bool {
        let name = path == "-" ? "stdin" : path
        let handle: FileHandle
        var size: Int64?
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot open \(path)") }
            handle = h
            size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        }
        let client = try endpoints.connect(port: endpoints.ingestPort, service: "ingest", timeout: nil)
        let progress = UploadProgress(name: name, totalBytes: size)
        let reader = Thread { progress.readReplies(from: client) }
        reader.start()

        let showBar = !quiet && isatty(2) == 1
        var deflater: Deflater? = path.hasSuffix(".gz") ? nil : Deflater(format: .gzip, level: 1)
        var lastDraw = Date.distantPast
        do {
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                progress.addRead(chunk.count)
                if deflater != nil {
                    var out = ByteBuffer()
                    deflater!.compress(ByteBuffer(bytes: chunk), into: &out, flush: .none)
                    if out.readableBytes > 0 { try client.send(Array(out.readableBytesView)) }
                    progress.addSent(out.readableBytes)
                } else {
                    try client.send(Array(chunk))
                    progress.addSent(chunk.count)
                }
                if showBar && Date().timeIntervalSince(lastDraw) > 0.2 {
                    progress.draw()
                    lastDraw = Date()
                }
                if progress.brokenEarly { break }
            }
            if deflater != nil {
                var out = ByteBuffer()
                deflater!.compress(ByteBuffer(), into: &out, flush: .finish)
                try client.send(Array(out.readableBytesView))
                progress.addSent(out.readableBytes)
            }
        } catch {
            progress.note("sending stopped: \(error)")
        }
        client.finishSending()
        while !progress.finished {
            if showBar { progress.draw() }
            Thread.sleep(forTimeInterval: 0.1)
        }
        if showBar { progress.clearLine() }
        return progress.report()
    }
}

/// Counts acknowledgements and errors on a reader thread; draws and reports on the main thread.
final class UploadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let name: String
    private let totalBytes: Int64?
    private let start = Date()
    private var readBytes = 0
    private var sentBytes = 0
    private var acked = 0
    private var rejected: [(line: Int, text: String)] = []
    private var rejectedCount = 0
    private var summary: JSONValue?
    private var notes: [String] = []
    private var done = false
    private var broken = false

    init(name: String, totalBytes: Int64?) {
        self.name = name
        self.totalBytes = totalBytes
    }

    func addRead(_ n: Int) { lock.withLock { readBytes += n } }
    func addSent(_ n: Int) { lock.withLock { sentBytes += n } }
    func note(_ s: String) { lock.withLock { notes.append(s) } }
    var finished: Bool { lock.withLock { done } }
    var brokenEarly: Bool { lock.withLock { broken } }

    func readReplies(from client: LineClient) {
        while true {
            let line: [UInt8]?
            do { line = try client.readLine() } catch {
                note("\(error)")
                break
            }
            guard let line else { break }
            guard let reply = try? JSONValue.parse(line) else {
                note("unreadable reply: \(String(decoding: line.prefix(200), as: UTF8.self))")
                continue
            }
            lock.withLock {
                if reply["op"] == .string("summary") {
                    summary = reply
                } else if reply["ok"] == .bool(true) {
                    if reply["id"] != nil { acked += 1 }
                } else {
                    rejectedCount += 1
                    let text = reply.errorText ?? "error"
                    if let n = reply["line"]?.int {
                        if rejected.count < 1000 { rejected.append((n, text)) }
                    } else {
                        // A stream-level error (truncated, corrupt, unauthorized…).
                        notes.append(text)
                        if case .string(let code)? = reply["error"]?["code"],
                           ["unauthorized", "http_not_supported", "too_many_connections"].contains(code) {
                            broken = true
                        }
                    }
                }
            }
        }
        lock.withLock { done = true }
    }

    func draw() {
        let (read, sent, ok, bad) = lock.withLock { (readBytes, sentBytes, acked, rejectedCount) }
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        var parts = [
            "\(name): \(ok) docs (\(Int(Double(ok) / elapsed))/s)",
            String(format: "%.1f MB read (%.1f MB/s, %.1f MB sent)", Double(read) / 1e6, Double(read) / 1e6 / elapsed, Double(sent) / 1e6),
            "\(bad) errors",
        ]
        if let total = totalBytes, total > 0, read > 0 {
            let fraction = min(1, Double(read) / Double(total))
            let remaining = elapsed / fraction - elapsed
            parts.insert(String(format: "%3.0f%%", fraction * 100), at: 0)
            parts.append(String(format: "ETA %d:%02d", Int(remaining) / 60, Int(remaining) % 60))
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + parts.joined(separator: " · ")).utf8))
    }

    func clearLine() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// Prints the rejected lines and the summary; true when everything was acknowledged.
    func report() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        for r in rejected { printErr("\(name):\(r.line): \(r.text)") }
        if rejectedCount > rejected.count { printErr("\(name): … and \(rejectedCount - rejected.count) more rejected lines") }
        for n in notes { printErr("\(name): \(n)") }
        let elapsed = Date().timeIntervalSince(start)
        guard let summary else {
            printErr("\(name): the upload did not finish: \(acked) documents were acknowledged (durable); the rest may not be stored")
            return false
        }
        let accepted = summary["accepted"]?.int ?? acked
        let rejectedTotal = summary["rejected"]?.int ?? rejectedCount
        let lastSeq = summary["last_seq"]?.int ?? 0
        print(String(format: "%@: %d accepted, %d rejected, last seq %d, %.1f s, %.0f docs/s, %.1f MB/s",
                     name, accepted, rejectedTotal, lastSeq, elapsed, Double(accepted) / max(elapsed, 0.001),
                     Double(readBytes) / 1e6 / max(elapsed, 0.001)))
        return rejectedTotal == 0 && summary["ok"] == .bool(true)
    }
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
