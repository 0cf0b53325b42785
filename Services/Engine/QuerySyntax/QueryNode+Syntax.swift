extension QueryNode {
    /// The node written back in query syntax: `QueryParser.parse(node.syntax) == node` for every
    /// node the parser produces. Useful in logs, `analyze` replies and tests.
    public var syntax: String {
        switch self {
        case .all:
            return ""
        case .none:
            return "…"
        case .word(let text, let field):
            return Self.fieldPrefix(field) + text
        case .prefix(let text, let field):
            return Self.fieldPrefix(field) + text + "*"
        case .phrase(let words, let field):
            return Self.fieldPrefix(field) + "\"" + words.joined(separator: " ") + "\""
        case .and(let children):
            // OR binds tighter than the implicit AND, so only nested ANDs need parentheses.
            return children.map { child in
                if case .and = child { return "(" + child.syntax + ")" }
                return child.syntax
            }.joined(separator: " ")
        case .or(let children):
            return children.map { child in
                switch child {
                case .and, .or, .not: return "(" + child.syntax + ")"
                default: return child.syntax
                }
            }.joined(separator: " OR ")
        case .not(let child):
            switch child {
            case .and, .or, .not: return "-(" + child.syntax + ")"
            default: return "-" + child.syntax
            }
        }
    }

    private static func fieldPrefix(_ field: String?) -> String {
        field.map { $0 + ":" } ?? ""
    }
}
