import Foundation
import TidendeTestSupport

/// A reply line parsed with Foundation (independent of the server's own JSON code), with the
/// accessors the tests keep asking for.
struct JSONObject: CustomStringConvertible {
    let fields: [String: Any]
    let text: String

    init(_ line: [UInt8]) throws {
        text = String(decoding: line, as: UTF8.self)
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text.prefix(300))")
        }
        fields = object
    }

    subscript(key: String) -> Any? { fields[key] }

    var ok: Bool? { fields["ok"] as? Bool }
    var op: String? { fields["op"] as? String }
    var id: String? { fields["id"] as? String }
    var seq: Int64? { int("seq") }
    var line: Int? { int("line").map(Int.init) }
    /// `error.code` of an error reply.
    var code: String? { (fields["error"] as? [String: Any])?["code"] as? String }
    var message: String? { (fields["error"] as? [String: Any])?["message"] as? String }

    func int(_ key: String) -> Int64? {
        (fields[key] as? NSNumber)?.int64Value
    }

    func object(_ key: String) -> [String: Any]? { fields[key] as? [String: Any] }

    var description: String { text }
}

/// Compares two JSON objects by value (numbers, strings, nesting), as Foundation parsed them.
func sameJSON(_ a: [String: Any]?, _ b: [String: Any]?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return NSDictionary(dictionary: a).isEqual(to: b)
}

/// The JSON object `line` describes, for comparing what was sent with what came back.
func parsedObject(_ line: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

extension LineClient {
    /// The next line parsed as a JSON object; throws at the end or on anything else.
    func readObject() throws -> JSONObject {
        try JSONObject(readRequiredLine())
    }
}
