/// Why a line is not acceptable JSON, with a message for a human at a terminal.
///
/// ``code`` is one of ``ErrorCode/invalidJSON`` (syntax, lone surrogate escape, nesting too deep),
/// ``ErrorCode/invalidUTF8`` or ``ErrorCode/notAnObject``. ``message`` names what was expected and
/// where, e.g. `expected ',' or '}' at column 41`.
///
/// **Columns** are 1-based and count Unicode scalars (characters as a terminal shows them, near
/// enough), not bytes, so `æøå` in a Danish title do not shift the caret. They are exact because the
/// scanner validates UTF-8 left to right: everything before an error is valid text. ``offset`` gives
/// the same position as a 0-based byte offset.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `invalid_json`, `invalid_utf8` or `not_an_object`.
    public var code: ErrorCode
    /// The human-readable explanation, including the column when there is one.
    public var message: String
    /// 0-based byte offset of the problem in the scanned bytes.
    public var offset: Int
    /// 1-based column of the problem, counted in Unicode scalars.
    public var column: Int
    /// True when the text nested arrays and objects past the limit before any other problem: all
    /// of it up to ``offset`` was valid JSON. The query port uses it to tell a line of JSON too
    /// deep to accept from a plain query that merely opens with `[`.
    public var nestingTooDeep: Bool

    /// An error as the scanner builds it (the message already includes the column).
    public init(code: ErrorCode, message: String, offset: Int, column: Int, nestingTooDeep: Bool = false) {
        self.code = code
        self.message = message
        self.offset = offset
        self.column = column
        self.nestingTooDeep = nestingTooDeep
    }

    /// The same error in the wire vocabulary, ready for an error reply.
    public var wireError: WireError { WireError(code, message) }

    /// `code: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }
}
