import TidendeQuerySyntax

/// What a caller asks of `Searcher.search`.
public struct SearchRequest: Sendable {
    /// The parsed query; `.all` matches every live document.
    public var q: QueryNode
    public var filter: FilterNode?
    /// Empty: by relevance (BM25), ties by recency. Otherwise by these keys (missing values
    /// last in either direction), then by recency.
    public var sort: [SortKey]
    public var limit: Int
    public var offset: Int
    /// Fields to count values of over the whole matching set.
    public var facets: [String]
    /// How many values each facet returns (most frequent first).
    public var facetLimit: Int
    /// Top-level fields to return in each hit's document; nil returns the whole document, an
    /// empty list none (ids and scores only, the cheapest search).
    public var fields: [String]?
    public var highlight: Bool
    /// The total is counted exactly up to this many matches; past it, a relevance-sorted search
    /// without facets may skip documents that cannot reach the top (block-max pruning) and
    /// reports `total` as a lower bound (`SearchResult.totalIsExact == false`).
    /// Default 1 000. `Int.max` always counts exactly.
    public var trackTotalHits: Int

    public init(
        q: QueryNode = .all, filter: FilterNode? = nil, sort: [SortKey] = [],
        limit: Int = 10, offset: Int = 0, facets: [String] = [], facetLimit: Int = 20,
        fields: [String]? = nil, highlight: Bool = false, trackTotalHits: Int = 1_000
    ) {
        self.q = q
        self.filter = filter
        self.sort = sort
        self.limit = limit
        self.offset = offset
        self.facets = facets
        self.facetLimit = facetLimit
        self.fields = fields
        self.highlight = highlight
        self.trackTotalHits = trackTotalHits
    }
}
