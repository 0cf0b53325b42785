import TidendeAnalysis
import TidendeModels

/// Everything only the writer touches: the current segments with their live deletion sets, the
/// buffer, and the interning tables. Guarded by the engine's writer lock.
struct WriterState: ~Copyable {
    var segments: [SegmentView]
    var fields: FieldRegistry
    var seq: UInt64
    var builder: SegmentBuilder
    /// Segments a background merge is rewriting: no other merge may take them.
    var merging = Set<ObjectIdentifier>()
    /// Interned terms and stems of everything this writer analysed (the stem cache).
    let cache = StemCache(expectedTerms: 1 << 16)
    /// The buffers' stem → term maps and word counts, reused from buffer to buffer.
    private let maps = TermMaps()
    /// The byte order of `cache`'s strings, for sealing.
    private var order = InternedOrder()
    /// Prepares documents given whole (`Engine.upsert(id:document:…)`) with the writer's own
    /// cache, so their ids need no translation.
    let preparer: DocumentPreparer
    /// Compresses the stored form of documents prepared without it.
    let compressor = Compressor()
    /// Per preparer (by its log): its term ids → the writer's.
    private var translations: [ObjectIdentifier: TermTranslation] = [:]

    init(segments: [SegmentView], fields: FieldRegistry, seq: UInt64, config: EngineConfig, analyzer: Analyzer) {
        self.segments = segments
        self.fields = fields
        self.seq = seq
        preparer = DocumentPreparer(config: config, analyzer: analyzer, cache: cache)
        builder = SegmentBuilder(maps: maps)
    }

    /// Adds a prepared document to the buffer (the caller has deleted its earlier version).
    mutating func add(_ prepared: PreparedDocument, seq: UInt64) {
        var translation: TermTranslation? = nil
        if let log = prepared.log {
            let key = ObjectIdentifier(log)
            translation = translations.removeValue(forKey: key) ?? TermTranslation(log: log)
            builder.add(prepared, seq: seq, fields: &fields, cache: cache, compressor: compressor, translation: &translation)
            translations[key] = translation
        } else {
            builder.add(prepared, seq: seq, fields: &fields, cache: cache, compressor: compressor, translation: &translation)
        }
    }

    /// Removes the live version of `id`, wherever it is.
    mutating func delete(id: String, config: EngineConfig, analyzer: Analyzer) {
        if builder.delete(id: id) { return }
        // Newest segments first: a live id exists at most once.
        for s in segments.indices.reversed() {
            let seg = segments[s].segment
            guard let d = seg.idIndex[id], !segments[s].deletions.contains(Int(d)) else { continue }
            segments[s].deletions.delete(Int(d), in: seg, fields: fields, config: config, analyzer: analyzer, cache: cache)
            return
        }
    }

    mutating func sealBuffer() {
        guard builder.count > 0 else { return }
        if builder.liveCount > 0 {
            order.update(cache)
            let segment = builder.seal(cache: cache, order: order)
            segments.append(SegmentView(segment: segment, deletions: Deletions(docCount: segment.docCount)))
        }
        builder.release()
        builder = SegmentBuilder(maps: maps)
    }

    /// Tiered merging: segments are grouped by size (powers of `factor`); a tier with `factor`
    /// segments is merged into one, so each document is rewritten about log_factor(N) times
    /// however small the refreshes are. A segment more than half deleted is rewritten on its
    /// own, reclaiming the space. Merges of more than `backgroundLimit` documents are not run
    /// here but returned, their sources marked as merging, for a background thread.
    mutating func merge(factor: Int, backgroundLimit: Int) -> [[SegmentView]] {
        segments.removeAll { $0.liveCount == 0 && !merging.contains(ObjectIdentifier($0.segment)) }
        var jobs: [[SegmentView]] = []
        var changed = true
        while changed {
            changed = false
            var tiers: [Int: [Int]] = [:]
            for (i, sv) in segments.enumerated() where !merging.contains(ObjectIdentifier(sv.segment)) {
                if sv.deletions.count * 2 > sv.segment.docCount {
                    changed = true
                    if sv.liveCount > backgroundLimit {
                        merging.insert(ObjectIdentifier(sv.segment))
                        jobs.append([sv])
                    } else {
                        replace([i], with: SegmentMerger.merge([sv], fields: fields))
                    }
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
                let views = chosen.map { segments[$0] }
                if views.reduce(0, { $0 + $1.liveCount }) > backgroundLimit {
                    for v in views { merging.insert(ObjectIdentifier(v.segment)) }
                    jobs.append(views)
                } else {
                    replace(chosen, with: SegmentMerger.merge(views, fields: fields))
                }
                changed = true
            }
        }
        return jobs
    }

    /// Installs a merge run in the background from `sources` (as they were when it started):
    /// documents deleted meanwhile are deleted in the merged segment too, then the merged
    /// segment replaces its sources. Published by the next `refresh`, like any change.
    mutating func commitMerge(sources: [SegmentView], merged: Segment?, remaps: [[Int32]],
                              config: EngineConfig, analyzer: Analyzer) {
        var view = merged.map { SegmentView(segment: $0, deletions: Deletions(docCount: $0.docCount)) }
        var drop = Set<ObjectIdentifier>()
        for (s, start) in sources.enumerated() {
            let id = ObjectIdentifier(start.segment)
            drop.insert(id)
            merging.remove(id)
            guard let now = segments.first(where: { ObjectIdentifier($0.segment) == id }) else { continue }
            for d in 0..<start.segment.docCount where now.deletions.contains(d) && !start.deletions.contains(d) {
                let nd = Int(remaps[s][d])
                if nd >= 0, let seg = view?.segment {
                    view?.deletions.delete(nd, in: seg, fields: fields, config: config, analyzer: analyzer, cache: cache)
                }
            }
        }
        segments.removeAll { drop.contains(ObjectIdentifier($0.segment)) }
        if let view, view.liveCount > 0 { segments.append(view) }
    }

    /// Segments worth merging while the writer is idle, so searches visit few segments: all but
    /// the largest segment, and the largest too once the others hold a quarter of its documents
    /// (so a trickle of small changes does not rewrite a large index each time). Nil when there
    /// is nothing to gain. The chosen segments are marked as merging.
    mutating func idleMergeSources() -> [SegmentView]? {
        let free = segments.filter { !merging.contains(ObjectIdentifier($0.segment)) }
        guard let largest = free.max(by: { $0.liveCount < $1.liveCount }) else { return nil }
        let others = free.filter { $0.segment !== largest.segment }
        let rest = others.reduce(0) { $0 + $1.liveCount }
        let sources = rest * 4 >= largest.liveCount ? free : others
        guard sources.count > 1 || sources.contains(where: { $0.deletions.count > 0 }) else { return nil }
        for v in sources { merging.insert(ObjectIdentifier(v.segment)) }
        return sources
    }

    mutating func mergeAll() {
        let free = segments.indices.filter { !merging.contains(ObjectIdentifier(segments[$0].segment)) }
        guard free.count > 1 || free.contains(where: { segments[$0].deletions.count > 0 }) else { return }
        replace(free, with: SegmentMerger.merge(free.map { segments[$0] }, fields: fields))
    }

    private mutating func replace(_ indices: [Int], with merged: Segment?) {
        let drop = Set(indices)
        var kept = segments.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        if let merged { kept.append(SegmentView(segment: merged, deletions: Deletions(docCount: merged.docCount))) }
        segments = kept
    }
}
