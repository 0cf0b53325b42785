#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization
import TidendeAnalysis
import TidendeModels

/// The search engine: an in-memory inverted index with stored documents, one writer and any
/// number of concurrent readers.
///
/// The writer (`upsert`, `delete`, `refresh`, …; call them from one task or thread at a time)
/// buffers analysed documents; `refresh` seals the buffer into an immutable segment, merges small
/// segments, and publishes the new list of segments and deletions in one step. A `Searcher`
/// holds one published state, so a query never sees half an update, and stays valid (and
/// unchanged) however long it is kept while the writer goes on.
public final class Engine: Sendable {
    public let config: EngineConfig
    let analyzer: Analyzer
    private let writer: Mutex<WriterState>
    private let published: Mutex<IndexView>
    /// (running now, started in all).
    private let runningMerges = Mutex((running: 0, started: 0))

    /// The `origin` the snapshot this engine was loaded from was written with (nil for a new
    /// engine, or a snapshot written without one).
    public let snapshotOrigin: Int64?

    public init(config: EngineConfig = EngineConfig(), analyzer: Analyzer = Analyzer()) {
        self.config = config
        self.analyzer = analyzer
        snapshotOrigin = nil
        writer = Mutex(WriterState(segments: [], fields: FieldRegistry(), seq: 0, config: config, analyzer: analyzer))
        published = Mutex(IndexView(segments: [], fields: FieldRegistry(), seq: 0))
    }

    init(config: EngineConfig, analyzer: Analyzer, restoring view: IndexView, origin: Int64?) {
        self.config = config
        self.analyzer = analyzer
        snapshotOrigin = origin
        writer = Mutex(WriterState(segments: view.segments, fields: view.fields, seq: view.seq,
                                   config: config, analyzer: analyzer))
        published = Mutex(view)
    }

    /// Adds a document or replaces the one with the same id. Visible after the next `refresh`.
    ///
    /// `json`, when given, must be the document's own JSON text (as received): it is stored as
    /// is and returned verbatim in hits, saving a re-encode. Otherwise the document is encoded.
    public func upsert(id: String, document: JSONValue, seq: UInt64, json: [UInt8]? = nil) {
        writer.withLock { w in
            let prepared = w.preparer.prepare(id: id, document: document, json: json)
            upsert(prepared, seq: seq, writer: &w)
        }
    }

    /// Adds or replaces a document prepared (on any thread) by a preparer from `makePreparer()`.
    /// Visible after the next `refresh`.
    public func upsert(_ prepared: PreparedDocument, seq: UInt64) {
        writer.withLock { w in upsert(prepared, seq: seq, writer: &w) }
    }

    private func upsert(_ prepared: PreparedDocument, seq: UInt64, writer w: inout WriterState) {
        w.delete(id: prepared.id, config: config, analyzer: analyzer)
        w.add(prepared, seq: seq)
        w.seq = max(w.seq, seq)
        if w.builder.count >= config.maxBufferedDocuments { w.sealBuffer() }
    }

    /// A preparer for this engine's documents, to run `DocumentPreparer.prepare` on another
    /// thread than the writer's: preparing (analysis, compression) is most of indexing.
    public func makePreparer() -> DocumentPreparer {
        DocumentPreparer(config: config, analyzer: analyzer)
    }

    /// Deletes a document by id (a no-op if absent). Visible after the next `refresh`.
    public func delete(id: String, seq: UInt64) {
        writer.withLock { w in
            w.delete(id: id, config: config, analyzer: analyzer)
            w.seq = max(w.seq, seq)
        }
    }

    /// Makes every change applied so far searchable: seals the buffer, merges small segments
    /// (tiered: `mergeFactor` segments of a similar size become one; a segment more than half
    /// deleted is rewritten), and publishes the new state atomically. Cheap when little changed:
    /// merges of more than `backgroundMergeDocuments` documents are handed to a background
    /// thread, and their result becomes visible with a later `refresh`.
    public func refresh() {
        let jobs = writer.withLock { w in
            w.sealBuffer()
            let jobs = w.merge(factor: config.mergeFactor, backgroundLimit: config.backgroundMergeDocuments)
            let view = IndexView(segments: w.segments, fields: w.fields, seq: w.seq)
            published.withLock { $0 = view }
            return jobs
        }
        for sources in jobs { startBackgroundMerge(sources) }
    }

    private func startBackgroundMerge(_ sources: [SegmentView]) {
        runningMerges.withLock { $0.running += 1; $0.started += 1 }
        BackgroundThread.start { [self] in
            // Reads immutable segments only: the writer and searchers go on meanwhile.
            let (merged, remaps) = SegmentMerger.mergeWithRemaps(sources)
            writer.withLock { w in
                w.commitMerge(sources: sources, merged: merged, remaps: remaps, config: config, analyzer: analyzer)
            }
            runningMerges.withLock { $0.running -= 1 }
        }
    }

    /// Merges the small segments into one on a background thread (and the largest too once the
    /// small ones hold a quarter of its documents): call it when the writer has been idle for a
    /// while, so searches visit one or two segments instead of one per size tier. Returns false
    /// when there is nothing worth merging (or a merge already runs). The result is published
    /// by the next `refresh` (`hasUnpublishedChanges` tells when one is due).
    @discardableResult
    public func mergeWhileIdle() -> Bool {
        guard backgroundMerges == 0, let sources = writer.withLock({ $0.idleMergeSources() }) else { return false }
        startBackgroundMerge(sources)
        return true
    }

    /// Whether the writer holds changes (documents, deletions, a finished merge) that the last
    /// `refresh` did not publish.
    public var hasUnpublishedChanges: Bool {
        let view = published.withLock { $0 }
        return writer.withLock { w in
            w.builder.count > 0 || w.seq != view.seq || w.segments.count != view.segments.count
                || zip(w.segments, view.segments).contains { $0.segment !== $1.segment || $0.deletions.count != $1.deletions.count }
        }
    }

    /// Merges running in the background now.
    public var backgroundMerges: Int { runningMerges.withLock { $0.running } }

    /// Blocks until no background merge is running (for tests, benchmarks and shutdown).
    public func waitForMerges() {
        while backgroundMerges > 0 { usleep(1_000) }
    }

    /// Merges every segment into one (dropping deleted documents) and publishes it. Waits for
    /// background merges first.
    public func forceMerge() {
        waitForMerges()
        writer.withLock { w in
            w.sealBuffer()
            w.mergeAll()
            let view = IndexView(segments: w.segments, fields: w.fields, seq: w.seq)
            published.withLock { $0 = view }
        }
    }

    /// The last `seq` applied by the writer (searchable after the next `refresh`).
    public var appliedSeq: UInt64 { writer.withLock { $0.seq } }

    /// The last `seq` searchable now.
    public var searchableSeq: UInt64 { published.withLock { $0.seq } }

    /// A consistent, immutable view for queries; cheap to take, safe to use from any thread.
    public func searcher() -> Searcher {
        Searcher(view: published.withLock { $0 }, config: config, analyzer: analyzer)
    }

    /// Sizes of the published state.
    public func stats() -> EngineStats {
        let view = published.withLock { $0 }
        var terms = 0, memory = 0, stored = 0, deleted = 0
        var breakdown: [String: Int] = [:]
        for sv in view.segments {
            breakdown.merge(sv.segment.breakdown, uniquingKeysWith: +)
            terms += sv.segment.terms.count
            memory += sv.segment.memoryBytes + sv.deletions.bits.count * 8
            stored += sv.segment.stored.memoryBytes
            deleted += sv.deletions.count
        }
        return EngineStats(documents: view.liveDocuments, terms: terms, segments: view.segments.count,
                           deletedDocuments: deleted, memoryBytes: memory, storedBytes: stored,
                           appliedSeq: appliedSeq, searchableSeq: view.seq, breakdown: breakdown,
                           backgroundMergesStarted: runningMerges.withLock { $0.started })
    }

    /// The state a snapshot captures: the published view (call `refresh` first to include
    /// everything applied).
    var publishedView: IndexView { published.withLock { $0 } }
}
