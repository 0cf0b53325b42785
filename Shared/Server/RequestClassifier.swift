import NIOCore
import TidendeModels

/// What `hello` asked for. Unknown keys are ignored (newer clients); bad values are a `problem`.
struct HelloRequest {
    var token: String?
    var acks: String?
    var compress: String?
    var problem: String?

    init(_ scan: JSONScan) {
        if let m = scan.member("token") {
            token = scan.string(m)
            if token == nil { problem = "\"token\" must be a string" }
        }
        if let m = scan.member("acks") {
            acks = scan.string(m)
            if acks != "each" && acks != "errors" { problem = "\"acks\" must be \"each\" or \"errors\"" }
        }
        if let m = scan.member("compress") {
            compress = scan.string(m)
            if Connection.formats[compress ?? ""] == nil {
                problem = "\"compress\" must be \"none\", \"zlib\" or \"gzip\""
                compress = nil
            }
        }
    }
}

/// Sorts a decoded line into what the runtime answers itself (`hello`, `quit`, broken input) and
/// what goes to the service.
enum RequestClassifier {
    enum Kind {
        case hello(HelloRequest)
        case quit
        case request(RequestLine)
        case invalid(WireError)
    }

    private static let scanner = JSONScanner()

    /// The line as a JSON object, or why it is not one; nil for a line opening with `[` that is
    /// not JSON at all (it is text).
    private static func object(_ bytes: [UInt8], opening: UInt8) -> Result<JSONScan, WireError>? {
        do {
            return .success(try scanner.scanObject(bytes))
        } catch {
            // Nesting past the limit with nothing wrong before it (`[[[…` 129 deep) is JSON the
            // scanner will not take, not a headline: it gets `invalid_json`, as it would inside `{`.
            if opening == UInt8(ascii: "[") && error.code != .notAnObject && !error.nestingTooDeep { return nil }
            return .failure(error.wireError)
        }
    }

    static func classify(_ line: ByteBuffer) -> Kind {
        let bytes = Array(line.readableBytesView)
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count else { return .invalid(WireError(.invalidJSON, "empty line")) }
        // A line opening with `{` is JSON. One opening with `[` is JSON when it parses (an array:
        // `not_an_object`) or when it is valid up to nesting deeper than the limit (`invalid_json`),
        // and text otherwise, such as the query `[VIDEO] cyberangreb` (DESIGN §5: a line that does
        // not start with `{` is a plain query).
        if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "["), let parsed = object(bytes, opening: bytes[i]) {
            let scan: JSONScan
            switch parsed {
            case .success(let s): scan = s
            case .failure(let error): return .invalid(error)
            }
            if let op = scan.member("op") {
                switch scan.string(op) {
                case "hello": return .hello(HelloRequest(scan))
                case "quit": return .quit
                case nil: return .invalid(WireError(.invalidRequest, "\"op\" must be a string, found \(op.kind)"))
                default: break
                }
            }
            return .request(.object(scan))
        }
        guard let text = String(validating: bytes[i...], as: UTF8.self) else {
            return .invalid(WireError(.invalidUTF8, "the line is not valid UTF-8"))
        }
        let trimmed = text.trimmingWhitespace()
        if trimmed.lowercased() == "quit" { return .quit }
        return .request(.text(trimmed))
    }
}

extension StringProtocol {
    /// The string without leading and trailing white space.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
