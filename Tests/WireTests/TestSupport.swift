import CTidendeZlib
import NIOCore
import TidendeModels
import TidendeWire

/// A `WireEvent` flattened to something `#expect` can compare and print.
enum Ev: Equatable, CustomStringConvertible {
    case encoding(StreamEncoding)
    case line(String, Int)
    case oversized(Int)
    case streamEnded
    case failure(String, Int)
    case inputEnded

    init(_ event: WireEvent) {
        switch event {
        case .encoding(let e): self = .encoding(e)
        case .line(let buffer, let number): self = .line(String(buffer: buffer), number)
        case .oversizedLine(let number, _): self = .oversized(number)
        case .compressedStreamEnded: self = .streamEnded
        case .failure(let error, let lines): self = .failure(error.code.rawValue, lines)
        case .inputEnded: self = .inputEnded
        }
    }

    var description: String {
        switch self {
        case .encoding(let e): return "encoding(\(e))"
        case .line(let s, let n): return "line(\(n): \(s.debugDescription))"
        case .oversized(let n): return "oversized(\(n))"
        case .streamEnded: return "streamEnded"
        case .failure(let code, let n): return "failure(\(code), \(n))"
        case .inputEnded: return "inputEnded"
        }
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self = ByteBufferAllocator().buffer(capacity: bytes.count)
        writeBytes(bytes)
    }
}

/// Feeds `chunks` to a fresh decoder, pulling after each, and half-closes at the end if asked.
func decode(_ chunks: [[UInt8]], limits: WireLimits = WireLimits(), close: Bool = true) -> [Ev] {
    var decoder = WireDecoder(limits: limits)
    var events: [Ev] = []
    for chunk in chunks {
        decoder.feed(ByteBuffer(bytes: chunk))
        while let event = decoder.next() { events.append(Ev(event)) }
    }
    if close {
        decoder.endOfInput()
        while let event = decoder.next() { events.append(Ev(event)) }
    }
    return events
}

/// `bytes` cut into pieces of `size` (the last may be shorter).
func pieces(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
    stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
}

/// The non-blank lines of `text` with their 1-based numbers, as the decoder should report them:
/// split on "\n", a trailing "\r" stripped, blank lines skipped but counted. Works on bytes,
/// because to `String` "\r\n" is one character.
func expectedLines(_ text: String) -> [Ev] {
    let bytes = Array(text.utf8)
    var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
    if bytes.last == 0x0a { lines.removeLast() }
    var events: [Ev] = []
    for (index, var line) in lines.enumerated() {
        if line.last == 0x0d { line.removeLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
        events.append(.line(String(decoding: line, as: UTF8.self), index + 1))
    }
    return events
}

/// Compresses `bytes` with this package's Deflater in one go.
func deflated(_ bytes: [UInt8], format: DeflateFormat, level: Int32 = 6) -> [UInt8] {
    var deflater = Deflater(format: format, level: level)
    var out = ByteBuffer()
    deflater.compress(ByteBuffer(bytes: bytes), into: &out, flush: .finish)
    return Array(out.readableBytesView)
}

/// Inflates as much of `bytes` (gzip members or one zlib stream) as zlib can, with the C API
/// directly: an oracle independent of this package's Inflater and decoder.
func referenceInflate(_ bytes: [UInt8], gzip: Bool) -> [UInt8] {
    var stream = z_stream()
    precondition(tidende_inflate_init(&stream, gzip ? 31 : 15) == Z_OK)
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var input = bytes
    var offset = 0
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    input.withUnsafeMutableBufferPointer { inBuffer in
        while true {
            stream.next_in = inBuffer.baseAddress! + offset
            stream.avail_in = uInt(inBuffer.count - offset)
            let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return inflate(&stream, Z_SYNC_FLUSH)
            }
            output += chunk[0..<(chunk.count - Int(stream.avail_out))]
            offset = inBuffer.count - Int(stream.avail_in)
            if status == Z_STREAM_END && offset < inBuffer.count {
                inflateReset(&stream)
                continue
            }
            if status != Z_OK || (stream.avail_in == 0 && stream.avail_out > 0) { break }
        }
    }
    return output
}
