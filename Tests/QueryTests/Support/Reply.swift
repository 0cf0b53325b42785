import Foundation
import TidendeTestSupport

/// A reply line parsed with Foundation, so the services' own JSON code is not what checks them,
/// with the accessors the tests keep asking for.
struct Reply: CustomStringConvertible {
    let fields: [String: Any]
    let text: String

    init(_ line: String) throws {
        text = line
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(line.prefix(300))")
        }
        fields = object
    }

    subscript(key: String) -> Any? { fields[key] }

    var ok: Bool { fields["ok"] as? Bool ?? false }
    var op: String? { fields["op"] as? String }
    var id: String? { fields["id"] as? String }
    var seq: Int? { int("seq") }
    var total: Int? { int("total") }
    /// `line` of an error reply: the request's line number on its connection.
    var line: Int? { int("line") }
    /// `error.code` of an error reply.
    var code: String? { (fields["error"] as? [String: Any])?["code"] as? String }
    var message: String? { (fields["error"] as? [String: Any])?["message"] as? String }

    func int(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }
    func bool(_ key: String) -> Bool? { fields[key] as? Bool }
    func object(_ key: String) -> [String: Any]? { fields[key] as? [String: Any] }

    /// The `hits` of a search reply, in order.
    var hits: [Hit] { (fields["hits"] as? [[String: Any]] ?? []).map(Hit.init) }
    var hitIDs: [String] { hits.map(\.id) }

    /// `facets.<field>` as value → count.
    func facet(_ field: String) -> [String: Int] {
        let values = object("facets")?[field] as? [String: Any] ?? [:]
        return values.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    var description: String { text.count > 600 ? String(text.prefix(600)) + "…" : text }
}

/// One search hit.
struct Hit {
    let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }
    var id: String { fields["id"] as? String ?? "" }
    var score: Double? { (fields["score"] as? NSNumber)?.doubleValue }
    var doc: [String: Any] { fields["doc"] as? [String: Any] ?? [:] }
    var highlight: [String: String] { (fields["highlight"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String } }
}

/// One JSON object line from a dictionary (keys sorted, so lines are reproducible).
func jsonLine(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

extension LineClient {
    /// The next line parsed as a JSON object; throws at the end of the stream.
    func readReply() throws -> Reply {
        try Reply(String(decoding: readRequiredLine(), as: UTF8.self))
    }

    /// Sends one request line and reads its reply (the connection stays open).
    func ask(_ line: String) throws -> Reply {
        try send(lines: [line])
        return try readReply()
    }
}
