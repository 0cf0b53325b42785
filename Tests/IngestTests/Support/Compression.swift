import CTidendeZlib
import Foundation
import NIOCore
import TidendeTestSupport
import TidendeWire

/// Compressed fixtures, made in memory with TidendeWire's `Deflater` or with the system's gzip.
enum Compression {
    /// `bytes` as one gzip member or zlib stream, compressed with our own `Deflater`.
    static func deflate(_ bytes: [UInt8], _ format: DeflateFormat, level: Int32 = 6) -> [UInt8] {
        var deflater = Deflater(format: format, level: level)
        var out = ByteBuffer()
        deflater.compress(ByteBuffer(bytes: bytes), into: &out, flush: .finish)
        return Array(out.readableBytesView)
    }

    /// `bytes` compressed by `/usr/bin/gzip -c` (an independent implementation of the format).
    static func systemGzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ndjson")
        let output = dir.appendingPathComponent("in.ndjson.gz")
        try Data(bytes).write(to: input)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-k", "-6", input.path]
        try gzip.run()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw TestFailure("gzip failed with \(gzip.terminationStatus)") }
        return Array(try Data(contentsOf: output))
    }

    /// Whether the system has a gzip binary for ``systemGzip(_:)``.
    static var hasSystemGzip: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") }

    /// Streams a gzip member of `totalBytes` zeros to `sink` in small pieces, so that neither the
    /// zeros nor the compressed stream ever exist in memory at once. Stops early (returning false)
    /// when `sink` throws — the server closed.
    static func streamZeroBomb(totalBytes: Int, sink: ([UInt8]) throws -> Void) -> Bool {
        var deflater = Deflater(format: .gzip, level: 1)
        let zeros = ByteBuffer(repeating: 0, count: 1 << 20)
        var out = ByteBuffer()
        var sent = 0
        do {
            while sent < totalBytes {
                deflater.compress(zeros, into: &out, flush: .none)
                sent += zeros.readableBytes
                if out.readableBytes >= 16 << 10 {
                    try sink(Array(out.readableBytesView))
                    out.clear()
                }
            }
            deflater.compress(ByteBuffer(), into: &out, flush: .finish)
            try sink(Array(out.readableBytesView))
            return true
        } catch {
            return false
        }
    }
}
