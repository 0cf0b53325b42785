/// One segment as a searcher sees it: the immutable segment and a frozen copy of its deletions.
struct SegmentView: Sendable {
    let segment: Segment
    var deletions: Deletions

    var liveCount: Int { segment.docCount - deletions.count }
}

/// A consistent state of the whole index: what a `Searcher` reads. Published atomically by
/// `refresh`; never changed afterwards.
struct IndexView: Sendable {
    let segments: [SegmentView]
    let fields: FieldRegistry
    let seq: UInt64
    let liveDocuments: Int
    /// Per field, over live documents: total length and documents having it (BM25's averages).
    let fieldTotals: [UInt16: FieldTotals]
    /// Fields any document has ever had as a value or as text (`invalid_sort` is about these).
    let knownFields: Set<UInt16>

    init(segments: [SegmentView], fields: FieldRegistry, seq: UInt64) {
        self.segments = segments
        self.fields = fields
        self.seq = seq
        var live = 0
        var totals: [UInt16: FieldTotals] = [:]
        var known = Set<UInt16>()
        for sv in segments {
            live += sv.liveCount
            for (f, t) in sv.segment.fieldTotals {
                totals[f, default: FieldTotals()] = totals[f, default: FieldTotals()] + t - (sv.deletions.fieldTotals[f] ?? FieldTotals())
            }
            known.formUnion(sv.segment.docValues.keys)
            known.formUnion(sv.segment.fieldLengths.keys)
        }
        self.liveDocuments = live
        self.fieldTotals = totals
        self.knownFields = known
    }
}
