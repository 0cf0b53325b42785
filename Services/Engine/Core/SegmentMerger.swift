/// Merges segments into one, dropping deleted documents: this is where their space is reclaimed.
/// Documents keep their relative order (segment by segment), so postings stay sorted by
/// concatenation; nothing is analysed again.
enum SegmentMerger {
    static func merge(_ sources: [SegmentView], fields: FieldRegistry) -> Segment? {
        mergeWithRemaps(sources).segment
    }

    /// The merged segment (nil when nothing is live) and, per source, old document → new
    /// document (-1 for dropped ones).
    static func mergeWithRemaps(_ sources: [SegmentView]) -> (segment: Segment?, remaps: [[Int32]]) {
        var remaps: [[Int32]] = []
        var ids: [String] = [], seqs: [UInt64] = [], recency: [Double] = [], languages: [UInt8] = []
        // Every output column sized exactly up front.
        let live = sources.reduce(0) { $0 + $1.liveCount }
        ids.reserveCapacity(live)
        seqs.reserveCapacity(live)
        recency.reserveCapacity(live)
        languages.reserveCapacity(live)
        var next: Int32 = 0
        for sv in sources {
            let seg = sv.segment
            if sv.deletions.count == 0 {
                // Nothing dropped: whole columns are appended at once.
                remaps.append((0..<Int32(seg.docCount)).map { $0 + next })
                next += Int32(seg.docCount)
                ids.append(contentsOf: seg.ids)
                seqs.append(contentsOf: seg.seqs)
                recency.append(contentsOf: seg.recency)
                languages.append(contentsOf: seg.languages)
                continue
            }
            var remap = [Int32](repeating: -1, count: seg.docCount)
            for d in 0..<seg.docCount where !sv.deletions.contains(d) {
                remap[d] = next
                next += 1
                ids.append(seg.ids[d])
                seqs.append(seg.seqs[d])
                recency.append(seg.recency[d])
                languages.append(seg.languages[d])
            }
            remaps.append(remap)
        }
        let total = Int(next)
        guard total > 0 else { return (nil, remaps) }

        var lengths: [UInt16: [UInt32]] = [:]
        var columns: [UInt16: DocValuesColumn] = [:]
        let allLengthFields = Set(sources.flatMap { $0.segment.fieldLengths.keys })
        let allValueFields = Set(sources.flatMap { $0.segment.docValues.keys })
        for f in allLengthFields {
            var out = [UInt32]()
            out.reserveCapacity(total)
            for (s, sv) in sources.enumerated() {
                let src = sv.segment.fieldLengths[f]
                if sv.deletions.count == 0 {
                    if let src { out.append(contentsOf: src) } else {
                        out.append(contentsOf: repeatElement(0, count: sv.segment.docCount))
                    }
                    continue
                }
                for d in 0..<sv.segment.docCount where remaps[s][d] >= 0 { out.append(src?[d] ?? 0) }
            }
            lengths[f] = out
        }
        for f in allValueFields {
            columns[f] = mergeColumns(sources.map { $0.segment.docValues[f] }, sources: sources, remaps: remaps, total: total)
        }

        // Union of the term dictionaries, in key order: a k-way merge of the sorted
        // dictionaries on their bytes (no hashing of keys). Postings are appended block by block
        // (see PostingsEncoder+Merge): whole packed blocks copied where a source lost no document,
        // the rest re-packed.
        let dicts = sources.map { $0.segment.terms }
        var bases: [UInt32] = []
        do {
            var base: UInt32 = 0
            for sv in sources {
                bases.append(base)
                base += UInt32(sv.liveCount)
            }
        }
        var encoder = PostingsEncoder()
        // Room up front, so the streams are not regrown (each regrowth copies the whole stream
        // so far). Re-packed blocks may come out a little larger than their sources (a block's
        // width is its widest value's, and a merged block can join two sources' documents), so
        // a quarter more: the unwritten room of a large array is never touched, so costs no memory.
        encoder.positions.reserve(sources.reduce(0) { $0 + $1.segment.postings.positionBytes.count } * 5 / 4)
        encoder.docs.reserve(sources.reduce(0) { $0 + $1.segment.postings.docBytes.count + 4 * $1.segment.terms.count } * 5 / 4)
        var keyBytes: [UInt8] = []
        var keyOffsets: [UInt32] = [0]
        ByteListMerge.withLists(dicts.map { ($0.keyBytes, $0.keyOffsets) }) { lists in
            var merge = ByteListMerge(lists, strategy: .scan)
            var members: [(list: Int, index: Int)] = []
            while merge.next(into: &members) {
                let (first, firstTerm) = members[0]
                let key = lists[first][firstTerm]
                // The field id is the key's last two bytes.
                let field = UInt16(key[key.count - 2]) << 8 | UInt16(key[key.count - 1])
                var term = PostingsEncoder.MergedTerm()
                (lengths[field] ?? []).withUnsafeBufferPointer { fieldLengths in
                    for (s, t) in members {
                        let postings = sources[s].segment.postings
                        if sources[s].deletions.count == 0 {
                            encoder.appendShifted(postings, term: t, base: bases[s], lengths: fieldLengths, to: &term)
                        } else {
                            remaps[s].withUnsafeBufferPointer { remap in
                                encoder.appendRemapped(postings, term: t, remap: remap, lengths: fieldLengths, to: &term)
                            }
                        }
                    }
                }
                guard encoder.finishMergedTerm(term) else { continue }
                keyBytes.append(contentsOf: key)
                keyOffsets.append(UInt32(keyBytes.count))
            }
        }

        // Words: a k-way merge of the sorted lists on their UTF-8 bytes, adding counts of
        // equal words.
        var words: [String] = [], counts: [UInt32] = []
        let wordBytes = sources.map { sv in
            var bytes: [UInt8] = [], offsets: [UInt32] = [0]
            offsets.reserveCapacity(sv.segment.words.count + 1)
            for w in sv.segment.words {
                bytes.append(contentsOf: w.utf8)
                offsets.append(UInt32(bytes.count))
            }
            return (bytes, offsets)
        }
        ByteListMerge.withLists(wordBytes) { lists in
            var merge = ByteListMerge(lists, strategy: .scan)
            var members: [(list: Int, index: Int)] = []
            while merge.next(into: &members) {
                words.append(sources[members[0].list].segment.words[members[0].index])
                counts.append(members.reduce(0) { $0 + sources[$1.list].segment.wordCounts[$1.index] })
            }
        }
        let segment = Segment(
            ids: ids, seqs: seqs, recency: recency, languages: languages,
            terms: TermDictionary(keyBytes: keyBytes, keyOffsets: keyOffsets), postings: encoder.finish(),
            fieldLengths: lengths, docValues: columns,
            stored: StoredDocuments.merged(sources), words: words, wordCounts: counts)
        return (segment, remaps)
    }

    /// Concatenates one field's columns: the merged strings are the sorted union of the sources'
    /// (already sorted) strings, and each source ordinal is mapped once, not per value. A source
    /// that lost no document is appended column by column.
    private static func mergeColumns(_ columns: [DocValuesColumn?], sources: [SegmentView], remaps: [[Int32]],
                                     total: Int) -> DocValuesColumn {
        let (strings, maps) = mergeStrings(columns.map { $0?.strings })
        var docStart: [UInt32] = [0]
        docStart.reserveCapacity(total + 1)
        var kinds: [UInt8] = [], numbers: [Double] = [], ordinals: [Int32] = []
        for (s, column) in columns.enumerated() {
            let docCount = sources[s].segment.docCount
            let whole = sources[s].deletions.count == 0
            guard let column else {
                let live = whole ? docCount : sources[s].liveCount
                docStart.append(contentsOf: repeatElement(UInt32(kinds.count), count: live))
                continue
            }
            let map = maps[s]
            if whole {
                let shift = UInt32(kinds.count) &- column.docStart[0]
                docStart.append(contentsOf: column.docStart[1...].lazy.map { $0 &+ shift })
                kinds.append(contentsOf: column.kinds)
                if column.numbers.isEmpty {
                    numbers.append(contentsOf: repeatElement(.nan, count: column.kinds.count))
                } else {
                    numbers.append(contentsOf: column.numbers)
                }
                map.withUnsafeBufferPointer { map in
                    ordinals.append(contentsOf: column.ordinals.lazy.map { $0 >= 0 ? map[Int($0)] : -1 })
                }
                continue
            }
            for d in 0..<docCount where remaps[s][d] >= 0 {
                for v in column.valueRange(d) {
                    kinds.append(column.kinds[v])
                    numbers.append(column.number(v))
                    let o = column.ordinals[v]
                    ordinals.append(o >= 0 ? map[Int(o)] : -1)
                }
                docStart.append(UInt32(kinds.count))
            }
        }
        return DocValuesColumn(docStart: docStart, kinds: kinds, numbers: numbers, ordinals: ordinals, strings: strings)
    }

    /// The sorted union of string tables (nil: none), and per table its ordinals' new values.
    private static func mergeStrings(_ tables: [StringTable?]) -> (StringTable, [[Int32]]) {
        var bytes: [UInt8] = []
        var offsets: [UInt32] = [0]
        var maps = tables.map { [Int32](repeating: -1, count: $0?.count ?? 0) }
        ByteListMerge.withLists(tables.map { ($0?.bytes ?? [], $0?.offsets ?? [0]) }) { lists in
            bytes.reserveCapacity(lists.reduce(0) { $0 + $1.bytes.count })
            var merge = ByteListMerge(lists, strategy: .heap)
            var members: [(list: Int, index: Int)] = []
            while merge.next(into: &members) {
                let ordinal = Int32(offsets.count - 1)
                bytes.append(contentsOf: lists[members[0].list][members[0].index])
                offsets.append(UInt32(bytes.count))
                for (t, i) in members { maps[t][i] = ordinal }
            }
        }
        return (StringTable(bytes: bytes, offsets: offsets), maps)
    }
}
