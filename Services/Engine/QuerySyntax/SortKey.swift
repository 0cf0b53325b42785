/// One sort criterion of a search request: `published_at:desc`, `title:asc`, or `title`
/// (ascending).
public struct SortKey: Sendable, Hashable {
    public var field: String
    public var descending: Bool

    /// The key that sorts by relevance (`_score`; highest first unless `:asc`).
    public static let score = "_score"

    public init(field: String, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// The key written back in sort syntax (`field:asc` or `field:desc`).
    public var syntax: String { field + (descending ? ":desc" : ":asc") }
}

/// Parses one sort criterion (`field`, `field:asc`, `field:desc`; direction case-insensitive,
/// whitespace around the parts ignored). `_score` is the relevance, highest first by default.
public enum SortParser {
    public static func parse(_ text: String) throws(QuerySyntaxError) -> SortKey {
        let chars = Array(text)
        var start = 0
        while start < chars.count, chars[start].isWhitespace { start += 1 }
        var stop = chars.count
        while stop > start, chars[stop - 1].isWhitespace { stop -= 1 }
        guard start < stop else {
            throw QuerySyntaxError(column: 1, message: "expected a field name such as 'published_at:desc'")
        }
        let colon = chars[start..<stop].firstIndex(of: ":") ?? stop
        let field = String(chars[start..<colon]).trimmingWhitespace()
        guard FieldName.isValid(field) else {
            throw QuerySyntaxError(
                column: start + 1, message: "expected a field name (\(FieldName.rule)), found '\(field)'")
        }
        if colon == stop { return SortKey(field: field, descending: field == SortKey.score) }
        let direction = String(chars[(colon + 1)..<stop]).trimmingWhitespace()
        switch direction.lowercased() {
        case "asc": return SortKey(field: field, descending: false)
        case "desc": return SortKey(field: field, descending: true)
        default:
            throw QuerySyntaxError(
                column: colon + 2, message: "expected 'asc' or 'desc' after '\(field):', found '\(direction)'")
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
