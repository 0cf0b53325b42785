import TidendeAnalysis
import TidendeModels

/// The writer's buffer of documents not yet searchable. Documents are analysed and inverted as
/// they arrive (so `refresh` only has to sort and encode); `seal` turns the buffer into an
/// immutable `Segment`.
struct SegmentBuilder {
    private(set) var ids: [String] = []
    private var seqs: [UInt64] = []
    private var recency: [Double] = []
    private var languages: [UInt8] = []
    private(set) var idIndex: [String: Int32] = [:]
    /// Buffered documents replaced or deleted before the buffer was sealed.
    private(set) var deleted: Set<Int32> = []
    /// The stem → term maps and word counts, indexed by the cache's ids: the writer's, reused
    /// from buffer to buffer (see `TermMaps`); `release()` clears what this buffer set.
    private let maps: TermMaps
    private var termKeys: [UInt64] = []
    // Postings accumulate flat, one entry per (document, term) in document order; `seal` groups
    // them by term with a counting sort. No per-term arrays, so no allocation per new term.
    private var entries: [Entry] = []
    private var positions: [UInt32] = []
    /// By field id (dense, from the `FieldRegistry`): empty / nil for fields this buffer lacks.
    private var fieldLengths: [[UInt32]] = []
    private var columns: [DocValuesColumnBuilder?] = []
    private var stored = StoredDocumentsBuilder()
    /// Word ids with a nonzero count (in `maps.wordCounts`), in first-use order.
    private var usedWords: [StemCache.TermID] = []
    /// A prepared document's tokens with the writer's ids.
    private var translated: [AnalyzedToken] = []
    // Per-document grouping of tokens by term without sorting: `termSeen[t]` is the last
    // document (+1) that used term t, `termSlot[t]` its slot in that document's term list.
    // Both are kept longer than `termKeys` by at least the largest document's token count, so
    // the token loop can add terms without a capacity check.
    private var termSeen: [UInt32] = []
    private var termSlot: [Int32] = []
    private var docTerms: [Int32] = []
    private var docTermCounts: [UInt32] = []
    /// Per token of the document being added: its slot in `docTerms` and its position.
    private var tokenSlots: [(slot: Int32, position: UInt32)] = []
    private var fill: [Int] = []

    init(maps: TermMaps) { self.maps = maps }

    var count: Int { ids.count }
    var liveCount: Int { ids.count - deleted.count }

    /// Inverts one prepared document. Terms and stems are ids interned in the writer's
    /// `StemCache` (mapped from the preparer's ids by `translation` when the document carries
    /// its preparer's log), so the loop below indexes arrays by integers, never hashes strings.
    mutating func add(_ prepared: PreparedDocument, seq: UInt64, fields: inout FieldRegistry, cache: StemCache,
                      compressor: Compressor, translation: inout TermTranslation?) {
        let language = prepared.language
        let doc = UInt32(ids.count)
        idIndex[prepared.id] = Int32(doc)
        ids.append(prepared.id)
        seqs.append(seq)
        recency.append(prepared.recency)
        languages.append(language.code)

        if var translate = translation {
            translated.removeAll(keepingCapacity: true)
            for var t in prepared.tokens {
                t.term = translate(t.term, cache: cache)
                t.stem = translate(t.stem, cache: cache)
                translated.append(t)
            }
            translation = translate
        }
        let tokens = prepared.log == nil ? prepared.tokens : translated

        // Sized up front, then filled through pointers: the loop below runs once per token, and
        // an append's uniqueness and capacity checks were a fifth of it.
        let tokenCount = tokens.count
        docTerms.ensureCount(tokenCount)
        docTermCounts.ensureCount(tokenCount)
        if tokenSlots.count < tokenCount {
            tokenSlots.append(contentsOf: repeatElement((slot: 0, position: 0), count: tokenCount - tokenSlots.count))
        }
        termSeen.ensureCount(termKeys.count + tokenCount)
        termSlot.ensureCount(termKeys.count + tokenCount)
        var docTermCount = 0
        let seenMark = doc + 1
        let lang = UInt64(language.code) << 56
        // Every id in `tokens` is below `cache.count` (the loop below reads and writes unchecked).
        assert(tokens.allSatisfy { Int($0.term) < cache.count && Int($0.stem) < cache.count },
               "a document's term ids must come from the writer's cache")
        maps.reserveWords(cache.count)
        let wordCounts = maps.wordCounts.base
        var fieldStart = 0
        for (path, fieldEnd) in prepared.fields {
            let field = fields.intern(path)
            let range = fieldStart..<fieldEnd
            fieldStart = fieldEnd
            if range.isEmpty { continue }
            if fieldLengths.count <= Int(field) { fieldLengths.append(contentsOf: repeatElement([], count: Int(field) + 1 - fieldLengths.count)) }
            fieldLengths[Int(field)].appendPadded(UInt32(range.count), at: Int(doc))
            let fieldBits = UInt64(field) << 32
            // This (language, field)'s stem → term map.
            let map = maps.lane(language: language, field: field, ids: cache.count)
            tokens.withUnsafeBufferPointer { tokens in
            termSeen.withUnsafeMutableBufferPointer { termSeen in
            termSlot.withUnsafeMutableBufferPointer { termSlot in
            docTerms.withUnsafeMutableBufferPointer { docTerms in
            docTermCounts.withUnsafeMutableBufferPointer { docTermCounts in
            tokenSlots.withUnsafeMutableBufferPointer { tokenSlots in
                for i in range {
                    let token = tokens[i]
                    let word = Int(token.term)
                    if wordCounts[word] == 0 { usedWords.append(token.term) }
                    wordCounts[word] &+= 1
                    let stem = Int(token.stem)
                    var term = Int(map[stem]) &- 1
                    if term < 0 {
                        term = termKeys.count
                        map[stem] = Int32(term + 1)
                        termKeys.append(lang | fieldBits | UInt64(UInt32(token.stem)))
                        termSeen[term] = 0
                    }
                    if termSeen[term] != seenMark {
                        termSeen[term] = seenMark
                        termSlot[term] = Int32(docTermCount)
                        docTerms[docTermCount] = Int32(term)
                        docTermCounts[docTermCount] = 0
                        docTermCount += 1
                    }
                    let slot = termSlot[term]
                    docTermCounts[Int(slot)] &+= 1
                    tokenSlots[i] = (slot, UInt32(bitPattern: token.position))
                }
            }}}}}}
        }
        let fieldsEnd = fieldStart
        // Scatter the positions into per-term runs (token order: ascending within a field).
        let base = positions.count
        fill.ensureCount(docTermCount)
        var start = base
        for slot in 0..<docTermCount {
            fill[slot] = start
            entries.append(Entry(term: docTerms[slot], doc: doc, tf: docTermCounts[slot], start: UInt32(start)))
            start += Int(docTermCounts[slot])
        }
        positions.append(contentsOf: repeatElement(0, count: start - base))
        positions.withUnsafeMutableBufferPointer { positions in
            fill.withUnsafeMutableBufferPointer { fill in
                tokenSlots.withUnsafeBufferPointer { tokenSlots in
                    for (slot, position) in tokenSlots[0..<fieldsEnd] {
                        positions[fill[Int(slot)]] = position
                        fill[Int(slot)] += 1
                    }
                }
            }
        }
        for (path, values) in prepared.values {
            let field = Int(fields.intern(path))
            if columns.count <= field { columns.append(contentsOf: repeatElement(nil, count: field + 1 - columns.count)) }
            if columns[field] == nil { columns[field] = DocValuesColumnBuilder() }
            columns[field]!.add(doc: Int(doc), values)
        }
        switch prepared.stored {
        case .compressed(let bytes):
            stored.add(compressed: bytes, originalSize: prepared.originalSize, dictionary: prepared.dictionary)
        case .text(let text):
            stored.add(compressed: compressor.compress(text, dictionary: prepared.dictionary),
                       originalSize: prepared.originalSize, dictionary: prepared.dictionary)
        }
    }

    /// Clears the entries of the writer's `TermMaps` this buffer set, for the next buffer: call
    /// once the buffer is sealed (or dropped).
    func release() {
        for key in termKeys {
            maps.clear(language: UInt8(truncatingIfNeeded: key >> 56), field: UInt16(truncatingIfNeeded: key >> 32),
                       stem: Int(key & 0xffff_ffff))
        }
        for word in usedWords { maps.wordCounts[Int(word)] = 0 }
    }

    /// Marks a buffered document as gone (replaced or deleted before sealing).
    mutating func delete(id: String) -> Bool {
        guard let d = idIndex[id] else { return false }
        idIndex[id] = nil
        deleted.insert(d)
        return true
    }

    /// Encodes the buffer as a segment, leaving out documents deleted while buffered. `order`
    /// ranks every string of `cache` (the writer updates it first).
    func seal(cache: StemCache, order: InternedOrder) -> Segment {
        let n = ids.count
        var remap = [Int32](repeating: -1, count: n)
        var live = 0
        for d in 0..<n where !deleted.contains(Int32(d)) {
            remap[d] = Int32(live)
            live += 1
        }
        let keep = { (d: Int) in remap[d] >= 0 }

        var lengths: [UInt16: [UInt32]] = [:]
        for (field, raw) in fieldLengths.enumerated() where !raw.isEmpty {
            var out = [UInt32]()
            out.reserveCapacity(live)
            for d in 0..<n where keep(d) { out.append(d < raw.count ? raw[d] : 0) }
            lengths[UInt16(field)] = out
        }

        // The dictionary order, `[language] stem 0x00 [field]` by bytes, is (language, stem
        // bytes, field): stems are ranked in byte order by `order`, then the terms are sorted as
        // integers (language, stem rank, field). A stem never holds a 0x00 byte (not a letter),
        // so a stem that is a prefix of another sorts first in both orders.
        let termCount = termKeys.count
        let stemRank = order.rank
        var sortable = [(key: UInt64, term: Int32)]()
        sortable.reserveCapacity(termCount)
        for (t, k) in termKeys.enumerated() {
            let rank = UInt64(UInt32(bitPattern: stemRank[Int(k & 0xffff_ffff)]))
            sortable.append((k & 0xff00_0000_0000_0000 | rank << 16 | (k >> 32) & 0xffff, Int32(t)))
        }
        sortable.sort { $0.key < $1.key }

        // Counting sort of the entries by term (stable: documents stay ascending), so the
        // per-term loop below reads them in order instead of chasing entries across the buffer.
        let entryCount = entries.count
        var termStart = [Int](repeating: 0, count: termCount + 1)
        for e in entries { termStart[Int(e.term) + 1] += 1 }
        for t in 0..<termCount { termStart[t + 1] += termStart[t] }
        var sorted = [Entry](repeating: Entry(term: 0, doc: 0, tf: 0, start: 0), count: entryCount)
        do {
            var fill = termStart
            fill.withUnsafeMutableBufferPointer { fill in
                sorted.withUnsafeMutableBufferPointer { sorted in
                    for e in entries {
                        let j = fill[Int(e.term)]
                        fill[Int(e.term)] = j + 1
                        sorted[j] = e
                    }
                }
            }
        }
        var encoder = PostingsEncoder()
        var keyBytes: [UInt8] = []
        var keyOffsets: [UInt32] = [0]
        keyOffsets.reserveCapacity(termCount + 1)
        var docs: [UInt32] = [], tfs: [UInt32] = [], termPositions: [UInt32] = []
        let noDeletions = deleted.isEmpty
        for (_, t32) in sortable {
            let t = Int(t32)
            // Sized first, then filled through pointers: appending entry by entry (a uniqueness
            // check each, a memmove call per document's positions) was half of sealing.
            var live = 0, positionCount = 0
            for e in sorted[termStart[t]..<termStart[t + 1]] {
                guard noDeletions || remap[Int(e.doc)] >= 0 else { continue }
                live += 1
                positionCount += Int(e.tf)
            }
            docs.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            termPositions.removeAll(keepingCapacity: true)
            docs.append(contentsOf: repeatElement(0, count: live))
            tfs.append(contentsOf: repeatElement(0, count: live))
            termPositions.append(contentsOf: repeatElement(0, count: positionCount))
            sorted.withUnsafeBufferPointer { sorted in
                positions.withUnsafeBufferPointer { positions in
                    docs.withUnsafeMutableBufferPointer { docs in
                        tfs.withUnsafeMutableBufferPointer { tfs in
                            termPositions.withUnsafeMutableBufferPointer { out in
                                var i = 0, o = 0
                                for e in sorted[termStart[t]..<termStart[t + 1]] {
                                    let nd = noDeletions ? Int32(e.doc) : remap[Int(e.doc)]
                                    guard nd >= 0 else { continue }
                                    docs[i] = UInt32(nd)
                                    tfs[i] = e.tf
                                    i += 1
                                    let tf = Int(e.tf), p = Int(e.start)
                                    for k in 0..<tf { out[o + k] = positions[p + k] }
                                    o += tf
                                }
                            }
                        }
                    }
                }
            }
            if docs.isEmpty { continue }
            let key = termKeys[t]
            let field = UInt16(truncatingIfNeeded: key >> 32)
            let fieldLengths = lengths[field] ?? []
            fieldLengths.withUnsafeBufferPointer { fieldLengths in
                encoder.addTerm(docs: docs, tfs: tfs, positions: termPositions) { fieldLengths[Int($0)] }
            }
            keyBytes.append(UInt8(key >> 56))
            keyBytes.append(contentsOf: cache.string(StemCache.TermID(truncatingIfNeeded: key & 0xffff_ffff)).utf8)
            keyBytes.append(0)
            keyBytes.append(UInt8(field >> 8))
            keyBytes.append(UInt8(field & 0xff))
            keyOffsets.append(UInt32(keyBytes.count))
        }

        var storedOut = StoredDocumentsBuilder()
        for d in 0..<n where !deleted.isEmpty && keep(d) {
            storedOut.add(compressed: stored.compressed(d), originalSize: Int(stored.originalSizes[d]),
                          dictionary: stored.dictionary(d))
        }
        let wordList = usedWords.sorted { stemRank[Int($0)] < stemRank[Int($1)] }
            .map { (cache.string($0), maps.wordCounts[Int($0)]) }

        func pick<T>(_ a: [T]) -> [T] { deleted.isEmpty ? a : a.indices.filter(keep).map { a[$0] } }
        return Segment(
            ids: pick(ids), seqs: pick(seqs), recency: pick(recency), languages: pick(languages),
            terms: TermDictionary(keyBytes: keyBytes, keyOffsets: keyOffsets),
            postings: encoder.finish(), fieldLengths: lengths,
            docValues: Dictionary(uniqueKeysWithValues: columns.enumerated().compactMap { field, column in
                column.map { (UInt16(field), $0.build(docCount: n, keep: keep)) }
            }),
            stored: deleted.isEmpty ? stored.build() : storedOut.build(),
            words: wordList.map(\.0), wordCounts: wordList.map(\.1))
    }
}

/// One (document, term) of a buffer: the term's ordinal, the document, its frequency there and
/// where its positions start in the buffer's `positions`.
private struct Entry {
    var term: Int32
    var doc: UInt32
    var tf: UInt32
    var start: UInt32
}

extension Array where Element: BinaryInteger {
    /// Grows the array with zeros to at least `count` elements (never shrinks it).
    @inline(__always)
    mutating func ensureCount(_ count: Int) {
        if self.count < count { append(contentsOf: repeatElement(0, count: count - self.count)) }
    }
}

extension Array where Element == UInt32 {
    /// Sets element `index`, padding with zeros for documents that lacked the field.
    mutating func appendPadded(_ value: UInt32, at index: Int) {
        while count < index { append(0) }
        if count == index { append(value) } else { self[index] += value }
    }
}

/// Maps indexed by the writer's stem-cache ids, kept from one buffer to the next: a fresh set per
/// buffer cost time in proportion to the whole vocabulary on every refresh (zero-filling), where
/// a buffer only touches the ids it uses. Each buffer clears its own entries (`release()`), so a
/// buffer starts from all zeros. Owned by the writer, used by one buffer at a time.
final class TermMaps {
    /// Per (language, field) lane: stem id → the buffer's term ordinal + 1 (0: none yet). Direct
    /// indexing by stem id, where a hash table would probe (and miss the cache) per token.
    private var lanes: [ZeroedTable<Int32>] = []
    private var laneOf: [UInt32: Int] = [:]
    /// Occurrences per word id in the current buffer.
    private(set) var wordCounts = ZeroedTable<UInt32>(count: 1024)

    /// The lane of (`language`, `field`), able to hold stem ids below `ids`.
    func lane(language: Language, field: UInt16, ids: Int) -> ZeroedTable<Int32> {
        let key = UInt32(language.code) << 16 | UInt32(field)
        let lane: Int
        if let l = laneOf[key] { lane = l } else {
            lane = lanes.count
            laneOf[key] = lane
            lanes.append(ZeroedTable(count: max(ids, 1024)))
        }
        if lanes[lane].count < ids { lanes[lane] = lanes[lane].grown(to: ids * 2) }
        return lanes[lane]
    }

    /// Makes `wordCounts` hold ids below `ids`.
    func reserveWords(_ ids: Int) {
        if wordCounts.count < ids { wordCounts = wordCounts.grown(to: ids * 2) }
    }

    /// Resets one lane entry (a term of the buffer being released).
    func clear(language: UInt8, field: UInt16, stem: Int) {
        guard let lane = laneOf[UInt32(language) << 16 | UInt32(field)] else { return }
        lanes[lane][stem] = 0
    }
}
