import NIOCore
import Testing
import TidendeWire

@Suite struct DeflaterInflaterTests {
    /// Text-like bytes that are neither trivial nor random: a few thousand varied lines.
    static let sample: [UInt8] = {
        var text = ""
        for i in 0..<5000 {
            text += "{\"id\":\(i),\"title\":\"Nyhed nummer \(i * 7919 % 1000) om cyber-ambassadører\",\"n\":\(i * i)}\n"
        }
        return Array(text.utf8)
    }()

    @Test(arguments: [DeflateFormat.zlib, .gzip, .raw], [Int32(1), 6, 9])
    func roundTrip(format: DeflateFormat, level: Int32) throws {
        var deflater = Deflater(format: format, level: level)
        var compressed = ByteBuffer()
        // Uneven input pieces, as replies would come.
        for piece in pieces(Self.sample, size: 4099) {
            deflater.compress(ByteBuffer(bytes: piece), into: &compressed, flush: .none)
        }
        deflater.compress(ByteBuffer(), into: &compressed, flush: .finish)
        #expect(compressed.readableBytes < Self.sample.count / 3)

        var inflater = Inflater(format: format == .raw ? .raw : .auto)
        var output = ByteBuffer()
        var input = compressed
        #expect(try inflater.inflate(&input, into: &output) == .streamEnd)
        #expect(Array(output.readableBytesView) == Self.sample)
        #expect(input.readableBytes == 0)
        if format != .raw {
            #expect(referenceInflate(Array(compressed.readableBytesView), gzip: format == .gzip) == Self.sample)
        }
    }

    @Test func syncFlushedRepliesInflateOneByOne() throws {
        var deflater = Deflater(format: .zlib)
        var inflater = Inflater(format: .zlib)
        var received = ByteBuffer()
        for i in 0..<50 {
            let reply = "{\"ok\":true,\"seq\":\(i)}\n"
            var wire = ByteBuffer()
            deflater.compress(ByteBuffer(string: reply), into: &wire, flush: .sync)
            // Everything the peer needs for this reply is on the wire now: it inflates whole.
            var decoded = ByteBuffer()
            #expect(try inflater.inflate(&wire, into: &decoded) == .needsInput)
            #expect(String(buffer: decoded) == reply)
            received.writeBuffer(&decoded)
        }
        var tail = ByteBuffer()
        deflater.compress(ByteBuffer(), into: &tail, flush: .finish)
        var nothing = ByteBuffer()
        #expect(try inflater.inflate(&tail, into: &nothing) == .streamEnd)
        #expect(nothing.readableBytes == 0)
    }

    @Test func aDeflaterReusedAfterFinishWritesAnotherMember() {
        var deflater = Deflater(format: .gzip)
        var out = ByteBuffer()
        deflater.compress(ByteBuffer(string: "one\n"), into: &out, flush: .finish)
        deflater.compress(ByteBuffer(string: "two\n"), into: &out, flush: .finish)
        #expect(decode([Array(out.readableBytesView)]) == [.encoding(.gzip), .line("one", 1), .line("two", 2), .streamEnded, .inputEnded])
    }

    @Test func outputIsBoundedPerCall() throws {
        var inflater = Inflater(format: .zlib)
        var input = ByteBuffer(bytes: deflated(Self.sample, format: .zlib))
        var output = ByteBuffer()
        var calls = 0
        while true {
            let before = output.readableBytes
            let progress = try inflater.inflate(&input, into: &output, maxOutputBytes: 1000)
            #expect(output.readableBytes - before <= 1000)
            calls += 1
            if progress == .streamEnd { break }
            #expect(progress == .outputFull)
        }
        #expect(Array(output.readableBytesView) == Self.sample)
        #expect(calls >= Self.sample.count / 1000)
        #expect(inflater.totalOut == Self.sample.count)
    }

    @Test func inflaterReadsToolMadeData() throws {
        var inflater = Inflater()
        var input = ByteBuffer(bytes: Fixtures.aZlib)
        var output = ByteBuffer()
        #expect(try inflater.inflate(&input, into: &output) == .streamEnd)
        #expect(String(buffer: output) == Fixtures.aText)
        // Two gzip members: the inflater stops at the first end, and goes on after reset().
        var gz = ByteBuffer(bytes: Fixtures.aGzip + Fixtures.bGzip)
        var gzInflater = Inflater(format: .gzip)
        var text = ByteBuffer()
        #expect(try gzInflater.inflate(&gz, into: &text) == .streamEnd)
        #expect(gz.readableBytes == Fixtures.bGzip.count)
        gzInflater.reset()
        #expect(try gzInflater.inflate(&gz, into: &text) == .streamEnd)
        #expect(String(buffer: text) == Fixtures.aText + Fixtures.bText)
    }

    @Test func corruptDataThrowsWithZlibsWords() {
        var inflater = Inflater(format: .zlib)
        var input = ByteBuffer(bytes: [0x78, 0x9c, 0xff, 0xff, 0xff])
        var output = ByteBuffer()
        #expect(throws: InflateError.self) { try inflater.inflate(&input, into: &output) }
        do {
            var again = Inflater(format: .gzip)
            var notGzip = ByteBuffer(string: "hello, world")
            _ = try again.inflate(&notGzip, into: &output)
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "incorrect header check")
        }
    }
}
