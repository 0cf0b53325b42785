/// One token of the query language, with the 1-based column where it starts.
struct QueryToken: Equatable {
    enum Kind: Equatable {
        /// A word or prefix, already stripped of surrounding punctuation.
        case word(String, field: String?, prefix: Bool)
        /// A quoted phrase, split into words.
        case phrase([String], field: String?)
        /// `field:(` — the field applies to every term in the group that names none itself.
        case fieldGroup(String)
        case open, close, minus
        case or, and, not
    }
    var kind: Kind
    var column: Int
}

/// Splits a query string into tokens.
///
/// Decisions worth knowing (see `QueryParser` for the grammar):
/// - A run of characters up to whitespace, `(`, `)` or `"` is one word. Surrounding characters
///   that are neither letters, digits nor `_` are stripped (`"ambassadør."` → `ambassadør`), inner
///   ones are kept (`tech-ambassadør`, `10:30`), so text pasted from an article parses.
///   A run that is only punctuation (`–`, `&`, `...`) is dropped.
/// - A trailing `*` makes a prefix (`ambassad*`).
/// - `name:rest` is a field term only when `name` is a field name (see `FieldName`: `område`,
///   `pris-kr`, `author.name`) and `rest` does not start with `//`. So `10:30` and `https://…`
///   stay words, and a hyphen makes a field name only before a colon (`tech-ambassadør` is a word).
///   `name:` with nothing after it (`Danmark: nyt`) is the word `name`, and a leading `:` is
///   punctuation, so a pasted headline parses.
/// - `-` at the start of a token excludes what follows, and so does `name:-rest` (the same as
///   `-name:rest`). Dashes followed by whitespace or the end (`Danmark - Australien`) are
///   punctuation and dropped.
/// - A phrase cannot hold a prefix (`"tech ambassad*"`): phrase matching is word by word, and
///   dropping the `*` silently would search for a word nobody typed.
/// - `OR`, `AND` and `NOT` are keywords only in upper case (after stripping punctuation);
///   `or` is a word. To search for the word, quote it: `"OR"`.
struct QueryLexer {
    private let chars: [Character]
    private var index = 0
    private(set) var tokens: [QueryToken] = []
    /// Whether a run of symbols without a letter or digit (`🎉`, `...`; not a lone `*`) was
    /// left out: a query of nothing else asked for something, not for everything.
    private(set) var droppedSymbols = false

    static func lex(_ query: String) throws(QuerySyntaxError) -> (tokens: [QueryToken], droppedSymbols: Bool) {
        var lexer = QueryLexer(chars: Array(query))
        try lexer.run()
        return (lexer.tokens, lexer.droppedSymbols)
    }

    private init(chars: [Character]) {
        self.chars = chars
    }

    private mutating func run() throws(QuerySyntaxError) {
        while index < chars.count {
            let c = chars[index]
            if c.isSpace {
                index += 1
            } else if c == "(" {
                emit(.open, at: index)
                index += 1
            } else if c == ")" {
                emit(.close, at: index)
                index += 1
            } else if c == "\"" {
                let start = index
                let words = try phrase(field: nil)
                emit(.phrase(words, field: nil), at: start)
            } else if c == "-" {
                var end = index
                while end < chars.count, chars[end] == "-" { end += 1 }
                if end == chars.count || chars[end].isSpace {
                    // A dash standing alone is punctuation from pasted text, not an exclusion.
                    droppedSymbols = true
                    index = end
                } else {
                    emit(.minus, at: index)
                    index += 1
                }
            } else {
                try word()
            }
        }
    }

    private mutating func emit(_ kind: QueryToken.Kind, at position: Int) {
        tokens.append(QueryToken(kind: kind, column: position + 1))
    }

    /// Reads `"…"` starting at the opening quote; returns its words.
    private mutating func phrase(field: String?) throws(QuerySyntaxError) -> [String] {
        let open = index
        index += 1
        while index < chars.count, chars[index] != "\"" { index += 1 }
        guard index < chars.count else {
            throw QuerySyntaxError(
                column: chars.count + 1,
                message: "expected '\"' to close the phrase opened at column \(open + 1)")
        }
        let close = index
        index += 1
        var words: [String] = []
        var i = open + 1
        while i < close {
            if chars[i].isSpace { i += 1; continue }
            let start = i
            while i < close, !chars[i].isSpace { i += 1 }
            let (word, prefix) = Self.strip(String(chars[start..<i]), allowStar: true)
            if prefix {
                throw QuerySyntaxError(
                    column: start + 1,
                    message: "a phrase cannot hold a prefix ('\(word)*'); expected whole words inside the quotes, or the prefix outside them")
            }
            if !word.isEmpty { words.append(word) }
        }
        guard !words.isEmpty else {
            let what = field.map { "'\($0):' phrase" } ?? "phrase"
            throw QuerySyntaxError(column: open + 1, message: "expected at least one word inside the \(what)")
        }
        return words
    }

    private mutating func word() throws(QuerySyntaxError) {
        let start = index
        while index < chars.count {
            let c = chars[index]
            if c.isSpace || c == "(" || c == ")" || c == "\"" { break }
            index += 1
        }
        // Leading punctuation goes first, so that field names and keywords are recognised
        // on what remains (`«title:x` is a field term, `,OR` is the keyword).
        var lead = start
        while lead < index, !Self.isWordCharacter(chars[lead]) { lead += 1 }
        guard lead < index else {
            if chars[start..<index].contains(where: { $0 != "*" }) { droppedSymbols = true }
            return
        }
        let run = String(chars[lead..<index])
        let (text, prefix) = Self.strip(run, allowStar: true)
        if !prefix {
            switch text {
            case "OR": return emit(.or, at: lead)
            case "AND": return emit(.and, at: lead)
            case "NOT": return emit(.not, at: lead)
            default: break
            }
        }

        if let colon = run.firstIndex(of: ":"), FieldName.isValid(run[..<colon]) {
            let field = String(run[..<colon])
            var rest = run[run.index(after: colon)...]
            // `title:-java` excludes, as `-title:java` does, rather than losing the `-` as
            // surrounding punctuation and including java.
            let excluded = rest.first == "-"
            if excluded { rest = rest.dropFirst() }
            if rest.isEmpty {
                // `field:"phrase"` and `field:(group)` continue right after the colon.
                if index < chars.count, chars[index] == "\"" {
                    if excluded { emit(.minus, at: lead) }
                    let words = try phrase(field: field)
                    return emit(.phrase(words, field: field), at: lead)
                }
                if index < chars.count, chars[index] == "(" {
                    if excluded { emit(.minus, at: lead) }
                    index += 1
                    return emit(.fieldGroup(field), at: lead)
                }
            } else if !rest.hasPrefix("//") {
                let (text, prefix) = Self.strip(String(rest), allowStar: true)
                if !text.isEmpty {
                    if excluded { emit(.minus, at: lead) }
                    return emit(.word(text, field: field, prefix: prefix), at: lead)
                }
            }
            // No value after the colon (`Danmark: nyt`, `Kilde:»`): the colon is punctuation
            // of pasted text, and `text` below is the word before it.
        }
        if !text.isEmpty {
            emit(.word(text, field: nil, prefix: prefix), at: lead)
        }
    }

    /// Strips characters that are neither letters nor digits from both ends; with `allowStar`,
    /// trailing `*`s mark a prefix and are removed too.
    static func strip(_ run: String, allowStar: Bool) -> (text: String, prefix: Bool) {
        var chars = Substring(run)
        while let c = chars.first, !isWordCharacter(c) { chars.removeFirst() }
        var prefix = false
        while let c = chars.last, !isWordCharacter(c) {
            if c == "*" && allowStar { prefix = true }
            chars.removeLast()
        }
        return (String(chars), prefix && !chars.isEmpty)
    }

    /// Letters, digits and `_` (which may start a field name).
    static func isWordCharacter(_ c: Character) -> Bool {
        c.isWordCharacter
    }
}
