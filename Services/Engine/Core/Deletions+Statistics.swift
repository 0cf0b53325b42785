import TidendeAnalysis

extension Deletions {
    /// Deletes document `d` of `segment` and takes its terms and lengths out of the segment's
    /// BM25 statistics. The segment keeps no forward index, so the stored document is analysed
    /// again, exactly as at indexing time.
    mutating func delete(_ d: Int, in segment: Segment, fields: FieldRegistry, config: EngineConfig,
                         analyzer: Analyzer) {
        guard !contains(d) else { return }
        insert(d)
        for (f, lengths) in segment.fieldLengths where lengths[d] > 0 {
            fieldTotals[f, default: FieldTotals()] =
                fieldTotals[f, default: FieldTotals()] + FieldTotals(length: UInt64(lengths[d]), documents: 1)
        }
        guard let document = try? segment.stored.document(d) else { return }
        let language = Language(code: segment.languages[d])
        for (path, values) in FlatDocument(document, config: config).texts {
            guard let f = fields.id(of: path) else { continue }
            let stems = Set(analyzeField(values, language: language, analyzer: analyzer).map(\.stem))
            for stem in stems {
                if let t = segment.terms.ordinal(of: TermDictionary.key(language: language.code, stem: stem, field: f)) {
                    termDocFreq[Int32(t), default: 0] += 1
                }
            }
        }
    }
}
