import TidendeAnalysis
import TidendeModels

/// Everything only the writer touches: the current segments with their live deletion sets, the
/// buffer, and the interning tables. Guarded by the engine's writer lock.
struct WriterState: ~Copyable {
    var segments: [SegmentView]
    var fields: FieldRegistry
    var seq: UInt64
    var builder = SegmentBuilder()
    /// Interned terms and stems of everything this writer analysed (the stem cache).
    let cache = StemCache(expectedTerms: 1 << 16)
    let deflater = Deflater()

    init(segments: [SegmentView], fields: FieldRegistry, seq: UInt64) {
        self.segments = segments
        self.fields = fields
        self.seq = seq
    }

    /// Removes the live version of `id`, wherever it is.
    mutating func delete(id: String, config: EngineConfig, analyzer: Analyzer) {
        if builder.delete(id: id) { return }
        // Newest segments first: a live id exists at most once.
        for s in segments.indices.reversed() {
            let seg = segments[s].segment
            guard let d = seg.idIndex[id], !segments[s].deletions.contains(Int(d)) else { continue }
            segments[s].deletions.insert(Int(d))
            subtractStatistics(segment: s, doc: Int(d), config: config, analyzer: analyzer)
            return
        }
    }

    /// Takes a deleted document's terms and lengths out of its segment's BM25 statistics. The
    /// segment keeps no forward index, so the stored document is analysed again, exactly as at
    /// indexing time.
    private mutating func subtractStatistics(segment s: Int, doc d: Int, config: EngineConfig, analyzer: Analyzer) {
        let seg = segments[s].segment
        for (f, lengths) in seg.fieldLengths where lengths[d] > 0 {
            segments[s].deletions.fieldTotals[f, default: FieldTotals()] =
                segments[s].deletions.fieldTotals[f, default: FieldTotals()] + FieldTotals(length: UInt64(lengths[d]), documents: 1)
        }
        guard let document = try? seg.stored.document(d) else { return }
        let language = Language(code: seg.languages[d])
        for (path, values) in FlatDocument(document, config: config).texts {
            guard let f = fields.id(of: path) else { continue }
            let stems = Set(analyzeField(values, language: language, analyzer: analyzer).map(\.stem))
            for stem in stems {
                if let t = seg.terms.ordinal(of: TermDictionary.key(language: language.code, stem: stem, field: f)) {
                    segments[s].deletions.termDocFreq[Int32(t), default: 0] += 1
                }
            }
        }
    }

    mutating func sealBuffer() {
        guard builder.count > 0 else { return }
        if builder.liveCount > 0 {
            let segment = builder.seal(cache: cache)
            segments.append(SegmentView(segment: segment, deletions: Deletions(docCount: segment.docCount)))
        }
        builder = SegmentBuilder()
    }

    /// Tiered merging: segments are grouped by size (powers of `factor`); a tier with `factor`
    /// segments is merged into one, so each document is rewritten about log_factor(N) times
    /// however small the refreshes are. A segment more than half deleted is
    /// rewritten on its own, reclaiming the space.
    mutating func merge(factor: Int) {
        segments.removeAll { $0.liveCount == 0 }
        var changed = true
        while changed {
            changed = false
            var tiers: [Int: [Int]] = [:]
            for (i, sv) in segments.enumerated() {
                if sv.deletions.count * 2 > sv.segment.docCount {
                    replace([i], with: SegmentMerger.merge(Array(segments[i...i]), fields: fields))
                    changed = true
                    break
                }
                var tier = 0
                var size = max(factor, 2)
                while sv.liveCount >= size { size *= max(factor, 2); tier += 1 }
                tiers[tier, default: []].append(i)
            }
            if changed { continue }
            if let (_, members) = tiers.first(where: { $0.value.count >= factor }) {
                let chosen = Array(members.prefix(factor))
                replace(chosen, with: SegmentMerger.merge(chosen.map { segments[$0] }, fields: fields))
                changed = true
            }
        }
    }

    mutating func mergeAll() {
        guard segments.count > 1 || segments.contains(where: { $0.deletions.count > 0 }) else { return }
        replace(Array(segments.indices), with: SegmentMerger.merge(segments, fields: fields))
    }

    private mutating func replace(_ indices: [Int], with merged: Segment?) {
        let drop = Set(indices)
        var kept = segments.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        if let merged { kept.append(SegmentView(segment: merged, deletions: Deletions(docCount: merged.docCount))) }
        segments = kept
    }
}
