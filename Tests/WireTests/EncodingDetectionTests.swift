import NIOCore
import Testing
@testable import TidendeWire

@Suite struct EncodingDetectionTests {
    @Test func gzipMagicIsGzip() {
        #expect(StreamEncoding.detect(0x1f, 0x8b) == .gzip)
        #expect(decode([Fixtures.aGzip]).first == .encoding(.gzip))
    }

    @Test func aTLSClientHelloIsRefusedAtOnce() {
        // A TLS 1.0–1.3 ClientHello record: handshake (0x16), version 3.x; no newline in it.
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0xc4, 0x01, 0x00, 0x00, 0xc0, 0x03, 0x03] + Array(repeating: 0x42, count: 180)
        #expect(decode([hello], close: false) == [.encoding(.plain), .failure("http_not_supported", 0)])
        #expect(decode([Array(hello[..<1]), Array(hello[1...])]) == [.encoding(.plain), .failure("http_not_supported", 0), .inputEnded])
    }

    @Test func zlibHeadersOfEveryLevelAreZlib() {
        for level in Int32(0)...9 {
            let bytes = deflated(Array("x".utf8), format: .zlib, level: level)
            #expect(StreamEncoding.detect(bytes[0], bytes[1]) == .zlib, "level \(level)")
        }
        #expect(decode([Fixtures.aZlib]).first == .encoding(.zlib))
    }

    @Test(arguments: ["xbox", "hello", "Hej", "Xmas", "88 tests", "(paren)", "{\"id\":1}", "HTTP/1.1", "x"])
    func commonTextStaysPlain(_ text: String) {
        let events = decode([Array((text + "\n").utf8)])
        #expect(events == [.encoding(.plain), .line(text, 1), .inputEnded])
    }

    @Test func checksumRuleDecidesForMethodEightBytes() {
        // Every two-byte start whose first byte says "deflate": only the checksum-valid, dictionary-free
        // ones with a window ≤ 32 KiB may be zlib.
        for first in [UInt8(ascii: "x"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "X"), UInt8(ascii: "8"), UInt8(ascii: "(")] {
            for second in UInt8(0)...255 {
                let valid = (Int(first) * 256 + Int(second)) % 31 == 0 && second & 0x20 == 0
                #expect((StreamEncoding.detect(first, second) == .zlib) == valid)
            }
        }
        // A window larger than 32 KiB (CINFO 8) is never zlib, checksum or not.
        #expect(StreamEncoding.detect(0x88, 0x1c) == .plain)
    }

    @Test func waitsForTwoBytesBeforeDeciding() {
        var decoder = WireDecoder()
        decoder.feed(ByteBuffer(bytes: [0x1f]))
        #expect(decoder.next() == nil)
        #expect(decoder.encoding == nil)
        decoder.feed(ByteBuffer(bytes: Array(Fixtures.aGzip.dropFirst())))
        #expect(decoder.next().map(Ev.init) == .encoding(.gzip))
    }

    @Test func oneByteThenCloseIsPlain() {
        #expect(decode([[UInt8(ascii: "x")]]) == [.encoding(.plain), .line("x", 1), .inputEnded])
    }

    @Test func emptyConnectionStillReportsAnEncoding() {
        #expect(decode([]) == [.encoding(.plain), .inputEnded])
    }
}
