import TidendeModels

/// One returned document.
public struct Hit: Sendable {
    public var id: String
    /// BM25 score (0 for the empty query and for field sorts without words).
    public var score: Double
    /// The stored document as compact JSON text (UTF-8), projected to the requested fields: ready
    /// to be written into a reply as is.
    public var json: [UInt8]
    /// The same document parsed (parsed on each access; prefer `json` on hot paths).
    public var document: JSONValue { (try? JSONValue.parse(json)) ?? .null }
    /// Field → text with matched words wrapped in `<em>`…`</em>`; long fields become a snippet.
    public var highlight: [String: String]
}

/// The answer to a search.
public struct SearchResult: Sendable {
    /// Number of matching documents (exact when `totalIsExact`, else a lower bound).
    public var total: Int
    /// False when top-k pruning was active (see `SearchRequest.trackTotalHits`).
    public var totalIsExact: Bool
    public var hits: [Hit]
    /// Facet field → most frequent values with their counts.
    public var facets: [String: [(value: String, count: Int)]]
}

/// Size figures of an engine.
public struct EngineStats: Sendable {
    /// Live (searchable) documents.
    public var documents: Int
    /// Distinct indexed terms summed over segments (a term in two segments counts twice).
    public var terms: Int
    public var segments: Int
    /// Deleted documents whose space is not yet reclaimed by a merge.
    public var deletedDocuments: Int
    /// Estimated bytes held by the index and stored documents.
    public var memoryBytes: Int
    /// Bytes of compressed stored documents (part of `memoryBytes`).
    public var storedBytes: Int
    public var appliedSeq: UInt64
    public var searchableSeq: UInt64
    /// Where the bytes go: `postings`, `positions`, `terms`, `doc_values`, `stored`, `ids`,
    /// `lengths`, `words`.
    public var breakdown: [String: Int]
    /// Merges handed to background threads since the engine started.
    public var backgroundMergesStarted: Int
}
