import NIOCore
import Testing
import TidendeWire

@Suite struct PlainFramingTests {
    @Test func crlfBlankLinesAndLineNumbers() {
        let events = decode([Array(Fixtures.aText.utf8)])
        #expect(events == [.encoding(.plain)] + expectedLines(Fixtures.aText) + [.inputEnded])
        // The fixture's own shape, spelled out once so the helper itself is checked.
        #expect(expectedLines(Fixtures.aText).map { if case .line(_, let n) = $0 { n } else { 0 } } == [1, 3, 5])
    }

    @Test func aByteOrderMarkOpeningTheStreamIsDropped() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let events = decode([bom + Array("{\"id\":1}\r\n".utf8) + bom + Array("x\n".utf8)])
        // Only the stream's first line can carry one; later, the bytes are the line's own.
        #expect(events == [.encoding(.plain), .line("{\"id\":1}", 1), .line("\u{FEFF}x", 2), .inputEnded])
        // Split inside the mark, and a mark alone on the first line (a blank line, skipped).
        #expect(decode([[0xEF, 0xBB], [0xBF] + Array("a\n".utf8)]) == [.encoding(.plain), .line("a", 1), .inputEnded])
        #expect(decode([bom + Array("\nb\n".utf8)]) == [.encoding(.plain), .line("b", 2), .inputEnded])
    }

    @Test func lastLineWithoutNewlineArrivesAtHalfClose() {
        var decoder = WireDecoder()
        decoder.feed(ByteBuffer(string: "a\nb"))
        var events: [Ev] = []
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.plain), .line("a", 1)])
        decoder.endOfInput()
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.plain), .line("a", 1), .line("b", 2), .inputEnded])
        #expect(decoder.next() == nil)
        #expect(decoder.isFinished)
    }

    @Test func dripFeedingOneByteAtATime() {
        let text = Fixtures.aText + Fixtures.bText
        let events = decode(pieces(Array(text.utf8), size: 1))
        #expect(events == [.encoding(.plain)] + expectedLines(text) + [.inputEnded])
    }

    @Test func everySplitPositionGivesTheSameLines() {
        let bytes = Array((Fixtures.aText + "\r\n" + Fixtures.bText).utf8)
        let expected = [.encoding(.plain)] + expectedLines(Fixtures.aText + "\r\n" + Fixtures.bText) + [.inputEnded]
        for cut in 1..<bytes.count {
            #expect(decode([Array(bytes[..<cut]), Array(bytes[cut...])]) == expected, "cut at \(cut)")
        }
    }

    @Test func oversizedLinesAreSkippedAndTheNextLinesArrive() {
        let limits = WireLimits(maxLineBytes: 8)
        let text = "12345678\n123456789\nok\n" + String(repeating: "z", count: 100) + "\nafter\n12345678\r\n"
        let expected: [Ev] = [.encoding(.plain), .line("12345678", 1), .oversized(2), .line("ok", 3),
                              .oversized(4), .line("after", 5), .line("12345678", 6), .inputEnded]
        #expect(decode([Array(text.utf8)], limits: limits) == expected)
        #expect(decode(pieces(Array(text.utf8), size: 1), limits: limits) == expected)
        #expect(decode(pieces(Array(text.utf8), size: 7), limits: limits) == expected)
    }

    @Test func oversizedLineIsReportedBeforeItEnds() {
        // The report must not wait for the newline: that is what keeps memory bounded.
        var decoder = WireDecoder(limits: WireLimits(maxLineBytes: 16))
        decoder.feed(ByteBuffer(string: "ok\n"))
        for _ in 0..<10 { decoder.feed(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1000)) }
        var events: [Ev] = []
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.plain), .line("ok", 1), .oversized(2)])
        decoder.feed(ByteBuffer(string: "aaaa\nnext"))
        decoder.endOfInput()
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.plain), .line("ok", 1), .oversized(2), .line("next", 3), .inputEnded])
    }

    @Test func oversizedLastLineWithoutNewline() {
        let events = decode([Array("ok\n0123456789".utf8)], limits: WireLimits(maxLineBytes: 4))
        #expect(events == [.encoding(.plain), .line("ok", 1), .oversized(2), .inputEnded])
    }

    @Test func linesInsideOneReadAreZeroCopySlices() {
        var decoder = WireDecoder()
        let read = ByteBuffer(string: "{\"a\":1}\n{\"b\":2}\n{\"c\"")
        decoder.feed(read)
        _ = decoder.next()  // encoding
        let readRange = read.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!)..<UInt(bitPattern: $0.baseAddress! + $0.count) }
        for _ in 0..<2 {
            guard case .line(let line, _) = decoder.next() else {
                Issue.record("expected a line")
                return
            }
            let start = line.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
            #expect(readRange.contains(start))
        }
        // The partial tail is copied: it must not pin the read buffer.
        decoder.feed(ByteBuffer(string: ":3}\n"))
        guard case .line(let joined, 3) = decoder.next() else {
            Issue.record("expected line 3")
            return
        }
        #expect(String(buffer: joined) == "{\"c\":3}")
        let start = joined.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) }
        #expect(!readRange.contains(start))
    }

    @Test func onlyWhitespaceLinesAreSkipped() {
        let events = decode([Array(" \t \r\n\r\n\n x \n".utf8)])
        #expect(events == [.encoding(.plain), .line(" x ", 4), .inputEnded])
    }
}
