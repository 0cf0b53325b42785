/// The parsed form of a search query (`q`). Words are kept as typed (not analysed): the engine
/// analyses them per language when it executes the query.
public indirect enum QueryNode: Sendable, Hashable {
    /// Matches every document (the empty query).
    case all
    /// Matches no document: a query of symbols only (`🎉`, `...`), with no word to search for.
    case none
    /// A word; `field` restricts it to one field (`title:cyber`).
    case word(String, field: String?)
    /// An exact phrase (`"master i it"`), optionally restricted to a field.
    case phrase([String], field: String?)
    /// A prefix (`ambassad*`), optionally restricted to a field.
    case prefix(String, field: String?)
    /// All children must match.
    case and([QueryNode])
    /// Any child may match.
    case or([QueryNode])
    /// Excludes documents matching the child (`-word`). Only meaningful inside `and`.
    case not(QueryNode)
}

/// A literal in a filter expression.
public enum FilterValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    /// An ISO 8601 date or date-time, as seconds since 1970-01-01T00:00:00Z.
    case date(Double, text: String)
    case null
}

public enum FilterComparison: String, Sendable, Hashable {
    case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
}

/// The parsed form of a `filter` expression.
public indirect enum FilterNode: Sendable, Hashable {
    case compare(field: String, FilterComparison, FilterValue)
    case isIn(field: String, [FilterValue])
    case exists(field: String)
    case and([FilterNode])
    case or([FilterNode])
    case not(FilterNode)
}

/// A syntax error with where it happened and what was expected, for a human at a terminal.
public struct QuerySyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based character column in the input where the problem was found.
    public var column: Int
    public var message: String
    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }
    public var description: String { "\(message) at column \(column)" }
}

/// Limits shared by the query and filter parsers.
public enum QuerySyntaxLimits {
    /// The deepest nesting of parentheses (and, in filters, of NOTs) accepted. Deeper input is an
    /// error rather than a risk to the parser's and the evaluator's stacks (100 000 '(' crashed
    /// the query service).
    public static let maxNesting = 64
    /// The most words a query may hold (each word of a phrase counts): a phrase's work grows
    /// with the square of its length, and every word opens a cursor per field and segment.
    public static let maxTerms = 256
    /// The most `prefix*` terms a query may hold: each expands to up to 4 096 indexed words per
    /// field and segment.
    public static let maxPrefixes = 16
    /// The longest query or filter text, in UTF-8 bytes: analysing text costs about 0.3 s per
    /// MB here, and a search of one 8 MB word held a thread for two seconds.
    public static let maxTextBytes = 65_536

    /// The error for a text over `maxTextBytes` (`what`: "query" or "filter").
    static func tooLong(_ text: String, _ what: String) -> QuerySyntaxError? {
        let bytes = text.utf8.count
        guard bytes > maxTextBytes else { return nil }
        return QuerySyntaxError(column: 1, message: "the \(what) is \(bytes) bytes long; at most \(maxTextBytes) are accepted")
    }

    static func tooDeep(at column: Int) -> QuerySyntaxError {
        QuerySyntaxError(column: column, message: "nesting deeper than \(maxNesting) levels of parentheses or NOTs")
    }
}
