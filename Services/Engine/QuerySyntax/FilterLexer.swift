/// One token of the filter language, with the 1-based column where it starts.
struct FilterToken: Equatable {
    enum Kind: Equatable {
        /// A bare run: a field name, a keyword, or an unquoted value (`article`, `-3.5`, `2026-01-01`).
        case bare(String)
        /// A quoted string, escapes resolved.
        case quoted(String)
        /// A run of `=`, `!`, `<`, `>` (validated by the parser, so `=>` can be named in an error).
        case op(String)
        case open, close, openBracket, closeBracket, comma
    }
    var kind: Kind
    var column: Int
    /// Width in characters, to point just past the token.
    var width: Int
}

/// Splits a filter expression into tokens.
///
/// A bare run ends at whitespace, a bracket, a parenthesis, a comma or an operator character;
/// quotes are special only at the start of a token (so `O'Brien` is one bare value).
/// Quoted strings take `"…"` or `'…'` with backslash escapes: `\n`, `\t`, `\r`, `\uXXXX`, and
/// any other escaped character stands for itself (`\"`, `\\`).
struct FilterLexer {
    private let chars: [Character]
    private var index = 0
    private(set) var tokens: [FilterToken] = []

    static func tokenize(_ filter: String) throws(QuerySyntaxError) -> [FilterToken] {
        var lexer = FilterLexer(chars: Array(filter))
        try lexer.run()
        return lexer.tokens
    }

    private init(chars: [Character]) {
        self.chars = chars
    }

    private static func isOperator(_ c: Character) -> Bool {
        c == "=" || c == "!" || c == "<" || c == ">"
    }

    private static func endsBare(_ c: Character) -> Bool {
        switch c {
        case "(", ")", "[", "]", ",", "=", "!", "<", ">": true
        default: c.isSpace
        }
    }

    private mutating func run() throws(QuerySyntaxError) {
        while index < chars.count {
            let c = chars[index]
            let start = index
            switch c {
            case _ where c.isSpace:
                index += 1
            case "(": single(.open)
            case ")": single(.close)
            case "[": single(.openBracket)
            case "]": single(.closeBracket)
            case ",": single(.comma)
            case "\"", "'":
                let text = try quoted()
                tokens.append(FilterToken(kind: .quoted(text), column: start + 1, width: index - start))
            case _ where Self.isOperator(c):
                while index < chars.count, Self.isOperator(chars[index]) { index += 1 }
                let op = String(chars[start..<index])
                tokens.append(FilterToken(kind: .op(op), column: start + 1, width: index - start))
            default:
                while index < chars.count, !Self.endsBare(chars[index]) { index += 1 }
                let text = String(chars[start..<index])
                tokens.append(FilterToken(kind: .bare(text), column: start + 1, width: index - start))
            }
        }
    }

    private mutating func single(_ kind: FilterToken.Kind) {
        tokens.append(FilterToken(kind: kind, column: index + 1, width: 1))
        index += 1
    }

    private mutating func quoted() throws(QuerySyntaxError) -> String {
        let quote = chars[index]
        let open = index + 1
        index += 1
        var text = ""
        while index < chars.count {
            let c = chars[index]
            index += 1
            if c == quote { return text }
            guard c == "\\" else {
                text.append(c)
                continue
            }
            guard index < chars.count else { break }
            let escaped = chars[index]
            index += 1
            switch escaped {
            case "n": text.append("\n")
            case "t": text.append("\t")
            case "r": text.append("\r")
            case "u":
                guard let scalar = hexScalar() else {
                    throw QuerySyntaxError(
                        column: index + 1, message: "expected four hex digits after '\\u' in the string opened at column \(open)")
                }
                text.unicodeScalars.append(scalar)
            default: text.append(escaped)
            }
        }
        throw QuerySyntaxError(
            column: chars.count + 1, message: "expected '\(quote)' to close the string opened at column \(open)")
    }

    private mutating func hexScalar() -> Unicode.Scalar? {
        guard index + 4 <= chars.count else { return nil }
        let digits = String(chars[index..<index + 4])
        guard digits.allSatisfy(\.isHexDigit), let value = UInt32(digits, radix: 16),
            let scalar = Unicode.Scalar(value)
        else { return nil }
        index += 4
        return scalar
    }
}
