extension FilterValue {
    /// The value written in filter syntax; strings are always quoted.
    public var syntax: String {
        switch self {
        case .string(let s):
            var out = "\""
            for c in s {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                default: out.append(c)
                }
            }
            return out + "\""
        case .number(let n): return Self.text(ofNumber: n)
        case .bool(let b): return b ? "true" : "false"
        // Quoted only when the lexer would split it (`2026-01-01 10:00`): quoted or not, it
        // parses back as the same date.
        case .date(_, let text): return text.contains(" ") ? "\"" + text + "\"" : text
        case .null: return "null"
        }
    }
}

extension FilterValue {
    /// A number as text: an integral one within ±2^63 as an integer (`123456789012345680`, not
    /// `1.2345678901234568e+17` or `9007199254740992.0`), any other as Swift's shortest text that
    /// reads back to it (`49.5`). Filter syntax, facet keys and `=` between a number and the
    /// string that spells it all write numbers this way.
    public static func text(ofNumber n: Double) -> String {
        if let i = Int64(exactly: n) { return String(i) }
        return String(n)
    }
}

extension FilterNode {
    /// The node written back in filter syntax: `FilterParser.parse(node.syntax) == node` for every
    /// node the parser produces.
    public var syntax: String {
        switch self {
        case .compare(let field, let op, let value):
            return "\(field) \(op.rawValue) \(value.syntax)"
        case .isIn(let field, let values):
            return "\(field) IN [" + values.map(\.syntax).joined(separator: ", ") + "]"
        case .exists(let field):
            return "\(field) EXISTS"
        case .not(.exists(let field)):
            return "\(field) NOT EXISTS"
        case .not(.isIn(let field, let values)):
            return "\(field) NOT IN [" + values.map(\.syntax).joined(separator: ", ") + "]"
        case .not(let child):
            switch child {
            case .and, .or: return "NOT (" + child.syntax + ")"
            default: return "NOT " + child.syntax
            }
        case .and(let children):
            // AND binds tighter than OR: only OR children need parentheses.
            return children.map { child in
                if case .or = child { return "(" + child.syntax + ")" }
                return child.syntax
            }.joined(separator: " AND ")
        case .or(let children):
            return children.map(\.syntax).joined(separator: " OR ")
        }
    }
}
