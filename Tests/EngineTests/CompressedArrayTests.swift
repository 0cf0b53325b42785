#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Testing
@testable import TidendeEngine

/// Snapshots keep the index's arrays as zstd frames: they read back exactly, and a damaged frame
/// is refused even when the file's own checksum has been made to match.
@Suite struct CompressedArrayTests {
    /// A count, the zstd encoding and `values` as one frame, as a snapshot writes a large array.
    func encoded(_ values: [UInt32], count: UInt64? = nil) throws -> [UInt8] {
        var w = ByteWriter()
        w.u64(count ?? UInt64(values.count))
        w.u8(ArrayEncoding.zstd.rawValue)
        var out = w.bytes
        try values.withUnsafeBytes { raw in
            try Compressor().frame(raw) { (piece: UnsafeRawBufferPointer) throws(EngineError) in out.append(contentsOf: piece) }
        }
        return out
    }

    @Test func framesReadBackExactly() throws {
        let values = (0..<50_000).map { UInt32($0 % 97) * 3 + UInt32($0 / 1000) }
        var bytes = try encoded(values)
        #expect(bytes.count < values.count)  // 200 000 bytes of small integers shrink
        bytes += try encoded([])
        var w = ByteWriter()
        w.array([UInt32(7), 8, 9])
        bytes += w.bytes
        var r = ByteReader(bytes)
        #expect(try r.array(of: UInt32.self) == values)
        #expect(try r.array(of: UInt32.self) == [])
        #expect(try r.array(of: UInt32.self) == [7, 8, 9])
        #expect(r.isAtEnd)
    }

    @Test func damagedFramesAreRefused() throws {
        let values = (0..<20_000).map { UInt32($0 * 7 % 1013) }
        let good = try encoded(values)
        func refused(_ bytes: [UInt8]) -> Bool {
            var r = ByteReader(bytes)
            do {
                _ = try r.array(of: UInt32.self)
                return false
            } catch {
                return error.code == "snapshot_corrupt"
            }
        }
        #expect(refused(try encoded(values, count: 19_999)))  // the count disagrees with the frame
        #expect(refused(Array(good.dropLast(10))))  // truncated
        var unknown = good
        unknown[8] = 9
        #expect(refused(unknown))
        // Any flipped byte past the frame header: a structure error or a content checksum mismatch.
        for at in stride(from: 9 + 12, to: good.count, by: max(1, good.count / 40)) {
            var flipped = good
            flipped[at] ^= 0x10
            #expect(refused(flipped), "flip at \(at) of \(good.count)")
        }
    }

    @Test func snapshotWithADamagedFrameAndAMatchingChecksumIsRefused() throws {
        let e = engine(generatedCorpus(count: 300, seed: 4))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tidende-frame-\(UInt32.random(in: 0...UInt32.max)).snap").path
        defer { unlink(path) }
        try e.writeSnapshot(to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The largest frame: find every zstd magic number and damage the middle of the longest gap.
        let magic: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd]
        let starts = (Snapshot.headerSize..<bytes.count - 4).filter { Array(bytes[$0..<$0 + 4]) == magic }
        #expect(starts.count > 10)  // the index's arrays are compressed
        let gaps = zip(starts, starts.dropFirst() + [bytes.count]).map { ($0, $1 - $0) }
        let (start, length) = gaps.max { $0.1 < $1.1 }!
        #expect(length > 4_000)  // an index array (positions), not one stored document
        bytes[start + length / 2] ^= 0x01
        // Make the file's checksum match, so only the frame can tell.
        let crc = bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[Snapshot.headerSize...])) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[24 + i] = $0[i] } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Engine.loadSnapshot(from: path)
            Issue.record("a snapshot with a damaged frame loaded")
        } catch {
            #expect(error.code == "snapshot_corrupt")
        }
    }
}
