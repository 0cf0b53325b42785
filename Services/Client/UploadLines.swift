import Foundation
import TidendeModels

/// An uploaded file's bytes on their way to the ingest service, line by line: lines that would
/// steer the connection instead of being uploaded (`quit`, `{"op":"quit"}`, `{"op":"hello",…}`)
/// are kept out, and the lines sent are counted, so the upload can tell when one got no answer.
///
/// A `quit` in a file would end the upload there (exit 0, the rest never stored), and a `hello`
/// would change the token, the acks or the reply compression under the client's feet. A refused
/// line is sent as an empty line: the service skips blank lines but counts them, so the line
/// numbers of its replies still match the file's.
struct UploadLines {
    /// A line held back this long without its newline is streamed on unchecked: no real
    /// connection-control line is that long, and memory must not grow with one huge document.
    static let classifyLimit = 64 << 10

    /// A line kept out of the upload: its number in the file and why.
    struct Refusal {
        var line: Int
        var text: String
    }

    private var partial: [UInt8] = []
    /// The current line outgrew ``classifyLimit``: its bytes go out as they come.
    private var passing = false
    private static let scanner = JSONScanner()

    /// Lines seen so far (complete ones, blank ones included), as the service numbers them.
    private(set) var lineCount = 0
    /// Non-blank lines sent: each gets exactly one reply.
    private(set) var sentLines = 0
    /// The connection-control lines kept out, in file order.
    private(set) var refusals: [Refusal] = []

    /// Splits `chunk` (the decoded file) and appends what is to be sent to `out`.
    mutating func feed(_ chunk: [UInt8], into out: inout [UInt8]) {
        var start = 0
        while let nl = chunk[start...].firstIndex(of: 0x0A) {
            if passing {
                out += chunk[start...nl]
                passing = false
                lineCount += 1
                sentLines += 1
            } else if partial.isEmpty {
                complete(chunk[start..<nl], into: &out)
            } else {
                partial += chunk[start..<nl]
                complete(partial[...], into: &out)
                partial.removeAll(keepingCapacity: partial.count <= Self.classifyLimit)
            }
            start = nl + 1
        }
        if passing {
            out += chunk[start...]
        } else {
            partial += chunk[start...]
            if partial.count > Self.classifyLimit {
                out += withoutBOM(partial[...], first: lineCount == 0)
                partial = []
                passing = true
            }
        }
    }

    /// The end of the file: a last line without a newline is completed.
    mutating func finish(into out: inout [UInt8]) {
        if passing {
            out.append(0x0A)
            passing = false
            lineCount += 1
            sentLines += 1
        } else if !partial.isEmpty {
            complete(partial[...], into: &out)
            partial = []
        }
    }

    private mutating func complete(_ raw: ArraySlice<UInt8>, into out: inout [UInt8]) {
        lineCount += 1
        let line = withoutBOM(raw, first: lineCount == 1)
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }) {
            out.append(0x0A)
            return
        }
        if let why = Self.controlLine(line) {
            refusals.append(Refusal(line: lineCount, text: why))
            out.append(0x0A)
            return
        }
        out += line
        out.append(0x0A)
        sentLines += 1
    }

    /// The service drops a byte order mark opening its stream; here the file's first line may not
    /// open the stream (a `hello` with the token can come first), so it is dropped here.
    private func withoutBOM(_ line: ArraySlice<UInt8>, first: Bool) -> ArraySlice<UInt8> {
        first && line.starts(with: [0xEF, 0xBB, 0xBF]) ? line.dropFirst(3) : line
    }

    /// Why `line` is a connection-control line (as the service's request classifier sees it),
    /// or nil for anything else.
    static func controlLine(_ line: ArraySlice<UInt8>) -> String? {
        let text = line.drop { $0 == 0x20 || $0 == 0x09 }
        guard let first = text.first else { return nil }
        if first != UInt8(ascii: "{") {
            // `quit` as plain text, any case, white space around it.
            guard text.count <= 64, String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .lowercased() == "quit" else { return nil }
            return quitText("quit")
        }
        // Most lines are documents: only one that could name the op (or hide it in an escape)
        // is scanned.
        guard mayName(text, "hello") || mayName(text, "quit") || mayName(text, "\\u") else { return nil }
        guard let scan = try? scanner.scanObject(Array(line)), let m = scan.member("op") else { return nil }
        switch scan.string(m) {
        case "quit": return quitText("{\"op\":\"quit\"}")
        case "hello": return "a {\"op\":\"hello\"} line is not uploaded: it would change this connection's token, acks or reply compression (use --token for the token)"
        default: return nil
        }
    }

    private static func quitText(_ what: String) -> String {
        "a \(what) line is not uploaded: it would end the upload there, and the lines after it would not be stored (remove it)"
    }

    /// Whether `needle` occurs in `bytes`.
    private static func mayName(_ bytes: ArraySlice<UInt8>, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard bytes.count >= n.count else { return false }
        var i = bytes.startIndex
        let last = bytes.endIndex - n.count
        while i <= last {
            guard let hit = bytes[i...last].firstIndex(of: n[0]) else { return false }
            if bytes[hit..<hit + n.count].elementsEqual(n) { return true }
            i = hit + 1
        }
        return false
    }
}
