import Foundation
import TidendeTestSupport
import Testing

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

    @Test("a service that is down gets a clear message, not a crash")
    func serviceDown() throws {
        let cluster = try Cluster()
        cluster.stop()
        let run = try tidende(cluster, ["search", "x"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("query service is not reachable"), "\(run.stderr)")
    }
}
