import TidendeQuerySyntax

/// A filter compiled against one segment's doc values into a predicate on local documents.
///
/// Semantics: a comparison matches when *any* value of the field does (arrays of scalars);
/// `!=` matches when no value is equal (so a document without the field matches); strings
/// compare exactly (case-sensitive, by Unicode order), and a number or boolean equals the string
/// that spells it (`= 95` finds `"95"`, `= "95"` finds `95`); a date literal (quoted or not)
/// compares with ISO date strings as instants, with numbers as seconds since 1970, and with
/// nothing else (a string that is not a date never matches it), and a date without a time stands
/// for its whole day (UTC), as in Elasticsearch: `= 2026-01-05` is any time that day, `<=` and
/// `>` take the day's end, `<` and `>=` its start; `= null` means the field is absent; `EXISTS`
/// is true for a field with a value or with indexed text.
struct FilterEvaluator {
    let segment: Segment
    let fields: FieldRegistry

    func compile(_ node: FilterNode) -> (Int) -> Bool {
        switch node {
        case .and(let children):
            return Self.all(children.map(compile))
        case .or(let children):
            return Self.any(children.map(compile))
        case .not(let child):
            let p = compile(child)
            return { d in !p(d) }
        case .exists(let field):
            return exists(field)
        case .isIn(let field, let values):
            if let p = stringsEqual(field, values) { return p }
            return Self.any(values.map { compare(field, .eq, $0) })
        case .compare(let field, .ne, let value):
            let eq = stringsEqual(field, [value]) ?? compare(field, .eq, value)
            return { d in !eq(d) }
        case .compare(let field, .eq, let value):
            return stringsEqual(field, [value]) ?? compare(field, .eq, value)
        case .compare(let field, let op, let value):
            return compare(field, op, value)
        }
    }

    /// Predicates joined pairwise (a closure calling two captured ones, not a loop over an array
    /// of closures, which retains and releases each on every document).
    private static func all(_ preds: [(Int) -> Bool]) -> (Int) -> Bool {
        guard let first = preds.first else { return { _ in true } }
        return preds.dropFirst().reduce(first) { a, b in { d in a(d) && b(d) } }
    }

    private static func any(_ preds: [(Int) -> Bool]) -> (Int) -> Bool {
        guard let first = preds.first else { return { _ in false } }
        return preds.dropFirst().reduce(first) { a, b in { d in a(d) || b(d) } }
    }

    /// `field = s` or `field IN [s, …]` for plain strings (not numbers, booleans or dates, which
    /// `compare` also matches against numeric and boolean values): a document matches when one
    /// of its string values has one of the literals' ordinals. Nil when a value is not plain.
    private func stringsEqual(_ field: String, _ values: [FilterValue]) -> ((Int) -> Bool)? {
        var literals: [String] = []
        for v in values {
            guard case .string(let s) = v, Double(s) == nil, s != "true", s != "false" else { return nil }
            literals.append(s)
        }
        guard let f = fields.id(of: field), let column = segment.docValues[f] else { return { _ in false } }
        // A few ordinals: a linear scan beats hashing.
        let wanted = literals.map { column.ordinal(of: $0) }.filter { $0 >= 0 }.map { Int32($0) }
        if wanted.isEmpty { return { _ in false } }
        let docStart = column.docStart, kinds = column.kinds, ordinals = column.ordinals
        let string = DocValuesColumn.Kind.string.rawValue
        let only = wanted.count == 1 ? wanted.first! : -1
        return { d in
            for i in Int(docStart[d])..<Int(docStart[d + 1]) where kinds[i] == string {
                if only >= 0 ? ordinals[i] == only : wanted.contains(ordinals[i]) { return true }
            }
            return false
        }
    }

    /// `field EXISTS`: the field has a value or indexed text; for an object (`author` of
    /// `{"author":{"name":…}}`), any field within it does.
    private func exists(_ field: String) -> (Int) -> Bool {
        let inner = field + "."
        let ids = fields.names.indices.filter { fields.names[$0] == field || fields.names[$0].hasPrefix(inner) }
        return Self.any(ids.map { f in
            let column = segment.docValues[UInt16(f)]
            let lengths = segment.fieldLengths[UInt16(f)]
            return { d in
                if let column, !column.valueRange(d).isEmpty { return true }
                if let lengths, lengths[d] > 0 { return true }
                return false
            }
        })
    }

    /// `a op [from, to)`: `b` stands for the span from `from` up to, not including, `to` (a
    /// date's whole day; an instant or a number is the span from itself to the next value).
    private static func test(_ a: Double, _ op: FilterComparison, from: Double, to: Double) -> Bool {
        switch op {
        case .eq: return a >= from && a < to
        case .ne: return a < from || a >= to
        case .lt: return a < from
        case .le: return a < to
        case .gt: return a >= to
        case .ge: return a >= from
        }
    }

    private static func test(_ a: Double, _ op: FilterComparison, _ b: Double) -> Bool {
        switch op {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }

    /// `op` never is `.ne` here: `!=` is compiled as the negation of `=`.
    private func compare(_ field: String, _ op: FilterComparison, _ value: FilterValue) -> (Int) -> Bool {
        if case .null = value {
            let e = exists(field)
            return op == .eq ? { d in !e(d) } : { _ in false }
        }
        guard let f = fields.id(of: field), let column = segment.docValues[f] else { return { _ in false } }
        // Where the literal sits among the column's sorted strings, for string comparisons.
        let stringTest: ((Int32) -> Bool)?
        var literalText: String?
        switch value {
        case .string(let s): literalText = s
        // `= 95` and `= true` also equal the strings "95" and "true", as `= "95"` equals the
        // number 95: whether a producer quoted a value should not decide whether `=` finds it.
        case .number(let n) where op == .eq: literalText = FilterValue.text(ofNumber: n)
        case .bool(let b) where op == .eq: literalText = b ? "true" : "false"
        default: literalText = nil
        }
        if let s = literalText {
            let r = column.ordinal(of: s)
            let found = r >= 0
            let at = Int32(found ? r : -r - 1)
            switch op {
            case .eq, .ne: stringTest = found ? { $0 == at } : { _ in false }
            case .lt: stringTest = { $0 < at }
            case .le: stringTest = found ? { $0 <= at } : { $0 < at }
            case .gt: stringTest = found ? { $0 > at } : { $0 >= at }
            case .ge: stringTest = { $0 >= at }
            }
        } else {
            stringTest = nil
        }
        let numeric: Double? = switch value {
        case .number(let n): n
        case .date(let t, _): t
        case .bool(let b): b ? 1 : 0
        case .string(let s): Double(s)
        case .null: nil
        }
        // A date literal's span: its whole day when it has no time (`2026-01-05`), else the instant.
        let dateEnd: Double = switch value {
        case .date(let t, let text) where text.utf8.count == 10: t + 86_400
        case .date(let t, _): t.nextUp
        default: .nan
        }
        let wantsBool: Bool = if case .bool = value { true } else { false }
        let isDate: Bool = if case .date = value { true } else { false }
        let stringBool: Bool? = if case .string(let s) = value { s == "true" ? true : s == "false" ? false : nil } else { nil }
        let kinds = column.kinds, ordinals = column.ordinals
        return { d in
            for i in column.valueRange(d) {
                let number = column.number(i)
                switch DocValuesColumn.Kind(rawValue: kinds[i]) {
                case .bool:
                    if wantsBool, let n = numeric, Self.test(number, op, n) { return true }
                    if let b = stringBool, op == .eq, (number != 0) == b { return true }
                case .number:
                    if isDate, let n = numeric {
                        if Self.test(number, op, from: n, to: dateEnd) { return true }
                    } else if !wantsBool, let n = numeric, Self.test(number, op, n) { return true }
                case .truncated:
                    // Only a prefix is kept: it can order, never equal (and is no date).
                    if op != .eq, !isDate, let st = stringTest, st(ordinals[i]) { return true }
                case .string:
                    // A date compares with dates only: ordering "not a date" among date texts
                    // would let `> 2025-01-01` match it.
                    if isDate {
                        if !number.isNaN, let n = numeric, Self.test(number, op, from: n, to: dateEnd) { return true }
                    } else if let st = stringTest, st(ordinals[i]) {
                        return true
                    }
                case nil: break
                }
            }
            return false
        }
    }
}
