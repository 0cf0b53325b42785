import Testing
@testable import TidendeEngine

/// The per-block (frequency, length) pairs must give each block's exact maximum score, and a
/// bound for every document of it from its frequency alone, under any collection statistics.
@Suite struct TermImpactsTests {
    @Test func blockBoundsAreExactMaximaAndFrequencyBoundsHold() throws {
        let e = engine(MergePostingsTests.corpus(count: 3_000, seed: 5))
        e.forceMerge()
        let segment = try #require(e.searcher().view.segments.first?.segment)
        let postings = segment.postings
        var multiBlock = 0
        for t in 0..<segment.terms.count {
            let lengths = segment.fieldLengths[segment.terms.field(t)] ?? []
            let impacts = TermImpacts(postings: postings, term: t, lengths: lengths)
            let cursor = PostingCursor(postings: postings, term: t)
            if cursor.endBlock - cursor.firstBlock > 1 { multiBlock += 1 }
            for bm25 in [BM25Field(weightedIdf: 2.5, k1: 1.2, b: 0.75, averageLength: 9),
                         BM25Field(weightedIdf: 0.3, k1: 2, b: 0.2, averageLength: 140)] {
                let walk = PostingCursor(postings: postings, term: t)
                var maxima = [Double](repeating: 0, count: cursor.endBlock - cursor.firstBlock)
                while walk.next() != PostingCursor.exhausted {
                    let b = walk.currentBlock - walk.firstBlock
                    let score = bm25.score(tf: Double(walk.tf), length: Double(lengths[Int(walk.doc)]))
                    maxima[b] = max(maxima[b], score)
                    #expect(impacts.bound(block: b, tf: walk.tf, bm25) >= score, "term \(t) doc \(walk.doc)")
                }
                for (b, m) in maxima.enumerated() {
                    #expect(impacts.bound(block: b, bm25) == m, "term \(t) block \(b)")
                    // Never looser than pairing the block's largest frequency with its shortest field.
                    let coarse = bm25.score(tf: Double(postings.blockMaxTf[cursor.firstBlock + b]),
                                            length: Double(postings.blockMinLength[cursor.firstBlock + b]))
                    #expect(m <= coarse)
                }
            }
        }
        #expect(multiBlock > 10)
    }
}
