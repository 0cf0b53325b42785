import Foundation
import GRDB
import TidendeModels

/// One operation for the writer thread, in a connection's request order.
public enum StoreOp: Sendable {
    case put(id: String, document: [UInt8])
    case delete(id: String)
    /// Read the latest committed version (ordered after this connection's earlier writes).
    case get(id: String)
    /// A barrier: completes once everything before it is durable.
    case sync
}

/// The outcome of one `StoreOp`.
public enum StoreResult: Sendable {
    case stored(seq: Int64)
    case deleted(seq: Int64, found: Bool)
    case document([UInt8]?)
    case synced(head: Int64)
    case failed(WireError)
}

/// Group commit: a single thread takes every batch queued since its last commit and writes them in
/// one transaction (one fsync), then reports each batch's results. `seq`s are assigned inside the
/// transaction, so they are gap-free in commit order; a failed commit hands its `seq`s back.
public final class StoreWriter: @unchecked Sendable {
    public typealias Completion = @Sendable ([StoreResult]) -> Void

    private struct Batch {
        var ops: [StoreOp]
        var completion: Completion
    }

    private let store: DocumentStore
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Batch] = []
    private var queuedOps = 0
    private var stopping = false
    private var thread: Thread?

    /// Highest `seq` committed; read from any thread.
    private let stateLock = NSLock()
    private var _head: Int64
    private var _live: Int
    private var _tombstones: Int
    private var _commits = 0
    private var _failedCommits = 0
    private var _lastError: String?

    /// Called on the writer thread after each commit that advanced `head`.
    private let onCommit: @Sendable (Int64) -> Void
    /// Most operations taken into one transaction.
    public let maxOpsPerCommit: Int

    public init(store: DocumentStore, maxOpsPerCommit: Int = 20_000, onCommit: @escaping @Sendable (Int64) -> Void) throws {
        self.store = store
        self.maxOpsPerCommit = maxOpsPerCommit
        self.onCommit = onCommit
        let census = try store.census()
        _head = census.head
        _live = census.live
        _tombstones = census.tombstones
    }

    public struct Counters: Sendable {
        public var head: Int64
        public var live: Int
        public var tombstones: Int
        public var commits: Int
        public var failedCommits: Int
        public var queuedOps: Int
        public var lastError: String?
    }

    public var counters: Counters {
        condition.lock()
        let queued = queuedOps
        condition.unlock()
        stateLock.lock()
        defer { stateLock.unlock() }
        return Counters(head: _head, live: _live, tombstones: _tombstones, commits: _commits,
                        failedCommits: _failedCommits, queuedOps: queued, lastError: _lastError)
    }

    public var head: Int64 {
        stateLock.lock()
        defer { stateLock.unlock() }
        return _head
    }

    /// Tombstones purged from the store (they no longer count).
    public func notePurged(_ count: Int) {
        stateLock.lock()
        _tombstones -= count
        stateLock.unlock()
    }

    public func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "tidende-store-writer"
        thread = t
        t.start()
    }

    /// Queues `ops`; `completion` runs on the writer thread with one result per op, in order.
    public func submit(_ ops: [StoreOp], completion: @escaping Completion) {
        condition.lock()
        if stopping {
            condition.unlock()
            completion(ops.map { _ in .failed(WireError(.shuttingDown, "the ingest service is shutting down")) })
            return
        }
        queue.append(Batch(ops: ops, completion: completion))
        queuedOps += ops.count
        condition.signal()
        condition.unlock()
    }

    /// Finishes what is queued, then stops the thread.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        while true {
            condition.lock()
            let done = queue.isEmpty && thread == nil
            condition.unlock()
            if done { return }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                thread = nil
                condition.unlock()
                return
            }
            // Take whole batches up to the op budget (always at least one batch).
            var taken: [Batch] = []
            var count = 0
            while let first = queue.first, taken.isEmpty || count + first.ops.count <= maxOpsPerCommit {
                taken.append(queue.removeFirst())
                count += first.ops.count
            }
            queuedOps -= count
            condition.unlock()
            commit(taken)
        }
    }

    private func commit(_ batches: [Batch]) {
        let startHead = head
        var results: [[StoreResult]] = []
        var live = 0, dead = 0
        var next = startHead
        do {
            try store.pool.write { db in
                results = []
                live = 0; dead = 0
                next = startHead
                let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO docs(seq, id, doc) VALUES (?, ?, ?)")
                let tombstone = try db.cachedStatement(sql: "INSERT OR REPLACE INTO docs(seq, id, doc) VALUES (?, ?, NULL)")
                let exists = try db.cachedStatement(sql: "SELECT doc IS NOT NULL FROM docs WHERE id = ?")
                for batch in batches {
                    var out: [StoreResult] = []
                    out.reserveCapacity(batch.ops.count)
                    for op in batch.ops {
                        switch op {
                        case let .put(id, document):
                            let wasLive = try Bool.fetchOne(exists, arguments: [id])
                            next += 1
                            try upsert.execute(arguments: [next, id, Data(document)])
                            if wasLive != true { live += 1 }
                            if wasLive == false { dead -= 1 }
                            out.append(.stored(seq: next))
                        case let .delete(id):
                            let wasLive = try Bool.fetchOne(exists, arguments: [id])
                            if wasLive == true {
                                next += 1
                                try tombstone.execute(arguments: [next, id])
                                live -= 1; dead += 1
                                out.append(.deleted(seq: next, found: true))
                            } else {
                                out.append(.deleted(seq: next, found: false))
                            }
                        case let .get(id):
                            out.append(.document(try DocumentStore.document(db, id: id)))
                        case .sync:
                            out.append(.synced(head: next))
                        }
                    }
                    results.append(out)
                }
            }
        } catch {
            let message = "the store could not commit: \(Self.describe(error)); nothing in this batch was stored"
            stateLock.lock()
            _failedCommits += 1
            _lastError = message
            stateLock.unlock()
            for batch in batches {
                batch.completion(batch.ops.map { _ in .failed(WireError(.storeUnavailable, message)) })
            }
            return
        }
        stateLock.lock()
        _head = next
        _live += live
        _tombstones += dead
        // A transaction of only gets, syncs and deletes of absent ids wrote nothing to make durable.
        if next != startHead { _commits += 1 }
        _lastError = nil
        stateLock.unlock()
        if next != startHead { onCommit(next) }
        for (batch, out) in zip(batches, results) { batch.completion(out) }
    }

    static func describe(_ error: Error) -> String {
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_FULL: return "disk full"
            case .SQLITE_IOERR: return "I/O error"
            case .SQLITE_READONLY: return "database is read-only"
            default: return db.message ?? "\(db.resultCode)"
            }
        }
        return "\(error)"
    }
}
