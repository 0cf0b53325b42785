import TidendeAnalysis

extension Deletions {
    /// Deletes document `d` of `segment` and takes its terms and lengths out of the segment's
    /// BM25 statistics. The segment keeps no forward index, so the stored document is analysed
    /// again, exactly as at indexing time.
    mutating func delete(_ d: Int, in segment: Segment, fields: FieldRegistry, config: EngineConfig,
                         analyzer: Analyzer, cache: StemCache) {
        guard !contains(d) else { return }
        insert(d)
        for (f, lengths) in segment.fieldLengths where lengths[d] > 0 {
            fieldTotals[f, default: FieldTotals()] =
                fieldTotals[f, default: FieldTotals()] + FieldTotals(length: UInt64(lengths[d]), documents: 1)
        }
        guard let document = try? segment.stored.document(d) else { return }
        let language = Language(code: segment.languages[d])
        // Analysed again with the writer's warm cache (ids, no stemming of known words), each
        // distinct stem looked up once.
        var tokens: [AnalyzedToken] = []
        var stems = Set<StemCache.TermID>()
        for (path, values) in FlatDocument.texts(of: document, config: config) {
            guard let f = fields.id(of: path) else { continue }
            tokens.removeAll(keepingCapacity: true)
            stems.removeAll(keepingCapacity: true)
            for value in values { analyzer.analyze(value, language: language, cache: cache, into: &tokens) }
            for token in tokens where stems.insert(token.stem).inserted {
                let key = TermDictionary.key(language: language.code, stem: cache.string(token.stem), field: f)
                if let t = segment.terms.ordinal(of: key) { termDocFreq[Int32(t), default: 0] += 1 }
            }
        }
    }
}
