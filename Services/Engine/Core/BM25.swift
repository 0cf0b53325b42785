#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// BM25 of one term in one field, and the variant of BM25F this engine uses.
///
/// **Variant: per-field BM25, weighted and summed** (what Elasticsearch calls `most_fields`,
/// not Robertson's BM25F, which would pool term frequencies across fields before saturating).
/// For a query term t and a document d:
///
///     score(t, d) = Σ over fields f of d containing t:
///         w_f · idf_f(t) · tf_f·(k1 + 1) / (tf_f + k1·(1 − b + b·len_f / avgLen_f))
///     idf_f(t)   = ln(1 + (N_f − df_f(t) + 0.5) / (df_f(t) + 0.5))
///
/// - `w_f`: the field's weight (`EngineConfig.fieldWeights`: title 3, lead/summary/tags 2,
///   body and anything else 1);
/// - `tf_f`: occurrences of t's stem in field f (in the document's language);
/// - `len_f`: tokens in field f of d; `avgLen_f`: mean over live documents having field f;
/// - `N_f`: live documents having field f; `df_f(t)`: those whose field f holds t — Danish
///   documents counted by t's Danish stem, English ones by its English stem;
/// - a query's score sums its terms; a phrase counts as one term with the phrase frequency as
///   tf and the sum of its words' idf (as Lucene does); a prefix adds `w_f` per matching field.
///
/// Each field saturates on its own, so a word in both title and body adds both; each
/// (term, field) posting list is then an independent scorer with a simple per-block bound,
/// which is what MaxScore and block-max pruning need. Statistics are exact over live
/// documents: deletions are subtracted (`Deletions`), never left in until a merge.
struct BM25Field: Sendable {
    let weightedIdf: Double
    let k1: Double
    let b: Double
    let averageLength: Double

    @inline(__always) func score(tf: Double, length: Double) -> Double {
        weightedIdf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * length / averageLength))
    }

    static func idf(documents n: Int, docFreq df: Int) -> Double {
        let n = Double(n), df = Double(df)
        return log(1 + (n - df + 0.5) / (df + 0.5))
    }
}
