/// A stable, machine-readable error code: the snake_case word in `"error":{"code":…}`.
///
/// A struct over a closed private set rather than a public enum, so that new codes can be added
/// without breaking anyone's exhaustive `switch` (compare with `==` or read ``rawValue``).
public struct ErrorCode: Sendable, Hashable, CustomStringConvertible {
    // The wire words live here once; the static members below are the public names.
    private enum Word: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidUTF8 = "invalid_utf8"
        case notAnObject = "not_an_object"
        case lineTooLong = "line_too_long"
        case missingID = "missing_id"
        case invalidID = "invalid_id"
        case documentTooLarge = "document_too_large"
        case unknownOp = "unknown_op"
        case invalidRequest = "invalid_request"
        case unauthorized = "unauthorized"
        case httpNotSupported = "http_not_supported"
        case invalidCompression = "invalid_compression"
        case truncatedStream = "truncated_stream"
        case decompressionLimit = "decompression_limit"
        case storeUnavailable = "store_unavailable"
        case notFound = "not_found"
        case timeout = "timeout"
        case tooManyConnections = "too_many_connections"
        case idleTimeout = "idle_timeout"
        case invalidQuery = "invalid_query"
        case invalidFilter = "invalid_filter"
        case invalidSort = "invalid_sort"
        case limitOutOfRange = "limit_out_of_range"
        case shuttingDown = "shutting_down"
        case internalError = "internal_error"
    }

    private let word: Word

    private init(_ word: Word) { self.word = word }

    /// The code as written on the wire, e.g. `"invalid_json"`.
    public var rawValue: String { word.rawValue }

    /// The wire word, as ``rawValue``.
    public var description: String { word.rawValue }

    /// The code for a wire word, or nil when the word is not a known code (e.g. when a client
    /// reads replies from a newer server).
    public init?(rawValue: String) {
        guard let word = Word(rawValue: rawValue) else { return nil }
        self.word = word
    }

    /// A line is not valid JSON (syntax error, lone surrogate escape, or nesting too deep).
    public static let invalidJSON = ErrorCode(.invalidJSON)
    /// A line's bytes are not valid UTF-8 (overlong, surrogate, > U+10FFFF, truncated sequence…).
    public static let invalidUTF8 = ErrorCode(.invalidUTF8)
    /// A line is valid JSON but not an object where an object is required (a document, a request).
    public static let notAnObject = ErrorCode(.notAnObject)
    /// A line is longer than the line limit; the line is skipped, the connection goes on.
    public static let lineTooLong = ErrorCode(.lineTooLong)
    /// A document (or a `delete`/`get`) has no `id` member.
    public static let missingID = ErrorCode(.missingID)
    /// An `id` is present but unusable: not a string of 1–512 bytes nor an integer.
    public static let invalidID = ErrorCode(.invalidID)
    /// A document is larger than the document size limit and was not stored.
    public static let documentTooLarge = ErrorCode(.documentTooLarge)
    /// A request's `op` names no operation this port knows.
    public static let unknownOp = ErrorCode(.unknownOp)
    /// A request is well-formed JSON but its members are missing, mistyped or contradictory.
    public static let invalidRequest = ErrorCode(.invalidRequest)
    /// A token is configured and the connection did not start with a `hello` carrying it.
    public static let unauthorized = ErrorCode(.unauthorized)
    /// An HTTP request line (`GET /…`, `POST /…`) arrived on an NDJSON port; the connection closes.
    public static let httpNotSupported = ErrorCode(.httpNotSupported)
    /// A gzip or zlib stream is corrupt (bad header, bad data, bad checksum).
    public static let invalidCompression = ErrorCode(.invalidCompression)
    /// A compressed stream ended (the connection closed) before its end marker.
    public static let truncatedStream = ErrorCode(.truncatedStream)
    /// Inflating a stream exceeded the decompressed size or ratio limit (a likely decompression bomb).
    public static let decompressionLimit = ErrorCode(.decompressionLimit)
    /// The store cannot take or serve changes right now (disk full, database down); nothing was acked.
    public static let storeUnavailable = ErrorCode(.storeUnavailable)
    /// A `get` (or other lookup) named a document that does not exist.
    public static let notFound = ErrorCode(.notFound)
    /// An operation did not finish in time (e.g. a `min_seq` wait past its `timeout_ms`).
    public static let timeout = ErrorCode(.timeout)
    /// The connection limit is reached; the new connection gets this line and a close.
    public static let tooManyConnections = ErrorCode(.tooManyConnections)
    /// A connection stayed silent longer than the idle limit and is being closed.
    public static let idleTimeout = ErrorCode(.idleTimeout)
    /// The `q` query text could not be parsed.
    public static let invalidQuery = ErrorCode(.invalidQuery)
    /// The `filter` expression could not be parsed or names an unusable field/value.
    public static let invalidFilter = ErrorCode(.invalidFilter)
    /// A `sort` entry is malformed or names a field that cannot be sorted.
    public static let invalidSort = ErrorCode(.invalidSort)
    /// `limit` or `offset` is negative or beyond the result window.
    public static let limitOutOfRange = ErrorCode(.limitOutOfRange)
    /// The service is shutting down and takes no new work on this connection.
    public static let shuttingDown = ErrorCode(.shuttingDown)
    /// A bug or unexpected failure inside the service; the message says what, for the logs.
    public static let internalError = ErrorCode(.internalError)
}
