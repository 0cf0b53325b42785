/// Parses the `q` of a search request into a `QueryNode`.
///
/// Grammar, loosest binding first:
/// ```
/// query    := sequence                       // empty or all-whitespace → .all
/// sequence := item ( [AND] item )*           // all items must match
/// item     := either ( OR either )*          // OR binds tighter: `a b OR c` = a AND (b OR c)
/// either   := ( '-' | NOT ) primary | primary
/// primary  := word | prefix* | "phrase" | field:term | field:"phrase"
///           | '(' sequence ')' | field:( sequence )
/// ```
/// Decisions:
/// - A query, or a parenthesised group, made only of exclusions (`-foo`) is an error
///   ("a query needs at least one term to include"): the engine has no cheap "everything but"
///   and a user who typed only `-foo` most likely forgot the rest. Use an empty `q` with a
///   filter to browse everything.
/// - An exclusion cannot be one side of `OR` (`a OR -b`): it would mean "a, or anything without
///   b", which nobody means.
/// - `field:( … )` applies the field to every term inside that names no field itself.
/// - Nested groups of the same kind are flattened (`(a b) c` → `.and([a, b, c])`); a group of
///   one is just that node.
/// - For lexical decisions (punctuation, colons, keywords) see `QueryLexer`.
public enum QueryParser {
    /// Parses `query`; throws a `QuerySyntaxError` naming the column and what was expected.
    public static func parse(_ query: String) throws(QuerySyntaxError) -> QueryNode {
        if let error = QuerySyntaxLimits.tooLong(query, "query") { throw error }
        let (tokens, droppedSymbols) = try QueryLexer.lex(query)
        // Symbols alone (`🎉`) match nothing; an empty query or a lone `*` matches everything.
        if tokens.isEmpty && droppedSymbols { return .none }
        var parser = Parser(tokens: tokens, end: query.count + 1)
        return try parser.parseQuery()
    }
}

private struct Parser {
    let tokens: [QueryToken]
    let end: Int
    var index = 0
    /// Groups open around the current token.
    var depth = 0
    /// Words (each of a phrase's) and prefixes so far.
    var terms = 0, prefixes = 0

    init(tokens: [QueryToken], end: Int) {
        self.tokens = tokens
        self.end = end
    }

    var current: QueryToken? { index < tokens.count ? tokens[index] : nil }

    /// An item of a sequence: a node and whether it is excluded.
    struct Item {
        var node: QueryNode
        var excluded: Bool
        var column: Int
    }

    mutating func parseQuery() throws(QuerySyntaxError) -> QueryNode {
        if tokens.isEmpty { return .all }
        let node = try parseSequence(field: nil, openedAt: nil)
        if let stray = current {
            // parseSequence only stops early at ')'.
            throw QuerySyntaxError(column: stray.column, message: "found ')' without a matching '('")
        }
        return node
    }

    /// Parses items until `)` or the end. `openedAt` is the column of the `(` that opened the group.
    mutating func parseSequence(field: String?, openedAt: Int?) throws(QuerySyntaxError) -> QueryNode {
        var items: [Item] = []
        while let token = current, token.kind != .close {
            if token.kind == .and {
                guard !items.isEmpty else {
                    throw QuerySyntaxError(column: token.column, message: "expected a word, phrase or '(' before 'AND'")
                }
                index += 1
                guard let next = current, startsTerm(next.kind) else {
                    throw QuerySyntaxError(
                        column: current?.column ?? end, message: "expected a word, phrase or '(' after 'AND'")
                }
            }
            items.append(try parseItem(field: field))
        }
        if let open = openedAt {
            guard current?.kind == .close else {
                throw QuerySyntaxError(
                    column: end, message: "expected ')' to close the group opened at column \(open)")
            }
        }
        guard let firstItem = items.first else {
            // Only reachable for `()`: the top level returns `.all` before parsing.
            throw QuerySyntaxError(
                column: current?.column ?? end, message: "expected a word, phrase or '(' inside the parentheses")
        }
        guard items.contains(where: { !$0.excluded }) else {
            throw QuerySyntaxError(
                column: firstItem.column,
                message: "a query needs at least one term to include; '-' and NOT only exclude")
        }
        if items.count == 1 { return firstItem.node }
        var children: [QueryNode] = []
        for item in items {
            if item.excluded {
                children.append(.not(item.node))
            } else if case .and(let inner) = item.node {
                children.append(contentsOf: inner)
            } else {
                children.append(item.node)
            }
        }
        return .and(children)
    }

    /// `either ( OR either )*`
    mutating func parseItem(field: String?) throws(QuerySyntaxError) -> Item {
        let first = try parseEither(field: field)
        guard current?.kind == .or else { return first }
        var alternatives = [first]
        while let token = current, token.kind == .or {
            index += 1
            guard let next = current, startsTerm(next.kind) else {
                throw QuerySyntaxError(
                    column: current?.column ?? end, message: "expected a word, phrase or '(' after 'OR'")
            }
            alternatives.append(try parseEither(field: field))
        }
        if let excluded = alternatives.first(where: \.excluded) {
            throw QuerySyntaxError(
                column: excluded.column,
                message: "an excluded term cannot be one side of OR; expected a word, phrase or '('")
        }
        var children: [QueryNode] = []
        for alternative in alternatives {
            if case .or(let inner) = alternative.node {
                children.append(contentsOf: inner)
            } else {
                children.append(alternative.node)
            }
        }
        return Item(node: .or(children), excluded: false, column: first.column)
    }

    /// `( '-' | NOT ) primary | primary`
    mutating func parseEither(field: String?) throws(QuerySyntaxError) -> Item {
        guard let token = current else {
            throw QuerySyntaxError(column: end, message: "expected a word, phrase or '('")
        }
        switch token.kind {
        case .minus, .not:
            index += 1
            let name = token.kind == .minus ? "-" : "NOT"
            guard let next = current, startsPrimary(next.kind) else {
                throw QuerySyntaxError(
                    column: current?.column ?? end, message: "expected a word, phrase or '(' after '\(name)'")
            }
            return Item(node: try parsePrimary(field: field), excluded: true, column: token.column)
        case .or:
            throw QuerySyntaxError(column: token.column, message: "expected a word, phrase or '(' before 'OR'")
        case .and:
            throw QuerySyntaxError(column: token.column, message: "expected a word, phrase or '(' before 'AND'")
        default:
            return Item(node: try parsePrimary(field: field), excluded: false, column: token.column)
        }
    }

    /// Counts a term (a phrase's words each) against `QuerySyntaxLimits`.
    mutating func count(terms n: Int, prefix: Bool, at column: Int) throws(QuerySyntaxError) {
        terms += n
        if prefix { prefixes += 1 }
        if terms > QuerySyntaxLimits.maxTerms {
            throw QuerySyntaxError(column: column, message: "more than \(QuerySyntaxLimits.maxTerms) words (counting each word of a phrase)")
        }
        if prefixes > QuerySyntaxLimits.maxPrefixes {
            throw QuerySyntaxError(column: column, message: "more than \(QuerySyntaxLimits.maxPrefixes) prefix* terms")
        }
    }

    mutating func parsePrimary(field: String?) throws(QuerySyntaxError) -> QueryNode {
        guard let token = current else {
            throw QuerySyntaxError(column: end, message: "expected a word, phrase or '('")
        }
        index += 1
        switch token.kind {
        case .word(let text, let own, let prefix):
            try count(terms: 1, prefix: prefix, at: token.column)
            return prefix ? .prefix(text, field: own ?? field) : .word(text, field: own ?? field)
        case .phrase(let words, let own):
            try count(terms: words.count, prefix: false, at: token.column)
            return .phrase(words, field: own ?? field)
        case .open:
            return try group(field: field, openedAt: token.column)
        case .fieldGroup(let own):
            return try group(field: own, openedAt: token.column + own.count + 1)
        case .close:
            throw QuerySyntaxError(column: token.column, message: "found ')' without a matching '('")
        case .minus, .not, .or, .and:
            throw QuerySyntaxError(column: token.column, message: "expected a word, phrase or '('")
        }
    }

    mutating func group(field: String?, openedAt column: Int) throws(QuerySyntaxError) -> QueryNode {
        guard depth < QuerySyntaxLimits.maxNesting else { throw QuerySyntaxLimits.tooDeep(at: column) }
        depth += 1
        defer { depth -= 1 }
        let node = try parseSequence(field: field, openedAt: column)
        index += 1  // the ')' that parseSequence checked for
        return node
    }

    func startsTerm(_ kind: QueryToken.Kind) -> Bool {
        switch kind {
        case .close, .or, .and: false
        default: true
        }
    }

    func startsPrimary(_ kind: QueryToken.Kind) -> Bool {
        switch kind {
        case .word, .phrase, .open, .fieldGroup: true
        default: false
        }
    }
}
