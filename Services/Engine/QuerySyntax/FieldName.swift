/// The rule for field names shared by the query, filter and sort languages:
/// `[A-Za-z_][A-Za-z0-9_.]*` (dots address nested fields, as in `author.name`).
public enum FieldName {
    /// Whether `name` is a valid field name.
    public static func isValid(_ name: some StringProtocol) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = first ? isStart(byte) : isContinue(byte)
            if !ok { return false }
            first = false
        }
        return !first
    }

    static func isStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    static func isContinue(_ b: UInt8) -> Bool {
        isStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2E
    }
}
