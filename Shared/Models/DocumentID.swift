/// Document ids (DESIGN §3): how the `id` member of a document becomes the key it is stored under.
///
/// Rules:
/// - a **string** of 1–512 bytes of UTF-8 after JSON unescaping, with no control characters
///   (U+0000–U+001F, U+007F–U+009F): ids end up in replies, logs and terminals, where a stray
///   newline or escape sequence would do harm. Any other text is kept exactly, spaces included;
/// - or an **integer** literal that fits `Int64`, kept as its decimal string (`"id": 42` → `"42"`,
///   `-7` → `"-7"`), so that `42` and `"42"` name the same document;
/// - anything else (`1.5`, `1e3`, `null`, `true`, arrays, objects, integers beyond `Int64`) is
///   `invalid_id`; no `id` member at all is `missing_id`. A repeated `id` key: the last one counts.
public enum DocumentID {
    /// The longest id, in UTF-8 bytes.
    public static let maxBytes = 512

    /// The id of the scanned document (or of a `delete`/`get` request), or the error to reply with.
    public static func extract(from scan: JSONScan) -> Result<String, WireError> {
        guard let member = scan.member("id") else {
            return .failure(missing)
        }
        switch member.kind {
        case .string:
            return validate(scan.string(member) ?? "")
        case .number:
            if let value = scan.int64(member) { return .success(String(value)) }
            let literal = String(decoding: scan.valueBytes(member), as: UTF8.self)
            let integral = !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
            return .failure(WireError(.invalidID, integral
                ? "\"id\" \(shorten(literal)) is out of range: integer ids must fit in 64 bits (or send the id as a string)"
                : "\"id\" must be a string of 1-512 bytes or an integer, got the number \(shorten(literal))"))
        default:
            return .failure(WireError(.invalidID, "\"id\" must be a string of 1-512 bytes or an integer, got \(member.kind)"))
        }
    }

    /// The id of a parsed document, by the same rules (a caller that already has the tree need
    /// not scan the bytes again).
    public static func extract(from document: JSONValue) -> Result<String, WireError> {
        switch document["id"] {
        case nil:
            return .failure(missing)
        case .string(let id)?:
            return validate(id)
        case .integer(let value)?:
            return .success(String(value))
        default:
            return .failure(WireError(.invalidID, "\"id\" must be a string of 1-512 bytes or an integer"))
        }
    }

    private static let missing = WireError(.missingID, "the document has no \"id\" member (a string of 1-512 bytes or an integer)")

    /// Checks a string id against the rules above.
    public static func validate(_ id: String) -> Result<String, WireError> {
        let length = id.utf8.count
        if length == 0 {
            return .failure(WireError(.invalidID, "\"id\" must not be empty (a string of 1-512 bytes or an integer)"))
        }
        if length > maxBytes {
            return .failure(WireError(.invalidID, "\"id\" is \(length) bytes long, the limit is \(maxBytes) bytes"))
        }
        if let control = firstControlCharacter(id) {
            let hex = String(control, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: 4 - hex.count) + hex
            return .failure(WireError(.invalidID, "\"id\" must not contain control characters, found \(code)"))
        }
        return .success(id)
    }

    /// The first C0/DEL/C1 control character's code point, looking at UTF-8 bytes (this runs for
    /// every document, so no scalar decoding): C0 and DEL are single bytes, C1 is `C2 80`–`C2 9F`.
    private static func firstControlCharacter(_ id: String) -> UInt32? {
        var id = id
        return id.withUTF8 { utf8 -> UInt32? in
            var previous: UInt8 = 0
            for byte in utf8 {
                if byte < 0x20 || byte == 0x7F { return UInt32(byte) }
                if previous == 0xC2 && byte <= 0x9F { return UInt32(byte) }  // byte is 0x80…0x9F here
                previous = byte
            }
            return nil
        }
    }

    private static func shorten(_ literal: String) -> String {
        literal.count <= 40 ? literal : String(literal.prefix(40)) + "…"
    }
}
