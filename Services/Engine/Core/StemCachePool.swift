import TidendeAnalysis

/// Warm stem caches for searches: a search borrows one for planning its query and highlighting
/// its hits, and gives it back. A fresh cache per search stemmed every word of every highlighted
/// field again, and allocating its table cost more than a rare word's whole search.
enum StemCachePool {
    /// A cache in the pool (used by one search at a time).
    final class Entry: @unchecked Sendable {
        let cache = StemCache(expectedTerms: 4_096)
    }

    private static let pool = ReusePool { Entry() }
    /// A cache that has learnt this many words is dropped instead of kept (bounded memory).
    static let maxWords = 200_000

    static func borrow() -> Entry { pool.borrow() }

    static func giveBack(_ entry: Entry) {
        guard entry.cache.count < maxWords else { return }
        pool.giveBack(entry)
    }
}
