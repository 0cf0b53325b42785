/// The kind of a JSON value, known from its first byte.
public enum JSONKind: Sendable, Hashable, CustomStringConvertible {
    /// `{…}`
    case object
    /// `[…]`
    case array
    /// `"…"`
    case string
    /// Any number literal, integer or not (see ``JSONScan/int64(_:)``).
    case number
    /// `true` or `false`
    case bool
    /// `null`
    case null

    /// The kind with an article, for messages: "an object", "a string"…
    public var description: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// One top-level member of a scanned object: its decoded key, and where its value's bytes are.
public struct JSONMember: Sendable, Hashable {
    /// The member name, JSON escapes decoded.
    public let key: String
    /// What kind of value it holds.
    public let kind: JSONKind
    /// The value's bytes (no surrounding whitespace), as indices into ``JSONScan/bytes``.
    public let range: Range<Int>

    /// A member as the scanner reports it (public for tests and tools that build scans by hand).
    public init(key: String, kind: JSONKind, range: Range<Int>) {
        self.key = key
        self.kind = kind
        self.range = range
    }
}

/// A validated JSON text and, when it is an object, its top-level members: what the ingest service
/// needs to route a line (`op`, `id`, `doc`) and store it as it came, without building a tree.
///
/// The scan keeps the bytes it was given (an array shares its storage, so this is not a copy).
/// Values are decoded only when asked for, with ``string(_:)``, ``int64(_:)``, ``value(_:)``.
///
/// **Duplicate keys**: ``members`` lists every occurrence in document order; ``member(_:)`` returns
/// the last one, as JavaScript's `JSON.parse` does.
public struct JSONScan: Sendable {
    /// The bytes that were scanned (the whole line, including any surrounding whitespace).
    public let bytes: [UInt8]
    /// The kind of the top-level value.
    public let kind: JSONKind
    /// The top-level value's bytes, without surrounding whitespace.
    public let range: Range<Int>
    /// The top-level members in document order; empty unless ``kind`` is `.object`.
    public let members: [JSONMember]

    /// The nesting limit the bytes were checked against (re-scans of a member use it too).
    let maxDepth: Int

    init(bytes: [UInt8], kind: JSONKind, range: Range<Int>, members: [JSONMember], maxDepth: Int) {
        self.bytes = bytes
        self.kind = kind
        self.range = range
        self.members = members
        self.maxDepth = maxDepth
    }

    /// The top-level value's bytes, without surrounding whitespace: what to store.
    public var valueBytes: ArraySlice<UInt8> { bytes[range] }

    /// The member named `key` (the last one when the key is repeated), or nil.
    public func member(_ key: String) -> JSONMember? {
        members.last { $0.key == key }
    }

    /// The bytes of a member's value, exactly as they appear in the line.
    public func valueBytes(_ member: JSONMember) -> ArraySlice<UInt8> { bytes[member.range] }

    /// A string member's decoded value (all escapes, surrogate pairs included), or nil when the
    /// value is not a string.
    public func string(_ member: JSONMember) -> String? {
        guard member.kind == .string else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            JSONDecoding.string(buffer.baseAddress!, from: member.range.lowerBound + 1,
                                to: member.range.upperBound - 1)
        }
    }

    /// A number member's exact integer value, or nil when the value is not a number written as an
    /// integer (`1.5`, `1e3` and `1.0` give nil) or does not fit an `Int64`.
    public func int64(_ member: JSONMember) -> Int64? {
        guard member.kind == .number else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            JSONDecoding.int64(buffer.baseAddress!, from: member.range.lowerBound,
                               to: member.range.upperBound)
        }
    }

    /// A boolean member's value, or nil when it is not `true`/`false`.
    public func bool(_ member: JSONMember) -> Bool? {
        guard member.kind == .bool else { return nil }
        return bytes[member.range.lowerBound] == UInt8(ascii: "t")
    }

    /// A member's value as a ``JSONValue`` tree.
    public func value(_ member: JSONMember) -> JSONValue {
        bytes.withUnsafeBufferPointer { buffer in
            var builder = JSONTreeBuilder(base: buffer.baseAddress!, index: member.range.lowerBound,
                                          end: member.range.upperBound)
            return builder.value()
        }
    }

    /// The top-level value as a ``JSONValue`` tree.
    public func value() -> JSONValue {
        bytes.withUnsafeBufferPointer { buffer in
            var builder = JSONTreeBuilder(base: buffer.baseAddress!, index: range.lowerBound,
                                          end: range.upperBound)
            return builder.value()
        }
    }

    /// The members of an object member (e.g. the `doc` of `{"op":"put","doc":{…}}`), as a scan over
    /// the same bytes; nil when the member is not an object.
    public func objectScan(_ member: JSONMember) -> JSONScan? {
        guard member.kind == .object else { return nil }
        // Already validated against maxDepth (and a member is one level shallower): cannot fail.
        return try? JSONScanner(maxDepth: maxDepth).scan(bytes, in: member.range)
    }
}
