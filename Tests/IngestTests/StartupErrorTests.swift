import Foundation
import TidendeTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What an operator reads when the ingest service cannot start: which port or file, and why.
@Suite("Start-up errors")
struct StartupErrorTests {
    /// Runs `tidende-ingest` with `arguments` until it exits; returns its exit status and stderr.
    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = Binaries.url("tidende-ingest")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("a port in use names the service, the address and the reason")
    func portInUse() throws {
        // Hold a loopback port.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(holder, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let scratch = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (status, stderr) = try run(["--port", "\(port)", "--feed-port", "0", "--data-dir", scratch.path])
        #expect(status != 0)
        #expect(stderr.contains("ingest service cannot listen on 127.0.0.1:\(port)"), "\(stderr)")
        #expect(stderr.contains("in use"), "\(stderr)")
    }

    @Test("a store that cannot be opened names its path")
    func storeCannotBeOpened() throws {
        let scratch = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A directory where the database file should be: SQLite cannot open it, even as root.
        let store = scratch.appendingPathComponent("ingest.sqlite")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        let (status, stderr) = try run(["--port", "0", "--feed-port", "0", "--data-dir", scratch.path])
        #expect(status != 0)
        #expect(stderr.contains("cannot open the store \(store.path)"), "\(stderr)")
    }
}
