import NIOCore
import Testing
import TidendeWire

@Suite struct CompressedDecodingTests {
    let aLines = expectedLines(Fixtures.aText)
    /// b's line numbers continue after a's five lines when the two are one stream.
    var abLines: [Ev] { expectedLines(Fixtures.aText + Fixtures.bText) }

    @Test func gzipFromGNUGzip() {
        #expect(decode([Fixtures.aGzip]) == [.encoding(.gzip)] + aLines + [.streamEnded, .inputEnded])
    }

    @Test func zlibFromPython() {
        #expect(decode([Fixtures.aZlib]) == [.encoding(.zlib)] + aLines + [.streamEnded, .inputEnded])
    }

    @Test func zlibAndGzipFromOwnDeflater() {
        let text = Fixtures.aText + Fixtures.bText
        for format in [DeflateFormat.gzip, .zlib] {
            let events = decode([deflated(Array(text.utf8), format: format)])
            let encoding: StreamEncoding = format == .gzip ? .gzip : .zlib
            #expect(events == [.encoding(encoding)] + expectedLines(text) + [.streamEnded, .inputEnded])
        }
    }

    @Test func dripFeedingOneByteAtATime() {
        for bytes in [Fixtures.aGzip, Fixtures.aZlib] {
            let events = decode(pieces(bytes, size: 1))
            #expect(events.dropFirst() == ArraySlice(aLines + [.streamEnded, .inputEnded]))
        }
    }

    @Test func everySplitPositionGivesTheSameLines() {
        for bytes in [Fixtures.aGzip, Fixtures.aZlib, Fixtures.aGzip + Fixtures.bGzip] {
            let whole = decode([bytes])
            for cut in 1..<bytes.count {
                #expect(decode([Array(bytes[..<cut]), Array(bytes[cut...])]) == whole, "cut at \(cut)")
            }
        }
    }

    @Test func concatenatedMembersInOneRead() {
        // `cat a.gz b.gz`: one stream; b's last line has no newline and arrives at the stream end.
        let events = decode([Fixtures.aGzip + Fixtures.bGzip])
        #expect(events == [.encoding(.gzip)] + abLines + [.streamEnded, .inputEnded])
    }

    @Test func concatenatedMembersAcrossReads() {
        let events = decode([Fixtures.aGzip, Fixtures.bGzip])
        #expect(events == [.encoding(.gzip)] + abLines + [.streamEnded, .inputEnded])
    }

    @Test func streamEndWaitsForTheGraceTimerOrTheClose() {
        var decoder = WireDecoder()
        decoder.feed(ByteBuffer(bytes: Fixtures.aGzip))
        var events: [Ev] = []
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.gzip)] + aLines)
        #expect(decoder.isAwaitingNextMember)
        // A next member arrives in time: the stream goes on.
        decoder.feed(ByteBuffer(bytes: Fixtures.bGzip))
        #expect(!decoder.isAwaitingNextMember)
        while let event = decoder.next() { events.append(Ev(event)) }
        // b's unterminated last line is held until the stream is known to be over.
        #expect(events == [.encoding(.gzip)] + abLines.dropLast())
        #expect(decoder.isAwaitingNextMember)
        decoder.memberEndGraceElapsed()
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.encoding(.gzip)] + abLines + [.streamEnded])
        #expect(!decoder.isAwaitingNextMember)
        decoder.endOfInput()
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events.last == .inputEnded)
    }

    @Test func bytesAfterTheStreamEndedAreAFailure() {
        var decoder = WireDecoder()
        decoder.feed(ByteBuffer(bytes: Fixtures.aGzip))
        while decoder.next() != nil {}
        decoder.memberEndGraceElapsed()
        var events: [Ev] = []
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.streamEnded])
        decoder.feed(ByteBuffer(bytes: Fixtures.bGzip))
        while let event = decoder.next() { events.append(Ev(event)) }
        #expect(events == [.streamEnded, .failure("invalid_compression", 5)])
    }

    @Test func garbageAfterAMember() {
        for trailer in [Array("{\"id\":9}\n".utf8), [0x00], [0x1f, 0x00, 0x00]] {
            let events = decode([Fixtures.aGzip + trailer])
            #expect(events == [.encoding(.gzip)] + aLines + [.failure("invalid_compression", 5), .inputEnded],
                    "trailer \(trailer)")
        }
        // Across reads; one byte that could start a member is a cut-short upload, not garbage.
        #expect(decode([Fixtures.aGzip, [0x00]]) == [.encoding(.gzip)] + aLines + [.failure("invalid_compression", 5), .inputEnded])
        #expect(decode([Fixtures.aGzip, [0x1f]]) == [.encoding(.gzip)] + aLines + [.failure("truncated_stream", 5), .inputEnded])
        #expect(decode([Fixtures.aZlib, Fixtures.aGzip]).suffix(2) == [.failure("invalid_compression", 5), .inputEnded])
    }

    @Test func truncatedAnywhereIsTruncatedStream() {
        let bytes = Fixtures.aGzip + Fixtures.bGzip
        // From 2: a single byte and EOF is a plain stream by rule (two bytes decide).
        for cut in 2..<bytes.count where cut != Fixtures.aGzip.count {
            let events = decode([Array(bytes[..<cut])])
            let lines = events.filter { if case .line = $0 { true } else { false } }
            // Whatever was delivered is a prefix of the real lines…
            #expect(Array(abLines.prefix(lines.count)) == lines, "cut at \(cut)")
            guard case .failure(let code, let count) = events.dropLast().last else {
                Issue.record("no failure at cut \(cut): \(events)")
                continue
            }
            #expect(code == "truncated_stream", "cut at \(cut)")
            // …and the count is every newline zlib itself can inflate from the cut stream.
            let newlines = referenceInflate(Array(bytes[..<cut]), gzip: true).filter { $0 == 0x0a }.count
            #expect(count == newlines, "cut at \(cut)")
            #expect(events.last == .inputEnded)
        }
    }

    @Test func truncatedInTheTrailerStillDeliversEveryLine() {
        // Cut inside the 8-byte CRC/size trailer: the deflate data is whole, so every terminated
        // line has been inflated, but the member is not finished.
        let cut = Array(Fixtures.aGzip.dropLast(4))
        #expect(decode([cut]) == [.encoding(.gzip)] + aLines + [.failure("truncated_stream", 5), .inputEnded])
    }

    @Test func corruptBytesAreInvalidCompression() {
        var bytes = Fixtures.aGzip
        bytes[10] = 0xff  // first deflate block header: block type 3 does not exist
        let events = decode([bytes])
        #expect(events.suffix(2) == [.failure("invalid_compression", 0), .inputEnded])
        // A wrong CRC in the trailer is also corruption, after all the lines.
        var badCRC = Fixtures.aGzip
        badCRC[badCRC.count - 8] ^= 0xff
        #expect(decode([badCRC]) == [.encoding(.gzip)] + aLines + [.failure("invalid_compression", 5), .inputEnded])
    }

    @Test func failureMessageIsForAHuman() {
        var bytes = Fixtures.aGzip
        bytes[10] = 0xff
        var decoder = WireDecoder()
        decoder.feed(ByteBuffer(bytes: bytes))
        while let event = decoder.next() {
            if case .failure(let error, _) = event {
                #expect(error.message == "gzip stream is corrupt (invalid block type) after 0 lines")
                return
            }
        }
        Issue.record("no failure")
    }

    @Test func oversizedCompressedLineThenGoodLines() {
        var text = "first\n" + String(repeating: "x", count: 300_000) + "\nsecond\n"
        text += String(repeating: "y", count: 100) + "\nthird"
        let expected: [Ev] = [.encoding(.gzip), .line("first", 1), .oversized(2), .line("second", 3),
                              .oversized(4), .line("third", 5), .streamEnded, .inputEnded]
        let bytes = deflated(Array(text.utf8), format: .gzip)
        #expect(decode([bytes], limits: WireLimits(maxLineBytes: 64)) == expected)
        #expect(decode(pieces(bytes, size: 3), limits: WireLimits(maxLineBytes: 64)) == expected)
    }

    @Test func linesLongerThanAChunkAreJoined() {
        // A 200 KiB line spans several 64 KiB inflate chunks.
        let long = String(repeating: "abcdefgh", count: 25_600)
        let text = "a\n" + long + "\nb\n"
        #expect(decode([deflated(Array(text.utf8), format: .zlib)]) == [.encoding(.zlib)] + expectedLines(text) + [.streamEnded, .inputEnded])
    }
}
