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
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
            return String(n)
        case .bool(let b): return b ? "true" : "false"
        // Quoted only when the lexer would split it (`2026-01-01 10:00`): quoted or not, it
        // parses back as the same date.
        case .date(_, let text): return text.contains(" ") ? "\"" + text + "\"" : text
        case .null: return "null"
        }
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
