/// Parses the `filter` of a search request into a `FilterNode`.
///
/// Grammar (keywords case-insensitive; NOT binds tightest, then AND, then OR):
/// ```
/// filter     := or
/// or         := and ( OR and )*
/// and        := not ( AND not )*
/// not        := NOT not | primary
/// primary    := '(' or ')' | condition
/// condition  := field op value | field [NOT] IN '[' [ value ( ',' value )* ] ']'
///             | field EXISTS | field NOT EXISTS
/// op         := = | != | < | <= | > | >=
/// value      := "…" | '…' | true | false | null | number | ISO 8601 date | bare word
/// ```
/// Values: quoted text is a string, unless it is a whole valid ISO 8601 date or date-time
/// (`"2026-01-05"`), which is the same date as written unquoted: people quote dates as they quote
/// other values, and comparing them as text would put `"2026-01-05T10:00"` after `"2026-01-05"`.
/// Unquoted, `true`/`false` (any case) are booleans,
/// `null` is null, `-3`, `2.5`, `1e3` are numbers, `2026-01-01` and `2026-01-01T10:00:00+02:00`
/// are dates (an impossible date like `2026-02-30` is an error, not a string), and any other bare
/// word is a string (`type = article`). Field names follow `FieldName` (`område`, `pris-kr`:
/// there is no arithmetic to confuse a hyphen with); `field NOT IN [...]`
/// is `.not(.isIn(...))`, `field NOT EXISTS` is `.not(.exists(...))`.
/// Nested ANDs and ORs are flattened.
public enum FilterParser {
    /// Parses `filter`; throws a `QuerySyntaxError` naming the column and what was expected.
    /// An empty filter is an error: callers treat an absent filter as "no filter"
    /// (see `parseOptional`).
    public static func parse(_ filter: String) throws(QuerySyntaxError) -> FilterNode {
        if let error = QuerySyntaxLimits.tooLong(filter, "filter") { throw error }
        var parser = FilterParserState(tokens: try FilterLexer.tokenize(filter), end: filter.count + 1)
        let node = try parser.parseOr()
        if let extra = parser.current {
            throw QuerySyntaxError(
                column: extra.column, message: "expected AND, OR or the end of the filter after the condition, found \(describe(extra))")
        }
        return node
    }

    /// Like `parse`, but an empty or all-whitespace filter means "no filter" (`nil`).
    public static func parseOptional(_ filter: String) throws(QuerySyntaxError) -> FilterNode? {
        if filter.utf8.count <= QuerySyntaxLimits.maxTextBytes && filter.allSatisfy(\.isWhitespace) { return nil }
        return try parse(filter)
    }

    static func describe(_ token: FilterToken) -> String {
        switch token.kind {
        case .bare(let s), .op(let s): "'\(s)'"
        case .quoted(let s): "\"\(s)\""
        case .open: "'('"
        case .close: "')'"
        case .openBracket: "'['"
        case .closeBracket: "']'"
        case .comma: "','"
        }
    }
}

private let operatorList = "=, !=, <, <=, >, >=, IN, EXISTS"

private struct FilterParserState {
    let tokens: [FilterToken]
    let end: Int
    var index = 0
    /// Groups and NOTs open around the current token.
    var depth = 0

    init(tokens: [FilterToken], end: Int) {
        self.tokens = tokens
        self.end = end
    }

    var current: FilterToken? { index < tokens.count ? tokens[index] : nil }

    func isKeyword(_ token: FilterToken?, _ word: String) -> Bool {
        guard case .bare(let s)? = token?.kind else { return false }
        return s.isKeyword(word)
    }

    func error(_ message: String, at token: FilterToken? = nil) -> QuerySyntaxError {
        QuerySyntaxError(column: (token ?? current)?.column ?? end, message: message)
    }

    mutating func parseOr() throws(QuerySyntaxError) -> FilterNode {
        var children = [try parseAnd()]
        while isKeyword(current, "OR") {
            index += 1
            children.append(try parseAnd())
        }
        return flatten(children, or: true)
    }

    mutating func parseAnd() throws(QuerySyntaxError) -> FilterNode {
        var children = [try parseNot()]
        while isKeyword(current, "AND") {
            index += 1
            children.append(try parseNot())
        }
        return flatten(children, or: false)
    }

    func flatten(_ children: [FilterNode], or: Bool) -> FilterNode {
        if children.count == 1 { return children[0] }
        var flat: [FilterNode] = []
        for child in children {
            switch (child, or) {
            case (.or(let inner), true), (.and(let inner), false): flat.append(contentsOf: inner)
            default: flat.append(child)
            }
        }
        return or ? .or(flat) : .and(flat)
    }

    /// Counts one more level of nesting at `token`; the caller undoes it when the level ends.
    mutating func enter(_ token: FilterToken) throws(QuerySyntaxError) {
        guard depth < QuerySyntaxLimits.maxNesting else { throw QuerySyntaxLimits.tooDeep(at: token.column) }
        depth += 1
    }

    mutating func parseNot() throws(QuerySyntaxError) -> FilterNode {
        if let token = current, isKeyword(token, "NOT") {
            try enter(token)
            defer { depth -= 1 }
            index += 1
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(QuerySyntaxError) -> FilterNode {
        guard let token = current else {
            throw error("expected a condition such as 'type = article'")
        }
        if token.kind == .open {
            try enter(token)
            defer { depth -= 1 }
            index += 1
            let node = try parseOr()
            guard current?.kind == .close else {
                throw error(
                    current == nil
                        ? "expected ')' to close the group opened at column \(token.column)"
                        : "expected AND, OR or ')' to close the group opened at column \(token.column), found \(FilterParser.describe(current!))")
            }
            index += 1
            return node
        }
        return try parseCondition()
    }

    mutating func parseCondition() throws(QuerySyntaxError) -> FilterNode {
        let token = current!
        guard case .bare(let field) = token.kind, FieldName.isValid(field),
            !field.isKeyword("AND"), !field.isKeyword("OR")
        else {
            if case .bare(let name) = token.kind, !FieldName.isValid(name) {
                throw error("expected a field name (\(FieldName.rule)), found '\(name)'", at: token)
            }
            throw error("expected a field name, found \(FilterParser.describe(token))", at: token)
        }
        index += 1
        guard let next = current else {
            throw error("expected one of \(operatorList) after '\(field)'")
        }
        switch next.kind {
        case .op(let symbol):
            guard let comparison = FilterComparison(rawValue: symbol) else {
                throw error("unknown operator '\(symbol)'; expected one of \(operatorList)", at: next)
            }
            index += 1
            let value = try parseValue(after: "'\(symbol)'")
            return .compare(field: field, comparison, value)
        case .bare(let word):
            if word.isKeyword("EXISTS") {
                index += 1
                return .exists(field: field)
            } else if word.isKeyword("IN") {
                index += 1
                return .isIn(field: field, try parseList())
            } else if word.isKeyword("NOT") {
                index += 1
                if isKeyword(current, "EXISTS") {
                    index += 1
                    return .not(.exists(field: field))
                }
                if isKeyword(current, "IN") {
                    index += 1
                    return .not(.isIn(field: field, try parseList()))
                }
                throw error("expected EXISTS or IN after 'NOT'")
            } else {
                throw error("expected one of \(operatorList) after '\(field)', found '\(word)'", at: next)
            }
        default:
            throw error("expected one of \(operatorList) after '\(field)', found \(FilterParser.describe(next))", at: next)
        }
    }

    /// `'[' [ value ( ',' value )* ] ']'`
    mutating func parseList() throws(QuerySyntaxError) -> [FilterValue] {
        guard let open = current, open.kind == .openBracket else {
            throw error("expected '[' to start the list after IN")
        }
        index += 1
        var values: [FilterValue] = []
        while true {
            if current?.kind == .closeBracket {
                index += 1
                return values
            }
            guard current != nil else {
                throw error("expected ']' to close the list opened at column \(open.column)")
            }
            values.append(try parseValue(after: values.isEmpty ? "'['" : "','"))
            if current?.kind == .comma {
                index += 1
                // `[1,]` most likely lost a value: say so rather than guess.
                if let close = current, close.kind == .closeBracket {
                    throw error("expected a value after ',' in the list opened at column \(open.column), found ']'", at: close)
                }
            } else if current?.kind != .closeBracket {
                throw error(
                    current == nil
                        ? "expected ']' to close the list opened at column \(open.column)"
                        : "expected ',' or ']' in the list opened at column \(open.column)")
            }
        }
    }

    mutating func parseValue(after what: String) throws(QuerySyntaxError) -> FilterValue {
        guard let token = current else {
            throw error("expected a value after \(what)")
        }
        switch token.kind {
        case .quoted(let text):
            index += 1
            if let seconds = ISO8601.parse(text) { return .date(seconds, text: text) }
            return .string(text)
        case .bare(let text):
            if text.isKeyword("AND") || text.isKeyword("OR") {
                throw error("expected a value after \(what), found '\(text)' (quote it to use it as a value)", at: token)
            }
            index += 1
            return try FilterValue.classify(bare: text, column: token.column)
        default:
            throw error("expected a value after \(what), found \(FilterParser.describe(token))", at: token)
        }
    }
}

extension FilterValue {
    /// Reads an unquoted filter value: boolean, null, number, date, or else a string.
    static func classify(bare text: String, column: Int) throws(QuerySyntaxError) -> FilterValue {
        if text.isKeyword("TRUE") { return .bool(true) }
        if text.isKeyword("FALSE") { return .bool(false) }
        if text.isKeyword("NULL") { return .null }
        if isNumberLiteral(text), let number = Double(text), number.isFinite {
            return .number(number)
        }
        if looksLikeDate(text) {
            guard let seconds = ISO8601.parse(text) else {
                throw QuerySyntaxError(
                    column: column,
                    message: "invalid date '\(text)'; expected ISO 8601 like 2026-01-01 or 2026-01-01T10:00:00Z")
            }
            return .date(seconds, text: text)
        }
        return .string(text)
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?` — stricter than `Double.init`, which also takes
    /// `nan`, `inf` and hex.
    static func isNumberLiteral(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        func digits() -> Int {
            var n = 0
            while let b = bytes.first, b >= 0x30, b <= 0x39 { bytes.removeFirst(); n += 1 }
            return n
        }
        if bytes.first == 0x2D || bytes.first == 0x2B { bytes.removeFirst() }
        guard digits() > 0 else { return false }
        if bytes.first == 0x2E {
            bytes.removeFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == 0x65 || bytes.first == 0x45 {
            bytes.removeFirst()
            if bytes.first == 0x2D || bytes.first == 0x2B { bytes.removeFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// `NNNN-N-N…` (a year, a month of one or two digits, a day of one or more, then the end or
    /// more): the shape of a date, so that a malformed one (`2026-1-5`, `2026-02-30`,
    /// `2026-01-123`) is reported instead of being compared as text. `1234-5678` is not one.
    static func looksLikeDate(_ text: String) -> Bool {
        var b = text.utf8[...]
        func digits(_ range: ClosedRange<Int>) -> Bool {
            var n = 0
            while let c = b.first, c >= 0x30, c <= 0x39 { b.removeFirst(); n += 1 }
            return range.contains(n)
        }
        func dash() -> Bool {
            guard b.first == 0x2D else { return false }
            b.removeFirst()
            return true
        }
        return digits(4...4) && dash() && digits(1...2) && dash() && digits(1...Int.max)
    }
}

extension String {
    /// Case-insensitive comparison with an upper-case ASCII keyword, without allocating.
    func isKeyword(_ upper: String) -> Bool {
        guard utf8.count == upper.utf8.count else { return false }
        for (a, b) in zip(utf8, upper.utf8) where a != b && !(a >= 0x61 && a <= 0x7A && a - 0x20 == b) {
            return false
        }
        return true
    }
}
