import Foundation
import TidendeTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `tidende` command line tool against real services: what a person types instead of `nc`.
@Suite("tidende client")
struct ClientTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tidende` with the cluster's ports in the environment.
    func tidende(_ cluster: Cluster, _ arguments: [String], stdin: Data? = nil) throws -> Run {
        let process = Process()
        process.executableURL = Binaries.url("tidende")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TIDENDE_INGEST_PORT"] = String(cluster.ingest.ports["ingest"] ?? 0)
        env["TIDENDE_FEED_PORT"] = String(cluster.ingest.ports["feed"] ?? 0)
        env["TIDENDE_QUERY_PORT"] = String(cluster.query.ports["query"] ?? 0)
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("ingest reports accepted documents, names rejected lines, and exits 1 when any was rejected")
    func ingestSearchGetDelete() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tidende-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let good = dir.appendingPathComponent("good.ndjson")
        try Documents.generated("cli", count: 30).joined(separator: "\n").appending("\n")
            .write(to: good, atomically: true, encoding: .utf8)
        let ok = try tidende(cluster, ["ingest", "--quiet", good.path])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("30 accepted, 0 rejected"), "\(ok.stdout)")

        let bad = dir.appendingPathComponent("bad.ndjson")
        try "{\"id\":\"fine\",\"title\":\"fint\"}\nnot json\n{\"title\":\"no id\"}\n".write(to: bad, atomically: true, encoding: .utf8)
        let rejected = try tidende(cluster, ["ingest", "--quiet", bad.path])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("bad.ndjson:2: invalid_json"), "\(rejected.stderr)")
        #expect(rejected.stderr.contains("bad.ndjson:3: missing_id"), "\(rejected.stderr)")
        #expect(rejected.stdout.contains("1 accepted, 2 rejected"), "\(rejected.stdout)")

        // Standard input, gzip-compressed on the way.
        let piped = try tidende(cluster, ["ingest", "--quiet", "-"], stdin: Data("{\"id\":\"stdin-1\",\"title\":\"fra stdin\"}\n".utf8))
        #expect(piped.status == 0, "\(piped)")

        // "-: 1 accepted, 0 rejected, last seq 32, …": wait until that seq is searchable.
        let seq = try #require(piped.stdout.components(separatedBy: "last seq ").last
            .flatMap { Int($0.prefix { $0.isNumber }) }, "\(piped.stdout)")
        _ = try cluster.search("\"q\":\"\",\"limit\":0", after: seq)

        let search = try tidende(cluster, ["search", Documents.marker(3)])
        #expect(search.status == 0, "\(search)")
        #expect(search.stdout.hasPrefix("1 hit"), "\(search.stdout)")
        #expect(search.stdout.contains("[cli-3]"), "\(search.stdout)")

        let json = try tidende(cluster, ["search", "fra stdin", "--json"])
        #expect(json.stdout.contains("\"id\":\"stdin-1\""), "\(json.stdout)")

        let get = try tidende(cluster, ["get", "fine"])
        #expect(get.status == 0 && get.stdout.contains("\"fint\""), "\(get)")

        let delete = try tidende(cluster, ["delete", "fine"])
        #expect(delete.status == 0 && delete.stdout.contains("deleted fine"), "\(delete)")
        let gone = try tidende(cluster, ["get", "fine"])
        #expect(gone.status != 0 && gone.stderr.contains("not_found"), "\(gone)")

        let analyze = try tidende(cluster, ["analyze", "cyber- og tech-ambassadører"])
        #expect(analyze.stdout.contains("cyberambassadører"), "\(analyze.stdout)")

        let stats = try tidende(cluster, ["stats", "--json"])
        #expect(stats.status == 0)
        #expect(stats.stdout.split(separator: "\n").count == 2, "\(stats.stdout)")

        let badQuery = try tidende(cluster, ["search", "(unclosed"])
        #expect(badQuery.status != 0 && badQuery.stderr.contains("invalid_query"), "\(badQuery)")
    }

    /// A scratch directory for files to upload, removed by the caller.
    func scratchFiles() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tidende-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `file` gzip-compressed beside it, as `file.gz`.
    func gzip(_ file: URL) throws -> URL {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c \"$0\" > \"$0.gz\"", file.path]
        try process.run()
        process.waitUntilExit()
        return URL(fileURLWithPath: file.path + ".gz")
    }

    /// The upload carries its hello inside the gzip stream: a plain hello before gzip bytes had
    /// the service read the whole upload as text (every line invalid_utf8).
    @Test("with a token, ingest uploads plain and .gz files; every command without it exits 1 with unauthorized")
    func token() throws {
        let cluster = try Cluster(queryArguments: ["--token", "s3cret"], ingestArguments: ["--token", "s3cret"])
        defer { cluster.stop() }
        let dir = try scratchFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("docs.ndjson")
        try "{\"id\":\"t1\",\"title\":\"med token\"}\n{\"id\":\"t2\"}\nnot json\n".write(to: file, atomically: true, encoding: .utf8)
        let plain = try tidende(cluster, ["ingest", "--quiet", "--token", "s3cret", file.path])
        #expect(plain.status == 1, "line 3 is not JSON: \(plain)")
        #expect(plain.stdout.contains("2 accepted, 1 rejected"), "\(plain)")
        #expect(plain.stderr.contains("docs.ndjson:3: invalid_json"), "line numbers are the file's, not the connection's: \(plain.stderr)")

        let good = dir.appendingPathComponent("good.ndjson")
        try "{\"id\":\"t3\"}\n{\"id\":\"t4\"}\n".write(to: good, atomically: true, encoding: .utf8)
        let gz = try tidende(cluster, ["ingest", "--quiet", "--token", "s3cret", try gzip(good).path])
        #expect(gz.status == 0 && gz.stdout.contains("2 accepted, 0 rejected"), "\(gz)")
        let wrong = try tidende(cluster, ["ingest", "--quiet", "--token", "nope", good.path])
        #expect(wrong.status == 1 && wrong.stderr.contains("unauthorized"), "\(wrong)")

        let get = try tidende(cluster, ["get", "t4", "--token", "s3cret"])
        #expect(get.status == 0 && get.stdout.contains("t4"), "\(get)")
        let stats = try tidende(cluster, ["stats", "--token", "s3cret"])
        #expect(stats.status == 0, "\(stats)")

        for command in [["stats"], ["stats", "--json"], ["search", "x"], ["search", "x", "--json"], ["get", "t1"],
                        ["get", "t1", "--searchable"], ["delete", "t1"], ["analyze", "ord"], ["tail"], ["ingest", "--quiet", good.path]] {
            let run = try tidende(cluster, command)
            // `--json` prints the reply as it is (on standard output), and fails all the same.
            #expect(run.status == 1 && (run.stderr + run.stdout).contains("unauthorized"), "\(command): \(run)")
        }
        let stillThere = try tidende(cluster, ["get", "t1", "--token", "s3cret"])
        #expect(stillThere.status == 0, "\(stillThere)")
    }

    @Test("tail reports a refused subscription as an error, not as the feed")
    func tailError() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let run = try tidende(cluster, ["tail", "--from=-1"])
        #expect(run.status == 1 && run.stderr.contains("invalid_request"), "\(run)")
        let help = try tidende(cluster, ["tail", "--help"])
        #expect(help.stdout.contains("new changes"), "\(help.stdout)")
    }

    /// A `quit` in a file ended the upload there with exit 0, the rest never stored; a `hello`
    /// switched the replies to zlib under the client.
    @Test("connection-control lines in a file are refused as file:LINE, count as rejected, and the rest is stored")
    func controlLinesInAFile() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let dir = try scratchFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("qa.ndjson")
        try ["{\"id\":\"qa1\"}", "quit", "{\"id\":\"qa2\"}", "{\"op\":\"hello\",\"compress\":\"zlib\"}", " {\"op\":\"quit\"}",
             "{\"op\":\"put\",\"doc\":{\"id\":\"qa3\",\"op\":\"hello\"}}", "not json", "{\"id\":\"qa4\"}"]
            .joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        for path in [file.path, try gzip(file).path] {
            let run = try tidende(cluster, ["ingest", "--quiet", path])
            #expect(run.status == 1, "\(run)")
            #expect(run.stdout.contains("4 accepted, 4 rejected"), "\(run)")
            for line in [2, 4, 5] {
                #expect(run.stderr.contains("\(path):\(line): a "), "line \(line): \(run.stderr)")
            }
            #expect(run.stderr.contains("\(path):7: invalid_json"), "\(run.stderr)")
            #expect(!run.stderr.contains("unreadable reply"), "\(run.stderr)")
        }
        for id in ["qa2", "qa3", "qa4"] {
            let get = try tidende(cluster, ["get", id])
            #expect(get.status == 0, "\(id): \(get)")
        }
    }

    /// A service that stops answering before the end (it closed early) must not pass for done.
    @Test("ingest exits 1 and says how many lines got no answer when the service closes early")
    func unansweredLines() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let fake = try SilentFeed()
        defer { fake.close() }
        let dir = try scratchFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("three.ndjson")
        try "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n".write(to: file, atomically: true, encoding: .utf8)
        // Answers one line and a summary, then closes (as a `quit` would have made it).
        // The thread is the fake's only user until it is closed after the run.
        nonisolated(unsafe) let listener = fake
        let server = Thread {
            guard let connection = try? listener.accept(timeout: 20) else { return }
            usleep(300_000)
            listener.send(connection, "{\"ok\":true,\"id\":\"a\",\"seq\":1}\n{\"ok\":true,\"op\":\"summary\",\"accepted\":1,\"rejected\":0,\"last_seq\":1}\n")
            shutdown(connection, Int32(SHUT_WR))
            var sink = [UInt8](repeating: 0, count: 4096)
            while sink.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
            Glibc.close(connection)
        }
        server.start()
        let run = try tidende(cluster, ["ingest", "--quiet", "--ingest-port", String(fake.port), file.path])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("2 of 3 lines sent got no answer"), "\(run.stderr)")
    }

    @Test("a service that is down gets a clear message, not a crash")
    func serviceDown() throws {
        let cluster = try Cluster()
        cluster.stop()
        let run = try tidende(cluster, ["search", "x"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("query service is not reachable"), "\(run.stderr)")
    }
}
