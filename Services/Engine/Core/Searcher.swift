import TidendeAnalysis
import TidendeModels
import TidendeQuerySyntax

/// A consistent, immutable view of the index at one `seq`: every call on it sees the same
/// documents. Cheap to take (`Engine.searcher()`), safe to share across threads, and unaffected
/// by later writes.
public struct Searcher: Sendable {
    let view: IndexView
    let config: EngineConfig
    let analyzer: Analyzer

    /// The last `seq` this view covers.
    public var seq: UInt64 { view.seq }

    /// Live documents in this view.
    public var documentCount: Int { view.liveDocuments }

    /// The stored document with this id, or nil.
    public func get(id: String) -> JSONValue? {
        for sv in view.segments.reversed() {
            if let d = sv.segment.idIndex[id], !sv.deletions.contains(Int(d)) {
                return try? sv.segment.stored.document(Int(d))
            }
        }
        return nil
    }

    /// The stored JSON text of the document with this id, or nil.
    public func json(id: String) -> [UInt8]? {
        for sv in view.segments.reversed() {
            if let d = sv.segment.idIndex[id], !sv.deletions.contains(Int(d)) {
                return try? sv.segment.stored.json(Int(d))
            }
        }
        return nil
    }

    /// Number of documents matching the query and filter (always exact).
    public func count(_ request: SearchRequest) throws(EngineError) -> Int {
        var r = request
        r.limit = 0
        r.offset = 0
        r.facets = []
        r.sort = []
        r.trackTotalHits = .max
        r.highlight = false
        return try search(r).total
    }

    /// The most frequent indexed words (normalised surface forms, not stems) starting with
    /// `prefix`, most frequent first. Counts are occurrences and may include deleted documents
    /// until their segment is merged.
    public func suggest(prefix: String, limit: Int) -> [(term: String, count: Int)] {
        let normal = analyzer.analyze(prefix, language: .da).first?.term ?? prefix.lowercased()
        guard !normal.isEmpty, limit > 0 else { return [] }
        var counts: [String: Int] = [:]
        for sv in view.segments {
            let words = sv.segment.words
            let lo = ByteOrder.lowerBound(words, normal)
            var i = lo
            // Bounded scan: a one-letter prefix must not walk the whole vocabulary.
            while i < words.count && i - lo < 50_000 && ByteOrder.hasPrefix(words[i], normal) {
                counts[words[i], default: 0] += Int(sv.segment.wordCounts[i])
                i += 1
            }
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(limit).map { (term: $0.key, count: $0.value) }
    }
}
