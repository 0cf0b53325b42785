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
        var storedOut = StoredDocumentsBuilder()
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
                storedOut.addAll(seg.stored)
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
                storedOut.add(compressed: seg.stored.compressed(d), originalSize: Int(seg.stored.originalSizes[d]))
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
        // dictionaries (no hashing of keys). Postings are copied from the sources' encoded bytes
        // (see PostingsEncoder+Merge): whole when a source lost no document, else live ones.
        let dicts = sources.map { $0.segment.terms }
        var bases: [UInt32] = []
        do {
            var base: UInt32 = 0
            for sv in sources {
                bases.append(base)
                base += UInt32(sv.liveCount)
            }
        }
        var heads = [Int](repeating: 0, count: sources.count)
        var members: [(source: Int, term: Int)] = []
        var encoder = PostingsEncoder()
        var keyBytes: [UInt8] = []
        var keyOffsets: [UInt32] = [0]
        while true {
            var best = -1
            for s in dicts.indices where heads[s] < dicts[s].count {
                if best < 0 || TermDictionary.compare(dicts[s], heads[s], dicts[best], heads[best]) < 0 { best = s }
            }
            if best < 0 { break }
            members.removeAll(keepingCapacity: true)
            let bestHead = heads[best]
            for s in best..<dicts.count where heads[s] < dicts[s].count {
                if s == best || TermDictionary.compare(dicts[s], heads[s], dicts[best], bestHead) == 0 {
                    members.append((s, heads[s]))
                    heads[s] += 1
                }
            }
            let (bestDict, bestTerm) = (dicts[best], members[0].term)
            var term = PostingsEncoder.MergedTerm()
            (lengths[bestDict.field(bestTerm)] ?? []).withUnsafeBufferPointer { fieldLengths in
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
            keyBytes.append(contentsOf: bestDict.keyBytes[Int(bestDict.keyOffsets[bestTerm])..<Int(bestDict.keyOffsets[bestTerm + 1])])
            keyOffsets.append(UInt32(keyBytes.count))
        }

        // Words: a k-way merge of the sorted lists, adding counts of equal words.
        let words = ByteOrder.mergeUnique(sources.map { $0.segment.words })
        var counts = [UInt32](repeating: 0, count: words.count)
        for sv in sources {
            var j = 0
            for (w, c) in zip(sv.segment.words, sv.segment.wordCounts) {
                while ByteOrder.compare(words[j], w) != 0 { j += 1 }
                counts[j] += c
            }
        }
        let segment = Segment(
            ids: ids, seqs: seqs, recency: recency, languages: languages,
            terms: TermDictionary(keyBytes: keyBytes, keyOffsets: keyOffsets), postings: encoder.finish(),
            fieldLengths: lengths, docValues: columns,
            stored: storedOut.build(), words: words, wordCounts: counts)
        return (segment, remaps)
    }

    /// Concatenates one field's columns: the merged strings are the sorted union of the sources'
    /// (already sorted) strings, and each source ordinal is mapped once, not per value.
    private static func mergeColumns(_ columns: [DocValuesColumn?], sources: [SegmentView], remaps: [[Int32]],
                                     total: Int) -> DocValuesColumn {
        let (strings, maps) = StringTable.merge(columns.map { $0?.strings ?? StringTable(sorted: []) })
        var docStart: [UInt32] = [0]
        docStart.reserveCapacity(total + 1)
        var kinds: [UInt8] = [], numbers: [Double] = [], ordinals: [Int32] = []
        for (s, column) in columns.enumerated() {
            let docCount = sources[s].segment.docCount
            guard let column else {
                for d in 0..<docCount where remaps[s][d] >= 0 { docStart.append(UInt32(kinds.count)) }
                continue
            }
            let map = maps[s]
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
}
