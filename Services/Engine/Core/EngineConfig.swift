/// Settings of an `Engine`. Every field has a documented default; the struct is plain data.
public struct EngineConfig: Sendable {
    /// BM25 weight of each field, by dotted path. Fields not listed get `defaultFieldWeight`.
    /// Defaults: `title` 3, `lead`/`summary`/`tags` 2, `body` 1.
    public var fieldWeights: [String: Double]
    /// Weight of any string field not named in `fieldWeights` (default 1).
    public var defaultFieldWeight: Double
    /// BM25 term-frequency saturation (default 1.2).
    public var k1: Double
    /// BM25 length normalisation (default 0.75).
    public var b: Double
    /// String fields that are kept as values (filter, sort, facet) but not indexed as text.
    /// Default: `id`, `lang`, `published_at`.
    public var unindexedFields: Set<String>
    /// The field holding a document's date for recency tie-breaks (default `published_at`).
    public var recencyField: String
    /// The field holding a document's language (`da`/`en`); detected from its text when absent.
    public var languageField: String
    /// Strings up to this many UTF-8 bytes are kept whole as doc values (filter, sort, facet).
    /// Longer ones in `sortPrefixFields` keep only their first `sortPrefixBytes` bytes: they sort by
    /// that prefix and range filters see it, but `=`, `IN` and facets ignore them. They are
    /// always searchable as text. Default 64.
    public var maxDocValueBytes: Int
    /// See `maxDocValueBytes`; 0 keeps nothing of long strings. Default 24.
    public var sortPrefixBytes: Int
    /// The fields whose long strings keep a sort prefix (default `title`): other long strings
    /// (bodies, leads) are not kept as values at all, which saves memory.
    public var sortPrefixFields: Set<String>
    /// Largest `offset + limit` a search may ask for (default 10 000).
    public var maxResultWindow: Int
    /// A `refresh` seals buffered documents into a segment; once this many segments of a similar
    /// size exist they are merged into one (default 8).
    public var mergeFactor: Int
    /// Merges of more than this many documents run on a background thread, so `refresh` stays
    /// cheap; smaller ones run inside `refresh` (default 4 000: a merge of up to 20 000 inside
    /// `refresh` held up a steady 12 000 docs/s upload, ack→searchable p99 124 → 91 ms).
    public var backgroundMergeDocuments: Int
    /// The writer seals its buffer into a segment on its own once it holds this many documents,
    /// so that bulk loads do not grow one huge buffer (default 20 000).
    public var maxBufferedDocuments: Int
    /// Length in words of a snippet cut from a long field for highlighting (default 30).
    public var snippetWords: Int
    /// Fields whose text is longer than this many UTF-8 bytes are highlighted as a snippet.
    public var snippetThresholdBytes: Int
    /// A preparer trains a zstd dictionary for stored documents on its first this many documents
    /// and compresses the following ones with it (default 2 000; 0: never).
    public var storedDictionaryAfter: Int

    public init(
        fieldWeights: [String: Double] = ["title": 3, "lead": 2, "summary": 2, "tags": 2, "body": 1],
        defaultFieldWeight: Double = 1,
        k1: Double = 1.2,
        b: Double = 0.75,
        unindexedFields: Set<String> = ["id", "lang", "published_at"],
        recencyField: String = "published_at",
        languageField: String = "lang",
        maxDocValueBytes: Int = 64,
        sortPrefixBytes: Int = 24,
        sortPrefixFields: Set<String> = ["title"],
        maxResultWindow: Int = 10_000,
        mergeFactor: Int = 8,
        backgroundMergeDocuments: Int = 4_000,
        maxBufferedDocuments: Int = 20_000,
        snippetWords: Int = 30,
        snippetThresholdBytes: Int = 300,
        storedDictionaryAfter: Int = 2_000
    ) {
        self.fieldWeights = fieldWeights
        self.defaultFieldWeight = defaultFieldWeight
        self.k1 = k1
        self.b = b
        self.unindexedFields = unindexedFields
        self.recencyField = recencyField
        self.languageField = languageField
        self.maxDocValueBytes = maxDocValueBytes
        self.sortPrefixBytes = sortPrefixBytes
        self.sortPrefixFields = sortPrefixFields
        self.maxResultWindow = maxResultWindow
        self.mergeFactor = mergeFactor
        self.backgroundMergeDocuments = backgroundMergeDocuments
        self.maxBufferedDocuments = maxBufferedDocuments
        self.snippetWords = snippetWords
        self.snippetThresholdBytes = snippetThresholdBytes
        self.storedDictionaryAfter = storedDictionaryAfter
    }

    /// The BM25 weight of a field path.
    public func weight(of field: String) -> Double {
        fieldWeights[field] ?? defaultFieldWeight
    }

    /// Applies weights written as `field=weight` pairs separated by commas (`title=4,body=1`;
    /// `*=w` is the weight of every field not named): named fields get theirs, the others keep
    /// the defaults. Returns what is wrong with `text` instead, leaving the weights as they were.
    public mutating func applyFieldWeights(_ text: String) -> String? {
        var weights = fieldWeights, fallback = defaultFieldWeight
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { part in
                String(part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            }
            guard parts.count == 2, !parts[0].isEmpty, let w = Double(parts[1]), w.isFinite, w >= 0 else {
                return "expected field=weight pairs separated by commas (a weight ≥ 0), found '\(pair)'"
            }
            if parts[0] == "*" { fallback = w } else { weights[parts[0]] = w }
        }
        fieldWeights = weights
        defaultFieldWeight = fallback
        return nil
    }
}
