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
                for d in 0..<sv.segment.docCount where remaps[s][d] >= 0 { out.append(src?[d] ?? 0) }
            }
            lengths[f] = out
        }
        for f in allValueFields {
            columns[f] = mergeColumns(sources.map { $0.segment.docValues[f] }, sources: sources, remaps: remaps, total: total)
        }

        // Union of the term dictionaries, in key order.
        var sourcesOfKey: [ArraySlice<UInt8>: [(source: Int, term: Int)]] = [:]
        for (s, sv) in sources.enumerated() {
            let dict = sv.segment.terms
            for t in 0..<dict.count {
                sourcesOfKey[dict.keyBytes[Int(dict.keyOffsets[t])..<Int(dict.keyOffsets[t + 1])], default: []].append((s, t))
            }
        }
        let keys = sourcesOfKey.keys.sorted { a, b in
            a.withUnsafeBytes { x in b.withUnsafeBytes { y in ByteOrder.compare(x, y) < 0 } }
        }
        var encoder = PostingsEncoder()
        var keyBytes: [UInt8] = []
        var keyOffsets: [UInt32] = [0]
        var docs: [UInt32] = [], tfs: [UInt32] = [], positionBytes: [UInt8] = [], positionStart: [Int] = []
        for key in keys {
            docs.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            positionBytes.removeAll(keepingCapacity: true)
            positionStart.removeAll(keepingCapacity: true)
            for (s, t) in sourcesOfKey[key]! {
                let postings = sources[s].segment.postings
                let cursor = PostingCursor(postings: postings, term: t)
                // Positions are copied as encoded bytes: they do not depend on document ids.
                while cursor.next() != PostingCursor.exhausted {
                    let nd = remaps[s][Int(cursor.doc)]
                    if nd < 0 { continue }
                    docs.append(UInt32(nd))
                    tfs.append(cursor.tf)
                    positionStart.append(positionBytes.count)
                    positionBytes.append(contentsOf: postings.positionBytes[cursor.positionByteRange()])
                }
            }
            if docs.isEmpty { continue }
            let field = UInt16(key[key.endIndex - 2]) << 8 | UInt16(key[key.endIndex - 1])
            let fieldLengths = lengths[field] ?? []
            encoder.addTerm(docs: docs, tfs: tfs, positionBytes: positionBytes, docPositionStart: positionStart) {
                fieldLengths[Int($0)]
            }
            keyBytes.append(contentsOf: key)
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
