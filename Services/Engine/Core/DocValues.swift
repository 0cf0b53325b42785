import TidendeAnalysis

/// A scalar value of a document field, as kept for filters, sorting and facets.
enum DocValue: Sendable, Hashable {
    case bool(Bool)
    case number(Double)
    /// A string, with its instant if it reads as an ISO 8601 date.
    case string(String, date: Double?)
    /// The first bytes of a string too long to keep whole: enough to sort by, not to filter on.
    case truncated(String)
}

/// One field's values over a segment's documents, columnar: documents index into flat value
/// arrays (an array field gives several values to one document). Strings are stored once, sorted,
/// and referenced by ordinal, so equality and range filters compare integers.
final class DocValuesColumn: Sendable {
    enum Kind: UInt8 { case bool = 1, number = 2, string = 3, truncated = 4 }

    /// `docStart[d] ..< docStart[d + 1]` are document `d`'s values.
    let docStart: [UInt32]
    let kinds: [UInt8]
    /// Number, bool (0/1) or a string's date (NaN when it is not a date); empty when every
    /// value would be NaN (a column of plain strings), which saves 8 bytes a value.
    let numbers: [Double]
    /// String ordinal into `strings`, -1 for non-strings.
    let ordinals: [Int32]
    /// Distinct strings, sorted by UTF-8 bytes.
    let strings: StringTable
    /// For a column where no document has more than one value (most: `type`, `section`,
    /// `author`…): each document's string ordinal, or `Self.noValue`, `Self.notString` (a number
    /// or bool) or `Self.truncatedString`. Facet counting reads this one array per hit instead of
    /// `docStart`, `kinds` and `ordinals` (three cache misses). Nil for multi-valued columns;
    /// derived from the others, so not written to snapshots.
    let singleOrdinals: [Int32]?
    static let noValue: Int32 = -1, notString: Int32 = -2, truncatedString: Int32 = -3

    init(docStart: [UInt32], kinds: [UInt8], numbers: [Double], ordinals: [Int32], strings: StringTable) {
        self.docStart = docStart
        self.kinds = kinds
        self.numbers = numbers.allSatisfy(\.isNaN) ? [] : numbers
        self.ordinals = ordinals
        self.strings = strings
        singleOrdinals = Self.singleOrdinals(docStart: docStart, kinds: kinds, ordinals: ordinals)
    }

    private static func singleOrdinals(docStart: [UInt32], kinds: [UInt8], ordinals: [Int32]) -> [Int32]? {
        let docs = docStart.count - 1
        // A column without strings (numbers, bools) counts through the general path anyway.
        guard docs > 0, ordinals.contains(where: { $0 >= 0 }) else { return nil }
        var out = [Int32](repeating: noValue, count: docs)
        for d in 0..<docs {
            let start = Int(docStart[d]), end = Int(docStart[d + 1])
            if end - start > 1 { return nil }
            if end == start { continue }
            switch kinds[start] {
            case Kind.string.rawValue: out[d] = ordinals[start]
            case Kind.truncated.rawValue: out[d] = truncatedString
            default: out[d] = notString
            }
        }
        return out
    }

    func valueRange(_ doc: Int) -> Range<Int> { Int(docStart[doc])..<Int(docStart[doc + 1]) }

    @inline(__always) func number(_ i: Int) -> Double { numbers.isEmpty ? .nan : numbers[i] }

    func value(at i: Int) -> DocValue {
        switch Kind(rawValue: kinds[i]) {
        case .bool: return .bool(number(i) != 0)
        case .number: return .number(number(i))
        case .truncated: return .truncated(strings[Int(ordinals[i])])
        default:
            let n = number(i)
            return .string(strings[Int(ordinals[i])], date: n.isNaN ? nil : n)
        }
    }

    /// Ordinal of `literal` in `strings`, or where it would be inserted (negative: `-(insertion) - 1`).
    func ordinal(of literal: String) -> Int {
        // The column's strings are in NFC (`FlatDocument`); so is what they are compared with.
        let s = TermFolding.nfc(literal)
        let lo = strings.lowerBound(s)
        if lo < strings.count && strings.equals(lo, s) { return lo }
        return -lo - 1
    }

    var memoryBytes: Int {
        docStart.count * 4 + kinds.count * 5 + numbers.count * 8 + strings.memoryBytes + (singleOrdinals?.count ?? 0) * 4
    }
}

/// Accumulates one field's values document by document, then sorts its strings.
struct DocValuesColumnBuilder {
    var docStart: [UInt32] = [0]
    var values: [DocValue] = []

    /// Appends the values of the next document (pads documents that lacked the field).
    mutating func add(doc: Int, _ newValues: [DocValue]) {
        while docStart.count <= doc { docStart.append(UInt32(values.count)) }
        values.append(contentsOf: newValues)
        docStart.append(UInt32(values.count))
    }

    func build(docCount: Int, keep: (Int) -> Bool = { _ in true }) -> DocValuesColumn {
        var starts = docStart
        while starts.count <= docCount { starts.append(UInt32(values.count)) }
        // Distinct strings by sorting them all (on integer prefix keys) and dropping repeats:
        // hashing every value into a set and a dictionary was a fifth of sealing a segment.
        var all: [String] = []
        var stringOf = [Int32](repeating: -1, count: values.count)
        for (i, v) in values.enumerated() {
            switch v {
            case .string(let s, _), .truncated(let s):
                stringOf[i] = Int32(all.count)
                all.append(s)
            default: break
            }
        }
        var strings: [String] = []
        var ordinalOf = [Int32](repeating: 0, count: all.count)
        var previous: String?
        for i in ByteOrder.sortedOrder(all) {
            if previous.map({ ByteOrder.compare($0, all[i]) != 0 }) ?? true {
                strings.append(all[i])
                previous = all[i]
            }
            ordinalOf[i] = Int32(strings.count - 1)
        }
        var outStart: [UInt32] = [0]
        var kinds: [UInt8] = [], numbers: [Double] = [], ordinals: [Int32] = []
        for d in 0..<docCount where keep(d) {
            for i in Int(starts[d])..<Int(starts[d + 1]) {
                switch values[i] {
                case .bool(let b): kinds.append(DocValuesColumn.Kind.bool.rawValue); numbers.append(b ? 1 : 0); ordinals.append(-1)
                case .number(let n): kinds.append(DocValuesColumn.Kind.number.rawValue); numbers.append(n); ordinals.append(-1)
                case .string(_, let date):
                    kinds.append(DocValuesColumn.Kind.string.rawValue)
                    numbers.append(date ?? .nan)
                    ordinals.append(ordinalOf[Int(stringOf[i])])
                case .truncated:
                    kinds.append(DocValuesColumn.Kind.truncated.rawValue)
                    numbers.append(.nan)
                    ordinals.append(ordinalOf[Int(stringOf[i])])
                }
            }
            outStart.append(UInt32(kinds.count))
        }
        return DocValuesColumn(docStart: outStart, kinds: kinds, numbers: numbers, ordinals: ordinals,
                               strings: StringTable(sorted: strings))
    }
}
