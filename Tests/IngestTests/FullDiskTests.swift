import Foundation
import TidendeTestSupport
import Testing

/// A small tmpfs, mounted for one test (needs root, as in CI).
enum Tmpfs {
    /// Whether this process may mount a tmpfs (tried once on a throwaway directory).
    static let canMount: Bool = {
        guard getuid() == 0, let dir = try? makeScratchDirectory() else { return false }
        defer { try? FileManager.default.removeItem(at: dir) }
        guard (try? mount(dir, size: "1m")) != nil else { return false }
        unmount(dir)
        return true
    }()

    static func mount(_ dir: URL, size: String) throws {
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir.path])
    }

    static func resize(_ dir: URL, size: String) throws {
        try run("/bin/mount", ["-o", "remount,size=\(size)", dir.path])
    }

    static func unmount(_ dir: URL) {
        try? run("/bin/umount", [dir.path])
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus))")
        }
    }
}

/// A full disk: the store refuses with `store_unavailable`, never acks what it could not store,
/// and works again once there is room (DESIGN §7).
@Suite("Full disk")
struct FullDiskTests {
    @Test("uploads into a full 2 MiB tmpfs get store_unavailable, never an ack; after resizing they succeed",
          .enabled(if: Tmpfs.canMount, "needs root to mount a tmpfs"))
    func fullDisk() throws {
        let scratch = try makeScratchDirectory()
        let mountPoint = scratch.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try Tmpfs.mount(mountPoint, size: "2m")
        defer {
            Tmpfs.unmount(mountPoint)
            try? FileManager.default.removeItem(at: scratch)
        }
        let server = try IngestProcess(dataDir: mountPoint.appendingPathComponent("data"))
        defer { server.stop() }

        let client = try server.connect(timeout: 60)
        var acked: [String] = []
        var refused: [String] = []
        var batch = 0
        // 100 documents of ~2 KiB per round; stop two rounds after the first refusal.
        var roundsAfterFull = 0
        while roundsAfterFull < 2 && batch < 40 {
            let docs = Corpus.documents("full\(batch)", count: 100, bodyBytes: 2000)
            try client.send(Corpus.ndjson(docs))
            for i in 0..<100 {
                let reply = try client.readObject()
                let id = "full\(batch)-\(i)"
                if reply.ok == true {
                    #expect(reply.id == id && reply.seq == Int64(acked.count + 1), "\(reply)")
                    acked.append(id)
                } else {
                    #expect(reply.code == "store_unavailable", "\(reply)")
                    #expect(reply.line == batch * 100 + i + 1)
                    refused.append(id)
                }
            }
            if !refused.isEmpty { roundsAfterFull += 1 }
            batch += 1
        }
        try #require(!refused.isEmpty, "2 MiB should fill up with \(batch * 100) documents of 2 KiB")
        #expect(acked.count > 100, "some documents fit before the disk was full")
        try client.send("{\"op\":\"stats\"}\n")
        let stats = try client.readObject()
        #expect((stats.int("failed_commits") ?? 0) > 0, "\(stats)")

        try Tmpfs.resize(mountPoint, size: "64m")
        let stored = try fetch(server, ids: acked + refused)
        #expect(stored.count == acked.count, "every acked document is there, no refused one is")
        #expect(refused.allSatisfy { stored[$0] == nil })

        let after = try server.connect()
        try after.send(Corpus.ndjson(Corpus.documents("room", count: 300, bodyBytes: 2000)))
        after.shutdownWrite()
        let seqs = try expectAcks(after, ids: (0..<300).map { "room-\($0)" })
        #expect(seqs.first == Int64(acked.count + 1), "seqs continue where the acks stopped")
        #expect(try after.readObject().op == "summary")
    }
}
