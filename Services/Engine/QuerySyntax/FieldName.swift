/// The rule for field names shared by the query, filter and sort languages: a letter (any
/// script, so `område` and `år` work) or `_`, then letters, digits, `_`, `-` and `.`; dots
/// address nested fields (`author.name`), so a name cannot end with one or hold two in a row.
/// Documents' fields are free-form JSON keys: the rule admits the ones people actually write,
/// while keeping `10:30` and `https://…` words in a query.
public enum FieldName {
    /// The rule in words, for error messages.
    public static let rule = "a letter or '_', then letters, digits, '_', '-' or '.', with no empty part between dots"

    /// Whether `name` is a valid field name.
    public static func isValid(_ name: some StringProtocol) -> Bool {
        var previous: Character?
        for c in name {
            if let p = previous {
                guard isContinue(c), !(c == "." && p == ".") else { return false }
            } else {
                guard isStart(c) else { return false }
            }
            previous = c
        }
        return previous != nil && previous != "."
    }

    static func isStart(_ c: Character) -> Bool {
        if let a = c.asciiValue { return (a >= 0x41 && a <= 0x5A) || (a >= 0x61 && a <= 0x7A) || a == 0x5F }
        return c.isLetter
    }

    static func isContinue(_ c: Character) -> Bool {
        c.isWordCharacter || c == "." || c == "-"
    }
}
