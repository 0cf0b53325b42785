import TidendeTestRandom
import Testing
@testable import TidendeEngine

@Suite struct BitPackingTests {
    /// Runs of every width, packed end to end in one buffer, read back from their bit offsets
    /// (`unpack` loads eight bytes at a time: the buffer ends with `padding`).
    @Test func packedRunsReadBackAtEveryWidth() {
        var rng = SplitMix(seed: 7)
        for round in 0..<300 {
            let runs: [(bits: Int, values: [UInt32])] = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                let bits = round < 33 ? round : Int.random(in: 0...32, using: &rng)
                let values = (0..<Int.random(in: 0...130, using: &rng)).map { _ -> UInt32 in
                    bits == 0 ? 0 : UInt32(truncatingIfNeeded: UInt64.random(in: 0..<(UInt64(1) << UInt64(bits)), using: &rng))
                }
                return (bits, values)
            }
            var bytes: [UInt8] = []
            var starts: [Int] = []
            for run in runs {
                #expect(run.values.isEmpty || BitPacking.width(run.values, count: run.values.count) <= run.bits)
                starts.append(bytes.count)
                var out = [UInt8](repeating: 0xAA, count: BitPacking.bytes(count: run.values.count, bits: run.bits))
                let written = out.withUnsafeMutableBufferPointer { BitPacking.pack(run.values, count: run.values.count, bits: run.bits, into: $0.baseAddress!) }
                #expect(written == out.count)
                bytes += out
            }
            bytes += [UInt8](repeating: 0, count: BitPacking.padding)
            bytes.withUnsafeBytes { raw in
                for (run, start) in zip(runs, starts) {
                    var all = [UInt32](repeating: 1, count: run.values.count)
                    all.withUnsafeMutableBufferPointer { BitPacking.unpack(raw.baseAddress! + start, bitOffset: 0, count: run.values.count, bits: run.bits, into: $0.baseAddress!) }
                    #expect(all == run.values, "width \(run.bits)")
                    // A slice from the middle, found by its bit offset alone.
                    guard run.values.count > 2 else { continue }
                    let from = Int.random(in: 0..<run.values.count, using: &rng)
                    let count = Int.random(in: 0...(run.values.count - from), using: &rng)
                    var part = [UInt32](repeating: 1, count: count)
                    part.withUnsafeMutableBufferPointer { BitPacking.unpack(raw.baseAddress! + start, bitOffset: from * run.bits, count: count, bits: run.bits, into: $0.baseAddress!) }
                    #expect(part == Array(run.values[from..<(from + count)]), "width \(run.bits), from \(from)")
                }
            }
        }
    }

    @Test func widthIsTheLargestValuesBits() {
        #expect(BitPacking.width([], count: 0) == 0)
        #expect(BitPacking.width([0, 0], count: 2) == 0)
        #expect(BitPacking.width([1], count: 1) == 1)
        #expect(BitPacking.width([3, 4, 1], count: 3) == 3)
        #expect(BitPacking.width([UInt32.max], count: 1) == 32)
    }

    /// Position deltas step back for compound forms: zigzag keeps small steps either way small,
    /// and adding the decoded delta to a position gives the next one.
    @Test func zigzagRoundTripsSignedSteps() {
        #expect((0..<6).map { BitPacking.zigzag(UInt32(bitPattern: Int32($0) - 3)) } == [5, 3, 1, 0, 2, 4])
        var rng = SplitMix(seed: 9)
        for _ in 0..<10_000 {
            let a = UInt32.random(in: 0..<(1 << 31), using: &rng), b = UInt32.random(in: 0..<(1 << 31), using: &rng)
            #expect(a &+ BitPacking.unzigzag(BitPacking.zigzag(b &- a)) == b)
        }
    }
}
