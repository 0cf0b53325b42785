/// An error a search can report to its caller. `code` is a stable snake_case word:
///
/// - `invalid_sort`: sorting by a field no document has ever had;
/// - `invalid_request`: a limit or offset out of range, or past `maxResultWindow`;
/// - `invalid_field`: a field name that cannot exist (empty);
/// - `snapshot_corrupt`, `snapshot_version`, `snapshot_io`: a snapshot that cannot be used.
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func invalidSort(_ field: String) -> EngineError {
        EngineError(code: "invalid_sort", message: "no document has a field '\(field)' to sort by")
    }
    static func invalidRequest(_ message: String) -> EngineError {
        EngineError(code: "invalid_request", message: message)
    }
    static func corrupt(_ message: String) -> EngineError {
        EngineError(code: "snapshot_corrupt", message: message)
    }
}
