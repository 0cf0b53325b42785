/// Total token count of one field over a set of documents, and how many of them have it.
struct FieldTotals: Sendable, Hashable {
    var length: UInt64 = 0
    var documents: Int = 0

    static func + (a: FieldTotals, b: FieldTotals) -> FieldTotals {
        FieldTotals(length: a.length + b.length, documents: a.documents + b.documents)
    }
    static func - (a: FieldTotals, b: FieldTotals) -> FieldTotals {
        FieldTotals(length: a.length - b.length, documents: a.documents - b.documents)
    }
}

/// An immutable slice of the index: a few documents with their postings, lengths, doc values,
/// stored forms and words. Built by a `SegmentBuilder` or a merge, never changed afterwards, so
/// any number of searchers may read it while the writer goes on. Which of its documents are
/// deleted is kept apart, in `Deletions`.
final class Segment: Sendable {
    let ids: [String]
    let idIndex: [String: Int32]
    let seqs: [UInt64]
    /// `published_at` as seconds, -∞ when absent: the tie-break after the score.
    let recency: [Double]
    let languages: [UInt8]
    let terms: TermDictionary
    let postings: Postings
    /// Field id → per-document token count.
    let fieldLengths: [UInt16: [UInt32]]
    let fieldTotals: [UInt16: FieldTotals]
    let docValues: [UInt16: DocValuesColumn]
    let stored: StoredDocuments
    /// Surface words (normalised, not stemmed), sorted, with their occurrence counts: `suggest`.
    let words: [String]
    let wordCounts: [UInt32]

    init(ids: [String], seqs: [UInt64], recency: [Double], languages: [UInt8], terms: TermDictionary,
         postings: Postings, fieldLengths: [UInt16: [UInt32]], docValues: [UInt16: DocValuesColumn],
         stored: StoredDocuments, words: [String], wordCounts: [UInt32]) {
        self.ids = ids
        var index: [String: Int32] = [:]
        index.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() { index[id] = Int32(i) }
        self.idIndex = index
        self.seqs = seqs
        self.recency = recency
        self.languages = languages
        self.terms = terms
        self.postings = postings
        self.fieldLengths = fieldLengths
        var totals: [UInt16: FieldTotals] = [:]
        for (field, lengths) in fieldLengths {
            var t = FieldTotals()
            for l in lengths where l > 0 {
                t.length += UInt64(l)
                t.documents += 1
            }
            totals[field] = t
        }
        self.fieldTotals = totals
        self.docValues = docValues
        self.stored = stored
        self.words = words
        self.wordCounts = wordCounts
    }

    var docCount: Int { ids.count }

    var memoryBytes: Int { breakdown.values.reduce(0, +) }

    /// Estimated bytes per component (strings count their UTF-8 plus a header).
    var breakdown: [String: Int] {
        [
            "postings": postings.memoryBytes - postings.positionBytes.count,
            "positions": postings.positionBytes.count,
            "terms": terms.memoryBytes,
            "stored": stored.memoryBytes,
            "ids": ids.reduce(0) { $0 + $1.utf8.count + 16 } * 2 + ids.count * 17,
            "lengths": fieldLengths.values.reduce(0) { $0 + $1.count * 4 },
            "doc_values": docValues.values.reduce(0) { $0 + $1.memoryBytes },
            "words": words.reduce(0) { $0 + $1.utf8.count + 20 },
        ]
    }
}

/// Which documents of one segment are deleted, and what they contributed to the BM25 statistics
/// (document frequencies, field lengths), so scores over the live documents stay exact without
/// rewriting the segment. A value type: the writer changes its own copy, searchers keep theirs.
struct Deletions: Sendable {
    var bits: [UInt64]
    var count = 0
    /// Term ordinal → number of deleted documents containing it.
    var termDocFreq: [Int32: Int32] = [:]
    var fieldTotals: [UInt16: FieldTotals] = [:]

    init(docCount: Int) { bits = [UInt64](repeating: 0, count: (docCount + 63) / 64) }

    @inline(__always) func contains(_ doc: Int) -> Bool {
        bits[doc >> 6] & (1 << UInt64(doc & 63)) != 0
    }

    mutating func insert(_ doc: Int) {
        bits[doc >> 6] |= 1 << UInt64(doc & 63)
        count += 1
    }
}

