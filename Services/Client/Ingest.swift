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
        // The hello with the token travels inside the gzip stream, as its first line: the
        // service decides plain or gzip from a connection's first bytes, so a plain hello
        // followed by gzip would have the upload read as (invalid) text.
        let hello = endpoints.helloLine
        let client = try endpoints.connect(port: endpoints.ingestPort, service: "ingest", timeout: nil, hello: false)
        let progress = UploadProgress(name: name, totalBytes: size, sentHello: hello != nil)
        let reader = Thread { progress.readReplies(from: client) }
        reader.start()

        let showBar = !quiet && isatty(2) == 1
        // A .gz file is inflated and sent again compressed, so that its lines pass the same
        // check as a plain file's (UploadLines) and share one stream with the hello.
        var inflater: Inflater? = path.hasSuffix(".gz") ? Inflater(format: .gzip) : nil
        var insideMember = false
        var deflater = Deflater(format: .gzip, level: 1)
        var lines = UploadLines()
        var lastDraw = Date.distantPast
        var sendFailed = false
        func send(_ plain: [UInt8], flush: DeflateFlush) throws {
            var out = ByteBuffer()
            deflater.compress(ByteBuffer(bytes: plain), into: &out, flush: flush)
            if out.readableBytes > 0 { try client.send(Array(out.readableBytesView)) }
            progress.addSent(out.readableBytes)
        }
        do {
            if let hello { try send(hello, flush: .none) }
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                progress.addRead(chunk.count)
                var decoded = Array(chunk)
                if inflater != nil {
                    var input = ByteBuffer(bytes: chunk)
                    var output = ByteBuffer()
                    do {
                        // Concatenated members (`cat a.gz b.gz`) are one file.
                        while input.readableBytes > 0 {
                            insideMember = true
                            if try inflater!.inflate(&input, into: &output) == .streamEnd {
                                insideMember = false
                                inflater!.reset()
                            }
                        }
                    } catch {
                        throw CLIError("\(name) is not a readable gzip file: \(error)")
                    }
                    decoded = Array(output.readableBytesView)
                }
                var plain: [UInt8] = []
                lines.feed(decoded, into: &plain)
                try send(plain, flush: .none)
                if showBar && Date().timeIntervalSince(lastDraw) > 0.2 {
                    progress.draw()
                    lastDraw = Date()
                }
                if progress.brokenEarly { break }
            }
            if insideMember {
                progress.note("the file ends inside a gzip member (truncated); what it held up to there was sent")
                sendFailed = true
            }
            var plain: [UInt8] = []
            lines.finish(into: &plain)
            try send(plain, flush: .finish)
        } catch {
            progress.note("sending stopped: \(error)")
            sendFailed = true
        }
        progress.sendingDone(lines: lines, complete: !sendFailed)
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

    /// A hello line went first: its reply comes first, and the service's line numbers count it.
    private let sentHello: Bool
    private var awaitingHello: Bool
    /// Replies to the file's lines (errors included; not the hello's, not the summary).
    private var answered = 0
    /// Set once sending is over (see ``sendingDone(lines:complete:)``).
    private var sentLines: Int?
    private var refused: [UploadLines.Refusal] = []
    private var sentEverything = false

    init(name: String, totalBytes: Int64?, sentHello: Bool) {
        self.name = name
        self.totalBytes = totalBytes
        self.sentHello = sentHello
        self.awaitingHello = sentHello
    }

    /// What was sent of the file: the lines that expect a reply and those kept out.
    func sendingDone(lines: UploadLines, complete: Bool) {
        lock.withLock {
            sentLines = lines.sentLines
            refused = lines.refusals
            sentEverything = complete
        }
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
                let code: String? = if case .string(let c)? = reply["error"]?["code"] { c } else { nil }
                if awaitingHello {
                    awaitingHello = false
                    if reply["ok"] == .bool(true) && reply["op"] == .string("hello") { return }
                }
                if reply["op"] == .string("summary") {
                    summary = reply
                } else if let code, ["unauthorized", "http_not_supported", "too_many_connections"].contains(code) {
                    // The connection is refused as a whole (it closes): no line of the file was taken.
                    notes.append(reply.errorText ?? code)
                    broken = true
                } else if reply["ok"] == .bool(true) {
                    answered += 1
                    if reply["id"] != nil { acked += 1 }
                } else if let n = reply["line"]?.int {
                    answered += 1
                    rejectedCount += 1
                    // The service numbers the connection's lines: the hello was its first.
                    if rejected.count < 1000 { rejected.append((n - (sentHello ? 1 : 0), reply.errorText ?? "error")) }
                } else {
                    // A stream-level error (truncated, corrupt…).
                    rejectedCount += 1
                    notes.append(reply.errorText ?? "error")
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
        let lines = (rejected + refused.map { ($0.line, $0.text) }).sorted { $0.line < $1.line }
        for r in lines { printErr("\(name):\(r.line): \(r.text)") }
        if rejectedCount > rejected.count { printErr("\(name): … and \(rejectedCount - rejected.count) more rejected lines") }
        for n in notes { printErr("\(name): \(n)") }
        // Every line sent gets one reply: fewer means the service stopped early (or the replies
        // could not be read), and those lines may not be stored.
        let unanswered = max(0, (sentLines ?? 0) - answered)
        if unanswered > 0 {
            printErr("\(name): \(unanswered) of \(sentLines ?? 0) lines sent got no answer; they may not be stored")
        }
        let elapsed = Date().timeIntervalSince(start)
        guard let summary else {
            printErr("\(name): the upload did not finish: \(acked) documents were acknowledged (durable); the rest may not be stored")
            return false
        }
        let accepted = summary["accepted"]?.int ?? acked
        let rejectedTotal = (summary["rejected"]?.int ?? rejectedCount) + refused.count
        let lastSeq = summary["last_seq"]?.int ?? 0
        print(String(format: "%@: %d accepted, %d rejected, last seq %d, %.1f s, %.0f docs/s, %.1f MB/s",
                     name, accepted, rejectedTotal, lastSeq, elapsed, Double(accepted) / max(elapsed, 0.001),
                     Double(readBytes) / 1e6 / max(elapsed, 0.001)))
        return rejectedTotal == 0 && unanswered == 0 && sentEverything && summary["ok"] == .bool(true)
    }
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
