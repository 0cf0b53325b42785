import NIOCore
import Testing
import TidendeWire

@Suite struct DecompressionLimitTests {
    /// 64 MiB of zeros (plus a few real lines first), gzip level 9, made in 1 MiB steps so the
    /// test itself never holds the inflated size. About 64 KiB compressed: ratio ~1000.
    static func bomb(lines: String) -> [UInt8] {
        var deflater = Deflater(format: .gzip, level: 9)
        var out = ByteBuffer()
        deflater.compress(ByteBuffer(string: lines), into: &out, flush: .none)
        let zeros = ByteBuffer(repeating: 0, count: 1 << 20)
        for _ in 0..<64 { deflater.compress(zeros, into: &out, flush: .none) }
        deflater.compress(ByteBuffer(), into: &out, flush: .finish)
        return Array(out.readableBytesView)
    }

    @Test func bombIsCutOffSoonAfterTheFloor() {
        let limits = WireLimits()
        let bytes = Self.bomb(lines: "{\"id\":1}\n\n{\"id\":2}\n")
        #expect(bytes.count < 200_000)
        var decoder = WireDecoder(limits: limits)
        var events: [Ev] = []
        var fed = 0
        var largestEvent = 0
        // Fed like a socket would, 8 KiB per read, stopping at the failure.
        for read in pieces(bytes, size: 8192) {
            decoder.feed(ByteBuffer(bytes: read))
            fed += read.count
            while let event = decoder.next() {
                if case .line(let line, _) = event { largestEvent = max(largestEvent, line.readableBytes) }
                events.append(Ev(event))
            }
            if events.contains(where: { if case .failure = $0 { true } else { false } }) { break }
        }
        #expect(events == [.encoding(.gzip), .line("{\"id\":1}", 1), .line("{\"id\":2}", 3), .oversized(4),
                           .failure("decompression_limit", 3)])
        // Cut off within one chunk of the floor, long before the whole upload was read.
        #expect(decoder.inflatedBytes > limits.inflateRatioFloor)
        #expect(decoder.inflatedBytes <= limits.inflateRatioFloor + WireDecoderChunk.size)
        #expect(fed < bytes.count / 2)
        #expect(largestEvent < 100)
    }

    @Test func ratioIsEnforcedOnlyPastTheFloor() {
        // The same kind of data under a floor it never reaches decodes fine.
        let text = String(repeating: "{}\n", count: 100_000)  // 300 KB, compresses ~1000×
        let bytes = deflated(Array(text.utf8), format: .zlib, level: 9)
        let under = decode([bytes], limits: WireLimits(inflateRatioFloor: 1 << 20))
        #expect(under.count == 1 + 100_000 + 2)
        let over = decode([bytes], limits: WireLimits(inflateRatioFloor: 64 << 10))
        guard case .failure(let code, let lines) = over.dropLast().last else {
            Issue.record("expected a failure")
            return
        }
        #expect(code == "decompression_limit")
        // Every line delivered before the failure is counted, and nothing after it.
        #expect(lines == over.filter { if case .line = $0 { true } else { false } }.count)
        #expect(lines >= (64 << 10) / 3 - 1)
    }

    @Test func hugeRatioMeansNoLimitRatherThanATrap() {
        let text = String(repeating: "{}\n", count: 100_000)
        let bytes = deflated(Array(text.utf8), format: .gzip, level: 9)
        let events = decode([bytes], limits: WireLimits(maxInflateRatio: .max, inflateRatioFloor: 0))
        #expect(events.count == 1 + 100_000 + 2)
        #expect(events.suffix(2) == [.streamEnded, .inputEnded])
    }

    @Test func bombMessageSaysWhatHappened() {
        var decoder = WireDecoder(limits: WireLimits(inflateRatioFloor: 1 << 20))
        decoder.feed(ByteBuffer(bytes: Self.bomb(lines: "a\n")))
        while let event = decoder.next() {
            guard case .failure(let error, let lines) = event else { continue }
            #expect(lines == 1)
            #expect(error.message.hasPrefix("gzip stream inflates to more than 100× its compressed size ("))
            #expect(error.message.hasSuffix(") after 1 line; this looks like a decompression bomb, and the upload was stopped"))
            return
        }
        Issue.record("no failure")
    }
}

/// The decoder's inflate chunk, restated for bounds in tests.
enum WireDecoderChunk {
    static let size = 64 << 10
}
