import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

/// A search as a client asks for it, checked and turned into the engine's `SearchRequest`.
/// Every problem is a `WireError` whose message says what was expected.
struct SearchParams {
    var request: SearchRequest
    var minSeq: UInt64?
    var timeoutMs: Int = 1000

    static let keys: Set<String> = ["op", "q", "filter", "sort", "limit", "offset", "facets", "facet_limit",
                                    "fields", "highlight", "min_seq", "timeout_ms", "exact_total"]

    /// From a plain-text line: the same as `{"q": line}`.
    init(text: String, config: QueryConfig) throws(WireError) {
        request = SearchRequest(q: try Self.query(text))
    }

    init(_ v: JSONValue, config: QueryConfig, allowed: Set<String> = SearchParams.keys) throws(WireError) {
        try Self.checkKeys(v, allowed)
        request = SearchRequest()
        if let q = v["q"] {
            switch q {
            case .string(let s): request.q = try Self.query(s)
            case .null: break
            default: throw WireError(.invalidRequest, "\"q\" must be a string")
            }
        }
        if let f = v["filter"] {
            switch f {
            case .string(let s):
                do { request.filter = try FilterParser.parseOptional(s) } catch {
                    throw WireError(.invalidFilter, "\(error.message) (filter, column \(error.column))")
                }
            case .null: break
            default: throw WireError(.invalidFilter, "\"filter\" must be a string like \"type = article AND published_at >= 2026-01-01\"")
            }
        }
        if let s = v["sort"] {
            let items: [JSONValue]
            switch s {
            case .array(let a): items = a
            case .string: items = [s]
            default: throw WireError(.invalidSort, "\"sort\" must be a list like [\"published_at:desc\"]")
            }
            for item in items {
                guard case .string(let text) = item else {
                    throw WireError(.invalidSort, "each sort key must be a string like \"published_at:desc\"")
                }
                do {
                    let key = try SortParser.parse(text)
                    request.sort.append(key)
                } catch {
                    throw WireError(.invalidSort, "\(error.message) in sort key \"\(text)\"")
                }
            }
        }
        // The default of 10, or less when --max-limit is lower: a request that names no limit
        // must not be refused for one.
        let limit = try Self.int(v["limit"], "limit") ?? min(10, config.maxLimit)
        let offset = try Self.int(v["offset"], "offset") ?? 0
        guard (0...config.maxLimit).contains(limit) else {
            throw WireError(.limitOutOfRange, "\"limit\" must be 0…\(config.maxLimit), got \(limit)")
        }
        guard offset >= 0 else { throw WireError(.limitOutOfRange, "\"offset\" must be ≥ 0") }
        guard offset + limit <= config.maxResultWindow else {
            throw WireError(.limitOutOfRange, "offset + limit must be ≤ \(config.maxResultWindow) (the result window); got \(offset + limit). Narrow the query or filter instead of paging deeper")
        }
        request.limit = limit
        request.offset = offset
        request.facets = try Self.strings(v["facets"], "facets") ?? []
        if let n = try Self.int(v["facet_limit"], "facet_limit") {
            guard (1...1000).contains(n) else { throw WireError(.limitOutOfRange, "\"facet_limit\" must be 1…1000") }
            request.facetLimit = n
        }
        request.fields = try Self.strings(v["fields"], "fields")
        request.highlight = try Self.bool(v["highlight"], "highlight") ?? false
        if try Self.bool(v["exact_total"], "exact_total") == true { request.trackTotalHits = Int.max }
        if let m = v["min_seq"] {
            guard let seq = m.uint64 else { throw WireError(.invalidRequest, "\"min_seq\" must be a whole number ≥ 0") }
            minSeq = seq
        }
        if let t = try Self.int(v["timeout_ms"], "timeout_ms") {
            guard (0...config.maxWaitMilliseconds).contains(t) else {
                throw WireError(.limitOutOfRange, "\"timeout_ms\" must be 0…\(config.maxWaitMilliseconds)")
            }
            timeoutMs = t
        }
    }

    /// Refuses members a request does not know (a typo must not be silently ignored).
    static func checkKeys(_ v: JSONValue, _ allowed: Set<String>) throws(WireError) {
        guard case .object(let members) = v else { throw WireError(.invalidRequest, "expected a JSON object") }
        for (key, _) in members where !allowed.contains(key) {
            throw WireError(.invalidRequest, "unknown key \"\(key)\"; expected some of: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    static func query(_ text: String) throws(WireError) -> QueryNode {
        do { return try QueryParser.parse(text) } catch {
            throw WireError(.invalidQuery, "\(error.message) (query, column \(error.column))")
        }
    }

    /// Refuses a text (`analyze`'s, `suggest`'s prefix) longer than a query may be: both are
    /// analysed on the connection's event loop.
    static func checkLength(_ text: String, _ name: String) throws(WireError) {
        let bytes = text.utf8.count
        guard bytes <= QuerySyntaxLimits.maxTextBytes else {
            throw WireError(.invalidRequest, "\"\(name)\" is \(bytes) bytes long; at most \(QuerySyntaxLimits.maxTextBytes) are accepted")
        }
    }

    static func int(_ v: JSONValue?, _ name: String) throws(WireError) -> Int? {
        guard let v else { return nil }
        switch v {
        // Far out of range is still a whole number: the caller's range check says so, with the
        // value (clamped to ±2^53 so that sums like offset + limit cannot overflow).
        case .integer(let i): return Int(max(-(1 << 53), min(1 << 53, i)))
        case .null: return nil
        default: throw WireError(.invalidRequest, "\"\(name)\" must be a whole number")
        }
    }

    static func bool(_ v: JSONValue?, _ name: String) throws(WireError) -> Bool? {
        guard let v else { return nil }
        switch v {
        case .bool(let b): return b
        case .null: return nil
        default: throw WireError(.invalidRequest, "\"\(name)\" must be true or false")
        }
    }

    static func strings(_ v: JSONValue?, _ name: String) throws(WireError) -> [String]? {
        guard let v else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw WireError(.invalidRequest, "\"\(name)\" must be a list of field names") }
                out.append(s)
            }
            return out
        default: throw WireError(.invalidRequest, "\"\(name)\" must be a list of field names")
        }
    }

    static func string(_ v: JSONValue?, _ name: String) throws(WireError) -> String? {
        guard let v else { return nil }
        switch v {
        case .string(let s): return s
        case .null: return nil
        default: throw WireError(.invalidRequest, "\"\(name)\" must be a string")
        }
    }
}
