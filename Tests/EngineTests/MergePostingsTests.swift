import TidendeModels
import TidendeTestRandom
import Testing
@testable import TidendeEngine

/// The merger copies packed blocks where it can and moves positions still encoded; these tests
/// hold it to the bytes that encoding the merged posting lists from scratch would give.
@Suite struct MergePostingsTests {
    /// Documents over a small vocabulary (long posting lists, many blocks), some long enough for
    /// large term frequencies and position gaps over 127 (wide packed blocks).
    static func corpus(count: Int, seed: UInt64) -> [JSONValue] {
        var rng = SplitMix(seed: seed)
        let common = Array(vocabulary.prefix(8)), rare = Array(vocabulary.dropFirst(8))
        func text(_ n: Int) -> String {
            (0..<n).map { _ in
                Int.random(in: 0..<10, using: &rng) < 8 ? common.randomElement(using: &rng)! : rare.randomElement(using: &rng)!
            }.joined(separator: " ")
        }
        return (0..<count).map { i in
            let long = Int.random(in: 0..<20, using: &rng) == 0
            // Doc values: some fields only in some documents (so only in some segments).
            var extra: [(String, JSONValue)] = []
            if i % 3 == 0 { extra.append(("score", .number(Double(Int.random(in: 0..<50, using: &rng))))) }
            if (i / 200) % 2 == 1 { extra.append(("section", .string("s\(Int.random(in: 0..<30, using: &rng))"))) }
            return newsDoc(id: "m\(i)", title: text(Int.random(in: 1...4, using: &rng)),
                           body: text(long ? Int.random(in: 200...600, using: &rng) : Int.random(in: 0...30, using: &rng)),
                           lang: Bool.random(using: &rng) ? "da" : "en",
                           tags: (0..<Int.random(in: 0...2, using: &rng)).map { _ in text(1) },
                           publishedAt: i % 5 == 0 ? nil : "2026-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))T10:00:00Z",
                           extra: extra)
        }
    }

    /// The postings of `sources` merged, encoded from decoded lists (PostingCursor → addTerm),
    /// with the merged segment's field lengths.
    static func reference(_ sources: [SegmentView], lengths: [UInt16: [UInt32]]) -> (keys: [[UInt8]], postings: Postings) {
        var remaps: [[Int32]] = []
        var next: Int32 = 0
        for sv in sources {
            remaps.append((0..<sv.segment.docCount).map { d in
                if sv.deletions.contains(d) { return -1 }
                defer { next += 1 }
                return next
            })
        }
        var all = Set<[UInt8]>()
        for sv in sources {
            let terms = sv.segment.terms
            for t in 0..<terms.count { all.insert(Array(terms.keyBytes[Int(terms.keyOffsets[t])..<Int(terms.keyOffsets[t + 1])])) }
        }
        var encoder = PostingsEncoder()
        var keys: [[UInt8]] = []
        var scratch: [UInt32] = []
        for key in all.sorted(by: ByteOrder.less) {
            var docs: [UInt32] = [], tfs: [UInt32] = [], positions: [UInt32] = []
            for (s, sv) in sources.enumerated() {
                guard let t = sv.segment.terms.ordinal(of: key) else { continue }
                let cursor = PostingCursor(postings: sv.segment.postings, term: t)
                while cursor.next() != PostingCursor.exhausted {
                    let nd = remaps[s][Int(cursor.doc)]
                    guard nd >= 0 else { continue }
                    docs.append(UInt32(nd))
                    tfs.append(cursor.tf)
                    cursor.positions(into: &scratch)
                    positions.append(contentsOf: scratch)
                }
            }
            if docs.isEmpty { continue }
            let field = UInt16(key[key.count - 2]) << 8 | UInt16(key[key.count - 1])
            let fieldLengths = lengths[field]!
            encoder.addTerm(docs: docs, tfs: tfs, positions: positions) { fieldLengths[Int($0)] }
            keys.append(key)
        }
        return (keys, encoder.finish())
    }

    /// The first index where `a` and `b` differ (their common length if one is a prefix), or nil.
    static func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
        if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset { return i }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    static func expectSame(_ a: Postings, _ b: Postings, _ comment: String) {
        #expect(firstDifference(a.termFirstBlock, b.termFirstBlock) == nil, "termFirstBlock, \(comment)")
        #expect(firstDifference(a.termDocFreq, b.termDocFreq) == nil, "termDocFreq, \(comment)")
        #expect(firstDifference(a.blockLastDoc, b.blockLastDoc) == nil, "blockLastDoc, \(comment)")
        #expect(firstDifference(a.blockDocOffset, b.blockDocOffset) == nil, "blockDocOffset, \(comment)")
        #expect(firstDifference(a.blockPosOffset, b.blockPosOffset) == nil, "blockPosOffset, \(comment)")
        #expect(firstDifference(a.blockMaxTf, b.blockMaxTf) == nil, "blockMaxTf, \(comment)")
        #expect(firstDifference(a.blockMinLength, b.blockMinLength) == nil, "blockMinLength, \(comment)")
        #expect(firstDifference(a.docBytes, b.docBytes) == nil, "docBytes, \(comment)")
        #expect(firstDifference(a.positionBytes, b.positionBytes) == nil, "positionBytes, \(comment)")
    }

    static func check(_ sources: [SegmentView], _ comment: String) -> Segment? {
        let (merged, remaps) = SegmentMerger.mergeWithRemaps(sources)
        guard let merged else { return nil }
        var next: Int32 = 0
        let expected = sources.map { sv in
            (0..<sv.segment.docCount).map { d -> Int32 in
                if sv.deletions.contains(d) { return -1 }
                defer { next += 1 }
                return next
            }
        }
        #expect(remaps == expected, "remaps, \(comment)")
        #expect(merged.docCount == Int(next), "\(comment)")
        expectSameDocuments(merged, sources, remaps: remaps, comment)
        let (keys, postings) = reference(sources, lengths: merged.fieldLengths)
        let terms = merged.terms
        #expect(terms.count == keys.count, "\(comment)")
        #expect(firstDifference(terms.keyBytes, keys.flatMap { $0 }) == nil, "keys, \(comment)")
        expectSame(merged.postings, postings, comment)
        return merged
    }

    /// Every live source document is in `merged` where `remaps` says, with the same columns,
    /// lengths, doc values and stored form; words are counted over all sources.
    static func expectSameDocuments(_ merged: Segment, _ sources: [SegmentView], remaps: [[Int32]], _ comment: String) {
        var mismatches: [String] = []
        let valueFields = Set(sources.flatMap { $0.segment.docValues.keys })
        #expect(Set(merged.docValues.keys) == valueFields, "doc value fields, \(comment)")
        for column in merged.docValues.values {
            let table = column.strings
            #expect((1..<max(table.count, 1)).allSatisfy { ByteOrder.less(table[$0 - 1], table[$0]) }, "strings sorted, \(comment)")
        }
        func values(_ column: DocValuesColumn?, _ d: Int) -> [DocValue] {
            guard let column else { return [] }
            return column.valueRange(d).map { column.value(at: $0) }
        }
        for (s, sv) in sources.enumerated() {
            let src = sv.segment
            for d in 0..<src.docCount where remaps[s][d] >= 0 {
                let nd = Int(remaps[s][d])
                if merged.ids[nd] != src.ids[d] || merged.seqs[nd] != src.seqs[d]
                    || merged.recency[nd] != src.recency[d] || merged.languages[nd] != src.languages[d] {
                    mismatches.append("columns of \(src.ids[d])")
                }
                if merged.stored.compressed(nd) != src.stored.compressed(d)
                    || merged.stored.originalSizes[nd] != src.stored.originalSizes[d] {
                    mismatches.append("stored \(src.ids[d])")
                }
                for f in valueFields where values(merged.docValues[f], nd) != values(src.docValues[f], d) {
                    mismatches.append("field \(f) of \(src.ids[d])")
                }
                for (f, lengths) in merged.fieldLengths where lengths[nd] != (src.fieldLengths[f]?[d] ?? 0) {
                    mismatches.append("length \(f) of \(src.ids[d])")
                }
            }
        }
        #expect(mismatches.prefix(5) == [], "\(mismatches.count) mismatches, \(comment)")
        var counts: [String: UInt32] = [:]
        for sv in sources { for (w, c) in zip(sv.segment.words, sv.segment.wordCounts) { counts[w, default: 0] += c } }
        #expect(merged.words == counts.keys.sorted(by: ByteOrder.less), "words, \(comment)")
        #expect(merged.wordCounts == merged.words.map { counts[$0]! }, "word counts, \(comment)")
    }

    /// Segments of `docs` sealed every `every` documents, never merged; then `deleted` of them
    /// deleted (fewer than half of any segment, so nothing is rewritten on refresh).
    static func segments(_ docs: [JSONValue], every: Int, deleting deleted: Set<Int>) -> [SegmentView] {
        var config = EngineConfig()
        config.maxBufferedDocuments = every
        config.mergeFactor = 1_000
        let e = engine(docs, config: config)
        for i in deleted.sorted() { e.delete(id: "m\(i)", seq: UInt64(docs.count + i + 1)) }
        e.refresh()
        return e.publishedView.segments
    }

    @Test func mergedPostingsEqualEncodingFromScratch() throws {
        let docs = Self.corpus(count: 1_500, seed: 11)
        var rng = SplitMix(seed: 5)
        var deleted = Set<Int>()
        // Deletions in some segments only, so both copy paths meet in one term.
        for i in 0..<docs.count where (i / 97) % 3 == 1 && Int.random(in: 0..<4, using: &rng) == 0 { deleted.insert(i) }
        let clean = Self.segments(docs, every: 97, deleting: [])
        let holed = Self.segments(docs, every: 97, deleting: deleted)
        #expect(clean.count == 16 && holed.count == 16)
        _ = Self.check(clean, "all, no deletions")
        _ = Self.check(holed, "all, with deletions")
        _ = Self.check([holed[1]], "one segment with deletions")
        _ = Self.check(Array(holed[3..<9]), "a run")
        // Merged segments merged again (blocks already cut at other boundaries), with deletions.
        let a = try #require(Self.check(Array(holed[0..<5]), "first five"))
        let b = try #require(Self.check(Array(holed[5..<11]), "next six"))
        var va = SegmentView(segment: a, deletions: Deletions(docCount: a.docCount))
        for d in stride(from: 3, to: a.docCount, by: 7) { va.deletions.insert(d) }
        let vb = SegmentView(segment: b, deletions: Deletions(docCount: b.docCount))
        _ = Self.check([va, vb] + Array(holed[11...]), "merged segments, again")
        _ = Self.check([vb, vb], "one segment twice")
    }

    @Test func mergeWithoutDeletionsEqualsOneSegmentBuiltAtOnce() throws {
        let docs = Self.corpus(count: 1_000, seed: 12)
        let parts = Self.segments(docs, every: 130, deleting: [])
        let one = Self.segments(docs, every: 10_000, deleting: [])
        #expect(one.count == 1)
        let merged = try #require(SegmentMerger.merge(parts, fields: FieldRegistry()))
        #expect(Self.firstDifference(merged.terms.keyBytes, one[0].segment.terms.keyBytes) == nil)
        #expect(Self.firstDifference(merged.terms.keyOffsets, one[0].segment.terms.keyOffsets) == nil)
        Self.expectSame(merged.postings, one[0].segment.postings, "merged vs built at once")
    }

    /// Whole packed blocks are copied when the merged term is at a block boundary: after a
    /// source whose term fills whole blocks (so the copy's first delta is from a document of
    /// another source), at a stream's last block, and with positions that step back.
    @Test func copiedBlocksEqualEncodingFromScratch() {
        var rng = SplitMix(seed: 31)
        // Per source: term 0 with 256 documents, term 1 (the streams' last) with `last`.
        func lists(docs: Int, count: Int) -> (docs: [UInt32], tfs: [UInt32], positions: [UInt32]) {
            let chosen = Array((0..<UInt32(docs)).shuffled(using: &rng).prefix(count)).sorted()
            var tfs: [UInt32] = [], positions: [UInt32] = []
            for _ in chosen {
                let tf = UInt32.random(in: 1...6, using: &rng)
                tfs.append(tf)
                var p = UInt32.random(in: 0...300, using: &rng)
                for _ in 0..<tf {
                    positions.append(p)
                    // Now and then a step back, as a compound's joined form makes.
                    p = Int.random(in: 0..<8, using: &rng) == 0 && p > 2 ? p - 2 : p + UInt32.random(in: 1...200, using: &rng)
                }
            }
            return (chosen, tfs, positions)
        }
        for last in [128, 256, 300] {
            let docsA = 400, docsB = 500
            let lengths = (0..<(docsA + docsB)).map { _ in UInt32.random(in: 1...900, using: &rng) }
            let a = [lists(docs: docsA, count: 256), lists(docs: docsA, count: 128)]
            let b = [lists(docs: docsB, count: 256), lists(docs: docsB, count: last)]
            func encode(_ terms: [(docs: [UInt32], tfs: [UInt32], positions: [UInt32])], base: Int) -> Postings {
                var encoder = PostingsEncoder()
                for term in terms { encoder.addTerm(docs: term.docs, tfs: term.tfs, positions: term.positions) { lengths[base + Int($0)] } }
                return encoder.finish()
            }
            let (pa, pb) = (encode(a, base: 0), encode(b, base: docsA))
            var merged = PostingsEncoder()
            lengths.withUnsafeBufferPointer { lengths in
                for t in 0..<2 {
                    var term = PostingsEncoder.MergedTerm()
                    merged.appendShifted(pa, term: t, base: 0, lengths: lengths, to: &term)
                    merged.appendShifted(pb, term: t, base: UInt32(docsA), lengths: lengths, to: &term)
                    let written = merged.finishMergedTerm(term)
                    #expect(written)
                }
            }
            let joined = (0..<2).map { t in
                (docs: a[t].docs + b[t].docs.map { $0 + UInt32(docsA) }, tfs: a[t].tfs + b[t].tfs,
                 positions: a[t].positions + b[t].positions)
            }
            let result = merged.finish()
            Self.expectSame(result, encode(joined, base: 0), "copied blocks, last term of \(last)")
            #expect(result.inconsistency(docCount: docsA + docsB) == nil)
            // Positions that step back come out of the merge as they went in.
            let cursor = PostingCursor(postings: result, term: 1)
            var all: [UInt32] = [], scratch: [UInt32] = []
            while cursor.next() != PostingCursor.exhausted {
                cursor.positions(into: &scratch)
                all += scratch
            }
            #expect(all == joined[1].positions)
        }
    }

    /// What a snapshot's postings are checked with before use: any table or stream that does
    /// not agree is named, so a faulty file is refused instead of read out of bounds.
    @Test func inconsistentPostingsAreNamed() {
        var encoder = PostingsEncoder()
        let docs = (0..<300).map { UInt32($0 * 3) }
        encoder.addTerm(docs: docs, tfs: docs.map { $0 % 5 + 1 }, positions: docs.flatMap { d in (0..<(d % 5 + 1)).map { $0 * 7 + d % 11 } }) { _ in 10 }
        encoder.addTerm(docs: [4, 9], tfs: [1, 2], positions: [3, 1, 2]) { _ in 10 }
        let good = encoder.finish()
        #expect(good.inconsistency(docCount: 900) == nil)
        #expect(good.inconsistency(docCount: 897) != nil, "a document past the segment")
        func altered(_ change: (inout [[UInt32]], inout [UInt8], inout [UInt8]) -> Void) -> Postings {
            var tables = [good.termFirstBlock, good.termDocFreq, good.blockLastDoc, good.blockDocOffset, good.blockPosOffset,
                          good.blockMaxTf, good.blockMinLength]
            var docBytes = good.docBytes, positionBytes = good.positionBytes
            change(&tables, &docBytes, &positionBytes)
            return Postings(termFirstBlock: tables[0], termDocFreq: tables[1], blockLastDoc: tables[2], blockDocOffset: tables[3],
                            blockPosOffset: tables[4], blockMaxTf: tables[5], blockMinLength: tables[6],
                            docBytes: docBytes, positionBytes: positionBytes)
        }
        let widthAt = Int(good.blockDocOffset[1]) + 1  // past block 1's first delta (3: one byte), its docBits
        let cases: [(String, Postings)] = [
            ("a width over 32", altered { _, d, _ in d[widthAt] = 33 }),
            ("a wider block", altered { _, d, _ in d[widthAt] += 1 }),
            ("a wrong last document", altered { t, _, _ in t[2][0] += 1 }),
            ("more documents than blocks", altered { t, _, _ in t[1][0] = 400 }),
            ("a term's blocks past the table", altered { t, _, _ in t[0][1] = 5; t[1][0] = 640 }),
            ("tables of other lengths", altered { t, _, _ in t[5].removeLast() }),
            ("positions cut short", altered { _, _, p in p.removeLast(BitPacking.padding + 1) }),
            ("no padding", altered { _, d, _ in d.removeLast(BitPacking.padding) }),
        ]
        for (what, postings) in cases { #expect(postings.inconsistency(docCount: 900) != nil, "\(what)") }
    }

    @Test func byteListMergeYieldsTheSortedUnionWithItsHolders() {
        var rng = SplitMix(seed: 21)
        for round in 0..<300 {
            // Small alphabets overlap a lot; runs of one list's strings come from the prefixes.
            let lists: [[[UInt8]]] = (0..<Int.random(in: 0...9, using: &rng)).map { l in
                let prefix = round % 2 == 0 ? [] : [UInt8(l)]
                var set = Set<[UInt8]>()
                for _ in 0..<Int.random(in: 0..<40, using: &rng) {
                    set.insert(prefix + (0..<Int.random(in: 0...3, using: &rng)).map { _ in UInt8.random(in: 0..<4, using: &rng) })
                }
                return set.sorted(by: ByteOrder.less)
            }
            let expected = Set(lists.flatMap { $0 }).sorted(by: ByteOrder.less)
            let buffers = lists.map { list in
                (list.flatMap { $0 }, list.reduce(into: [UInt32(0)]) { $0.append($0.last! + UInt32($1.count)) })
            }
            for strategy in [ByteListMerge.Strategy.scan, .heap] {
                var got: [[UInt8]] = []
                var holdersRight = true
                ByteListMerge.withLists(buffers) { views in
                    var merge = ByteListMerge(views, strategy: strategy)
                    var members: [(list: Int, index: Int)] = []
                    while merge.next(into: &members) {
                        let string = lists[members[0].list][members[0].index]
                        got.append(string)
                        let holders = lists.indices.compactMap { l in lists[l].firstIndex(of: string).map { (l, $0) } }
                        if holders.map(\.0) != members.map(\.list) || holders.map(\.1) != members.map(\.index) { holdersRight = false }
                    }
                }
                #expect(got == expected, "round \(round), \(strategy)")
                #expect(holdersRight, "round \(round), \(strategy)")
            }
        }
    }
}
