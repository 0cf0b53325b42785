/// An error as both services report it on the wire: a stable ``code`` and a ``message`` for a human
/// at a terminal (what was expected, and where).
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable machine-readable code.
    public var code: ErrorCode
    /// What went wrong and what was expected, e.g. `expected ',' or '}' at column 41`.
    public var message: String

    /// An error with its code and a message that says what was expected.
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }

    /// Appends the standard error reply object to `writer`:
    /// `{"ok":false,"line":17,"error":{"code":"invalid_json","message":"…"}}`.
    /// `line` (the request's 1-based line number on its connection) is omitted when nil.
    /// No newline is written: the caller frames.
    public func writeReply(line: Int?, to writer: inout JSONWriter) {
        writer.object { w in
            w.member("ok", false)
            if let line { w.member("line", line) }
            w.object("error") { e in
                e.member("code", code.rawValue)
                e.member("message", message)
            }
        }
    }

    /// The standard error reply as one NDJSON line, terminated by `\n`:
    /// `{"ok":false,"line":17,"error":{"code":"invalid_json","message":"…"}}\n`.
    /// `line` is omitted when nil.
    public func replyLine(line: Int?) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + message.utf8.count)
        writeReply(line: line, to: &writer)
        writer.newline()
        return writer.bytes
    }
}
