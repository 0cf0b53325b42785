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
    /// A count, the encoding and `values` as one frame, as a snapshot writes a large array.
    func encoded<T: BitwiseCopyable>(_ values: [T], count: UInt64? = nil, as encoding: ArrayEncoding = .zstd) throws -> [UInt8] {
        var w = ByteWriter()
        w.u64(count ?? UInt64(values.count))
        w.u8(encoding.rawValue)
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
        bytes += try encoded([UInt32]())
        var w = ByteWriter()
        w.array([UInt32(7), 8, 9])
        bytes += w.bytes
        var r = ByteReader(bytes)
        #expect(try r.array(of: UInt32.self) == values)
        #expect(try r.array(of: UInt32.self) == [])
        #expect(try r.array(of: UInt32.self) == [7, 8, 9])
        #expect(r.isAtEnd)
    }

    @Test func nonDecreasingIntegersGoAsTheirDifferences() throws {
        let starts = (0..<30_000).map { UInt32($0 * 3 + $0 / 7) }
        let seqs = (0..<10_000).map { UInt64(1 << 40) + UInt64($0 * $0) }
        let d32 = try #require(ArrayEncoding.deltas(starts)), d64 = try #require(ArrayEncoding.deltas(seqs))
        #expect(d32.prefix(8) == [0, 3, 3, 3, 3, 3, 3, 4])
        #expect(d64[0] == 1 << 40 && d64[3] == 5)
        // Differences compress far better than the values.
        #expect(try encoded(d32, as: .zstdDeltas).count * 10 < encoded(starts).count)
        var r = ByteReader(try encoded(d32, as: .zstdDeltas) + encoded(d64, as: .zstdDeltas))
        #expect(try r.array(of: UInt32.self) == starts)
        #expect(try r.array(of: UInt64.self) == seqs)
        #expect(r.isAtEnd)
        // Anything else keeps its values: a decrease, signed integers, floating point.
        #expect(ArrayEncoding.deltas([UInt32(1), 2, 2, 1]) == nil)
        #expect(ArrayEncoding.deltas([Int32(1), 2, 3]) == nil)
        #expect(ArrayEncoding.deltas([1.0, 2.0]) == nil)
        #expect(ArrayEncoding.deltas([UInt32]()) == [])
        // Differences read back as a type that cannot have them are refused.
        var wrong = ByteReader(try encoded((0..<1000).map(Double.init), as: .zstdDeltas))
        #expect(throws: EngineError.self) { try wrong.array(of: Double.self) }
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
