/// Strict, one-pass RFC 8259 validation of one JSON text (one NDJSON line), with UTF-8 validation
/// and a nesting limit, that also lists a top-level object's members (key, kind, byte range).
///
/// It takes `[UInt8]`: the ingest service keeps the validated bytes to store them as they came, so
/// an array is what it holds anyway, and ``JSONScan`` can then share that storage instead of
/// copying. Inside, the scan runs over raw pointers with no bounds checks and an 8-bytes-at-a-time
/// fast path through string contents. ``validate(_:)`` takes an `UnsafeRawBufferPointer` for callers
/// that only need a yes/no without a copy.
///
/// What it accepts, precisely:
/// - exactly one JSON value, with optional space, tab, `\r`, `\n` around it (so a trailing `\r` from
///   a `\r\n` line ending is fine);
/// - the RFC grammar and nothing more: no trailing commas (Foundation's `JSONSerialization`
///   tolerates `[1,]`; we do not), comments, single quotes, `NaN`, leading zeros or `+1`;
/// - UTF-8 only: overlong forms, encoded surrogates, code points above U+10FFFF, stray continuation
///   bytes and truncated sequences are `invalid_utf8`, wherever they occur;
/// - `\u` escapes must form whole characters: a lone surrogate escape (`"\uD800"`) is
///   `invalid_json`, because no string could hold it and the document could never be indexed;
/// - at most ``maxDepth`` nested arrays/objects (`invalid_json`, "nesting deeper than …");
/// - numbers as the grammar says, whatever their size: `1e400` is valid JSON (RFC 8259 leaves range
///   to the reader; `JSONValue.parse` reads it as infinity, which the
///   writer writes as `null`). Foundation's `JSONSerialization` rejects such numbers; we do not.
///
/// The first problem met, left to right, is the one reported. See ``JSONError`` for columns.
public struct JSONScanner: Sendable {
    /// The deepest nesting of arrays and objects accepted (the top-level object is depth 1).
    public var maxDepth: Int

    /// A scanner accepting at most `maxDepth` levels of nesting (default 128).
    public init(maxDepth: Int = 128) {
        self.maxDepth = maxDepth
    }

    /// Validates `bytes` as one JSON text; when it is an object, lists its top-level members.
    public func scan(_ bytes: [UInt8]) throws(JSONError) -> JSONScan {
        try scan(bytes, in: 0..<bytes.count)
    }

    /// Validates `bytes[range]` as one JSON text. Columns in errors still count from the start of
    /// `bytes` (the line), and member ranges index into `bytes`.
    public func scan(_ bytes: [UInt8], in range: Range<Int>) throws(JSONError) -> JSONScan {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range out of bounds")
        let result: Result<JSONScanCore.Outcome, JSONError> = bytes.withUnsafeBufferPointer { buffer in
            // An empty array may have no storage; any valid pointer will do, no byte is read.
            var dummy: UInt8 = 0
            return withUnsafePointer(to: &dummy) { dummyPointer in
                var core = JSONScanCore(base: buffer.baseAddress ?? dummyPointer, start: range.lowerBound,
                                        end: range.upperBound, maxDepth: maxDepth)
                do throws(JSONError) {
                    return .success(try core.scan(collectMembers: true))
                } catch {
                    return .failure(error)
                }
            }
        }
        let outcome = try result.get()
        return JSONScan(bytes: bytes, kind: outcome.kind, range: outcome.range, members: outcome.members,
                        maxDepth: maxDepth)
    }

    /// Like ``scan(_:)``, but a valid text that is not an object is a `not_an_object` error
    /// (invalid JSON or UTF-8 is still reported as such first).
    public func scanObject(_ bytes: [UInt8]) throws(JSONError) -> JSONScan {
        let scan = try scan(bytes)
        guard scan.kind == .object else {
            throw JSONError(code: .notAnObject,
                            message: "expected a JSON object ({…}), found \(scan.kind)",
                            offset: scan.range.lowerBound,
                            column: JSONScanCore.column(of: scan.range.lowerBound, in: bytes))
        }
        return scan
    }

    /// Validates one JSON text in place, without copying it or listing members; returns its kind.
    public func validate(_ buffer: UnsafeRawBufferPointer) throws(JSONError) -> JSONKind {
        var dummy: UInt8 = 0
        let result: Result<JSONKind, JSONError> = withUnsafePointer(to: &dummy) { dummyPointer in
            let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? dummyPointer
            var core = JSONScanCore(base: base, start: 0, end: buffer.count, maxDepth: maxDepth)
            do throws(JSONError) {
                return .success(try core.scan(collectMembers: false).kind)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
