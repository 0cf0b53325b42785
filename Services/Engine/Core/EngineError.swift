#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// An error a search can report to its caller. `code` is a stable snake_case word:
///
/// - `invalid_sort`: sorting by a field no document has ever had (a field that existed once,
///   even if every document with it was deleted since, sorts fine: all values missing);
/// - `invalid_request`: a negative limit or offset, or `offset + limit` past `maxResultWindow`;
/// - `snapshot_corrupt`: bad magic, checksum, length or structure (also a stored document that
///   no longer inflates); `snapshot_version`: another format version; `snapshot_io`: the file
///   cannot be opened, read or written.
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
    /// A file that cannot be opened, read or written (with the system's reason, from `errno`).
    static func io(_ message: String) -> EngineError {
        EngineError(code: "snapshot_io", message: "\(message): \(String(cString: strerror(errno)))")
    }
}
