import Testing
import TidendeAnalysis
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

func obj(_ members: [(String, JSONValue)]) -> JSONValue { .object(members) }

/// A small news-like document.
func newsDoc(id: String, title: String, body: String = "", lang: String? = "da", tags: [String] = [],
             type: String = "article", publishedAt: String? = nil, extra: [(String, JSONValue)] = []) -> JSONValue {
    var m: [(String, JSONValue)] = [("id", .string(id)), ("type", .string(type)), ("title", .string(title))]
    if !body.isEmpty { m.append(("body", .string(body))) }
    if let lang { m.append(("lang", .string(lang))) }
    if !tags.isEmpty { m.append(("tags", .array(tags.map { .string($0) }))) }
    if let publishedAt { m.append(("published_at", .string(publishedAt))) }
    m.append(contentsOf: extra)
    return .object(m)
}

/// An engine holding `docs` (ids from their `id` member), refreshed.
func engine(_ docs: [JSONValue], config: EngineConfig = EngineConfig()) -> Engine {
    let e = Engine(config: config)
    for (i, d) in docs.enumerated() {
        guard case .string(let id)? = d["id"] else { continue }
        e.upsert(id: id, document: d, seq: UInt64(i + 1))
    }
    e.refresh()
    return e
}

func ids(_ result: SearchResult) -> [String] { result.hits.map(\.id) }

/// Searches `node` scoring every match and again pruning from the first full heap
/// (`trackTotalHits: 0`), and expects the same hits with the same scores (`label` names the case).
func prunedAgreesWithExhaustive(_ searcher: Searcher, _ node: QueryNode, limit: Int,
                                _ label: String) throws -> (exhaustive: SearchResult, fast: SearchResult) {
    let exhaustive = try searcher.search(SearchRequest(q: node, limit: limit, trackTotalHits: .max))
    let fast = try searcher.search(SearchRequest(q: node, limit: limit, trackTotalHits: 0))
    #expect(ids(fast) == ids(exhaustive), "\(label)")
    #expect(fast.hits.map(\.score) == exhaustive.hits.map(\.score), "\(label)")
    return (exhaustive, fast)
}

func search(_ e: Engine, _ q: QueryNode, filter: FilterNode? = nil, sort: [SortKey] = [], limit: Int = 100,
            facets: [String] = []) throws -> SearchResult {
    try e.searcher().search(SearchRequest(q: q, filter: filter, sort: sort, limit: limit, facets: facets,
                                          trackTotalHits: .max))
}

func words(_ text: String) -> QueryNode {
    let parts = text.split(separator: " ").map { QueryNode.word(String($0), field: nil) }
    return parts.count == 1 ? parts[0] : .and(parts)
}
