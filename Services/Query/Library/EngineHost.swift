import Foundation
import Logging
import NIOCore
import TidendeEngine
import TidendeModels

/// Owns the engine on the query side. Feed lines go through two threads in order: the preparer
/// parses them and analyses each document (`DocumentPreparer`: most of the cost of indexing);
/// the applier applies the prepared changes to the engine, makes them searchable (`refresh`) at
/// least every `refreshMilliseconds`, wakes `min_seq` waiters, and writes snapshots. So one
/// document is analysed while the previous ones are inverted, on both cores. Queries take a
/// `Searcher` (one consistent state) and never wait for either thread.
public final class EngineHost: @unchecked Sendable {
    private let config: QueryConfig
    private let logger: Logger
    private let condition = NSCondition()
    let snapshotPath: String

    // Guarded by `condition`.
    private var engine: Engine
    private var queue: [Item] = []
    private var queuedBytes = 0
    /// Prepared changes, from the preparer to the applier (at most `changeLimit`).
    private var changes: [Change] = []
    private var stopping = false
    private var running = false
    private var preparing = false
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private var onDrained: (@Sendable () -> Void)?
    private var _feedHead: UInt64 = 0
    private var _searchable: UInt64 = 0
    private var _resets = 0
    private var _snapshotSeq: UInt64 = 0
    private var _snapshotAt: Date?
    private var _lastApplyError: String?
    /// Why the feed is not being followed, while it is not (a refusal, a connection error).
    private var _feedError: String?
    private var snapshotInFlight = false
    /// The ingest store (its `store` id from the feed) the engine's documents came from; nil
    /// while unknown (a fresh index, or a snapshot written before the feed named one). Written by
    /// the applier only, in step with the changes it applies.
    private var engineStore: Int64?

    /// Time from a change's arrival from the feed to the refresh that made it searchable.
    let visibilityGap = Latencies()
    private let scanner = JSONScanner()
    /// Above this many queued bytes the follower stops reading the feed.
    let highWater = 8 << 20
    /// The preparer waits while this many prepared changes wait for the applier (~10 KB each).
    let changeLimit = 1_024

    private struct Item {
        var line: [UInt8]
        var arrived: UInt64
    }

    /// A feed line the preparer has read, for the applier.
    private enum Change {
        case put(PreparedDocument, seq: UInt64, arrived: UInt64)
        case delete(String, seq: UInt64, arrived: UInt64)
        /// The feed restarts from nothing: rebuild from an empty index (of documents from the
        /// store with this id, when the feed names it).
        case reset(store: Int64?)
        /// The feed accepted a subscription: what follows comes from the store with this id;
        /// when a reset follows, the reset line says so too.
        case subscribed(store: Int64?, resetFollows: Bool)

        var arrived: UInt64? {
            switch self {
            case .put(_, _, let t), .delete(_, _, let t): t
            case .reset, .subscribed: nil
            }
        }
    }

    private struct Waiter {
        var seq: UInt64
        var promise: EventLoopPromise<Bool>
        /// Its timeout, cancelled when the seq becomes searchable first.
        var timer: Scheduled<Void>?
    }

    public init(config: QueryConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        snapshotPath = (config.dataDirectory as NSString).appendingPathComponent("query.snapshot")
        try? FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        var loaded: Engine?
        if FileManager.default.fileExists(atPath: snapshotPath) {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let engine = try Engine.loadSnapshot(from: snapshotPath, config: config.engine)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                logger.info("snapshot loaded", metadata: ["seq": "\(engine.appliedSeq)", "ms": "\(ms)"])
                loaded = engine
            } catch {
                logger.error("snapshot refused; rebuilding from the feed", metadata: ["error": "\(error)"])
            }
        }
        engine = loaded ?? Engine(config: config.engine)
        // Which store the snapshot's documents came from (kept in the snapshot itself).
        engineStore = loaded?.snapshotOrigin
        _searchable = engine.appliedSeq
        _snapshotSeq = engine.appliedSeq
        _feedHead = engine.appliedSeq
    }

    // MARK: Reading

    /// A consistent view of the index for one query.
    public func searcher() -> Searcher {
        condition.lock()
        defer { condition.unlock() }
        return engine.searcher()
    }

    /// The last seq applied and made searchable.
    public var searchableSeq: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return _searchable
    }

    /// The id of the ingest store the index's documents came from, if known: the follower names
    /// it when it subscribes, and a feed served by another store resets it.
    public var resumeStore: Int64? {
        condition.lock()
        defer { condition.unlock() }
        return engineStore
    }

    /// Where the follower should resume: the first seq not yet applied.
    public var resumeFrom: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return engine.appliedSeq + 1
    }

    struct Status {
        var feedHead: UInt64
        var searchable: UInt64
        var queued: Int
        var resets: Int
        var snapshotSeq: UInt64
        var snapshotAt: Date?
        var lastApplyError: String?
        var feedError: String?
        /// How long the oldest change waiting to be applied has waited (0 when none waits).
        var lagMs: Double
    }

    func status() -> Status {
        condition.lock()
        defer { condition.unlock() }
        let oldest = changes.lazy.compactMap(\.arrived).first ?? queue.first?.arrived
        return Status(feedHead: max(_feedHead, _searchable), searchable: _searchable,
                      queued: queue.count + changes.count,
                      resets: _resets, snapshotSeq: _snapshotSeq, snapshotAt: _snapshotAt,
                      lastApplyError: _lastApplyError, feedError: _feedError,
                      lagMs: oldest.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e6 } ?? 0)
    }

    /// The engine's own figures (documents, terms, memory).
    func engineStats() -> EngineStats {
        condition.lock()
        let e = engine
        condition.unlock()
        return e.stats()
    }

    /// Succeeds with true once `seq` is searchable, or false after `timeout`.
    func whenSearchable(_ seq: UInt64, on loop: EventLoop, timeout: TimeAmount) -> EventLoopFuture<Bool> {
        condition.lock()
        if _searchable >= seq {
            condition.unlock()
            return loop.makeSucceededFuture(true)
        }
        let promise = loop.makePromise(of: Bool.self)
        nextWaiter += 1
        let key = nextWaiter
        waiters[key] = Waiter(seq: seq, promise: promise)
        condition.unlock()
        let timer = loop.scheduleTask(in: timeout) { [weak self] in
            guard let self else { return }
            self.condition.lock()
            let waiter = self.waiters.removeValue(forKey: key)
            self.condition.unlock()
            waiter?.promise.succeed(false)
        }
        condition.lock()
        let pending = waiters[key] != nil
        if pending { waiters[key]?.timer = timer }
        condition.unlock()
        if !pending { timer.cancel() }  // answered already
        return promise.futureResult
    }

    // MARK: Feeding

    /// Queues one feed line (called on the follower's event loop). Returns false when the queue is
    /// over its high-water mark: the follower should stop reading until `onDrained` fires.
    func enqueue(_ line: [UInt8]) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        condition.lock()
        queue.append(Item(line: line, arrived: now))
        queuedBytes += line.count
        let ok = queuedBytes < highWater
        condition.broadcast()
        condition.unlock()
        return ok
    }

    func setOnDrained(_ callback: @escaping @Sendable () -> Void) {
        condition.lock()
        onDrained = callback
        condition.unlock()
    }

    /// The feed's head, from heartbeats.
    func noteFeedHead(_ head: UInt64) {
        condition.lock()
        _feedHead = max(_feedHead, head)
        condition.unlock()
    }

    // MARK: The preparer and applier threads

    public func start() {
        condition.lock()
        running = true
        preparing = true
        condition.unlock()
        let preparer = Thread { [self] in self.prepareLoop() }
        preparer.name = "tidende-preparer"
        preparer.start()
        let thread = Thread { [self] in self.loop() }
        thread.name = "tidende-applier"
        thread.start()
    }

    /// Stops applying (what is queued but not applied is dropped: the feed resends it after a
    /// restart), writes a final snapshot of what is applied, and stops both threads.
    public func stop() {
        condition.lock()
        stopping = true
        queue.removeAll()
        queuedBytes = 0
        changes.removeAll()
        condition.broadcast()
        while running || preparing { condition.wait() }
        condition.unlock()
    }

    /// The preparer thread: takes feed lines as they are queued, reads them and prepares each
    /// document, and hands the changes on in order, waiting while the applier is `changeLimit`
    /// behind (the feed queue then fills and the follower stops reading).
    private func prepareLoop() {
        let preparer = DocumentPreparer(config: config.engine)
        var out: [Change] = []
        var compress = true
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                preparing = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let items = queue
            queue.removeAll(keepingCapacity: true)
            let wasOver = queuedBytes >= highWater
            queuedBytes = 0
            let drained = onDrained
            condition.unlock()
            if wasOver { drained?() }
            for item in items {
                if let change = read(item, preparer: preparer, compress: compress) { out.append(change) }
                if out.count >= 64 {
                    guard let waiting = handOn(&out) else { break }
                    // Balance the two threads: while the applier has work waiting, it is the
                    // slower one and the preparer compresses; while it waits for work, the
                    // preparer is the slower one and leaves compressing to it.
                    compress = waiting >= 256
                }
            }
            _ = handOn(&out)
        }
    }

    /// Appends `out` to the changes for the applier. Returns how many changes the applier had
    /// waiting before them, or nil when stopping (they are dropped).
    private func handOn(_ out: inout [Change]) -> Int? {
        defer { out.removeAll(keepingCapacity: true) }
        condition.lock()
        defer { condition.unlock() }
        guard !out.isEmpty else { return changes.count }
        while changes.count >= changeLimit && !stopping { condition.wait() }
        if stopping { return nil }
        let waiting = changes.count
        changes.append(contentsOf: out)
        condition.broadcast()
        return waiting
    }

    private func loop() {
        var lastSnapshot = DispatchTime.now().uptimeNanoseconds
        let snapshotEvery = UInt64(config.snapshotIntervalSeconds) * 1_000_000_000
        let refreshEvery = UInt64(config.refreshMilliseconds) * 1_000_000
        // While a backlog is being applied, each refresh seals a small segment that must later be
        // merged: refresh less often then (catch-up is ~30% faster), unless a `min_seq` query
        // waits for what is already applied. With changes still waiting, a refresh comes every
        // `refreshEvery` while the applier keeps up, every `catchUpEvery` while it is behind.
        let catchUpEvery = max(refreshEvery, 250_000_000)
        // Behind means the change just applied waited this long since it was read from the
        // feed: freshness is lost already, so throughput comes first. A steady upload the
        // applier keeps up with stays below it and is refreshed every `refreshEvery`.
        let behindAfter: UInt64 = max(refreshEvery * 5, 100_000_000)
        var behind = false
        var lastRefresh = DispatchTime.now().uptimeNanoseconds
        var lastChange = lastRefresh
        // Quiet this long (no feed changes), the index is merged down for searching.
        let idleMergeAfter: UInt64 = 1_000_000_000
        var unrefreshed: [UInt64] = []  // arrival times of applied, not yet searchable changes
        var merged = false, trimmed = false  // an idle merge was published / memory trimmed since
        var lastTrim: UInt64 = 0
        // malloc_trim walks every arena under its lock: at most this often (10 s let the garbage
        // of one upload stay until after the next idle merge: peak RSS 412 → 461 MB in the bench).
        let trimEvery: UInt64 = 2_000_000_000
        while true {
            condition.lock()
            // One deadline for the whole wait: wake-ups without a change (feed heartbeats) must
            // not push it back, or the idle work below (publishing, merging, snapshots) would wait
            // for as long as they keep coming.
            let deadline = Date().addingTimeInterval(1)
            while changes.isEmpty && !stopping {
                if !condition.wait(until: deadline) { break }
            }
            let items = changes
            changes.removeAll(keepingCapacity: true)
            condition.broadcast()  // the preparer may wait for room
            let stop = stopping && items.isEmpty
            let engine = self.engine
            let store = engineStore
            condition.unlock()

            if stop {
                condition.lock()
                while snapshotInFlight { condition.wait() }
                condition.unlock()
                if engine.searcher().seq != snapshotSeq() { writeSnapshot(engine, store: store) }
                condition.lock()
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }

            var current = engine
            for item in items {
                if isStopping { break }
                if apply(item, to: &current), let arrived = item.arrived { unrefreshed.append(arrived) }
                let now = DispatchTime.now().uptimeNanoseconds
                if let arrived = item.arrived { behind = now &- arrived >= behindAfter }
                let since = now - lastRefresh
                if since >= (behind ? catchUpEvery : refreshEvery) || (since >= refreshEvery && waiterReady(current.appliedSeq)) {
                    publish(current, &unrefreshed)
                    lastRefresh = now
                }
            }
            if !unrefreshed.isEmpty || current.appliedSeq != searchableSeq {
                let since = DispatchTime.now().uptimeNanoseconds - lastRefresh
                if !hasBacklog || since >= (behind ? catchUpEvery : refreshEvery) || waiterReady(current.appliedSeq) {
                    publish(current, &unrefreshed)
                    lastRefresh = DispatchTime.now().uptimeNanoseconds
                }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if !items.isEmpty {
                lastChange = now
                trimmed = false
            } else if now - lastChange >= idleMergeAfter {
                // Idle: merge the size tiers down to one or two segments in the background (fewer
                // segments, faster searches), and publish the result once it is done.
                // Memory freed while indexing (replaced segments, buffers) is handed back to the
                // system when the feed goes quiet, before the merge needs room, and again a tick
                // after the merge is published, once searches have let go of the old segments.
                if (!trimmed || (merged && current.backgroundMerges == 0 && !current.hasUnpublishedChanges))
                    && now &- lastTrim >= trimEvery {
                    AllocatorTuning.trim()
                    lastTrim = now
                    trimmed = true
                    merged = false
                }
                if current.hasUnpublishedChanges {
                    if current.backgroundMerges == 0 {
                        publish(current, &unrefreshed)
                        merged = true
                    }
                } else {
                    current.mergeWhileIdle()
                }
            }
            if now - lastSnapshot >= snapshotEvery {
                lastSnapshot = now
                if current.searcher().seq != snapshotSeq() { writeSnapshotInBackground(current, store: resumeStore) }
            }
        }
    }

    /// Reads one feed line (on the preparer thread): feed bookkeeping is done here, a change is
    /// returned for the applier, a put with its document prepared.
    private func read(_ item: Item, preparer: DocumentPreparer, compress: Bool) -> Change? {
        // Scan (fast, no tree) to route the line; only a put's document is parsed, and its own
        // bytes are handed to the engine to store as they came.
        let line = item.line
        let scan: JSONScan
        do {
            scan = try scanner.scanObject(line)
        } catch {
            noteApplyError("unreadable feed line: \(error)")
            return nil
        }
        // Changes (almost every line) carry a `seq`; the few other lines are the feed's own.
        guard let seqMember = scan.member("seq") else { return control(scan) }
        guard let signed = scan.int64(seqMember), signed >= 0 else {
            noteApplyError("feed line without seq")
            return nil
        }
        let seq = UInt64(signed)
        if let put = scan.member("put"), put.kind == .object {
            let json = Array(scan.valueBytes(put))
            // The line was validated by the scan: build the tree without validating it again.
            let doc = scan.value(put)
            guard case .success(let id) = DocumentID.extract(from: doc) else {
                noteApplyError("feed put without a usable id at seq \(seq)")
                return nil
            }
            return .put(preparer.prepare(id: id, document: doc, json: json, compress: compress), seq: seq, arrived: item.arrived)
        } else if let del = scan.member("delete"), let id = scan.string(del) ?? scan.int64(del).map(String.init) {
            return .delete(id, seq: seq, arrived: item.arrived)
        } else {
            noteApplyError("unknown feed line at seq \(seq)")
            return nil
        }
    }

    /// A feed line without `seq`: the subscribe reply, a reset, or a heartbeat.
    private func control(_ scan: JSONScan) -> Change? {
        let store = scan.member("store").flatMap { scan.int64($0) }
        if scan.member("ok") != nil {
            // The subscribe reply (it carries a `head` and, when one follows, `reset`).
            guard scan.member("op").flatMap({ scan.string($0) }) == "subscribe" else { return nil }
            if let head = scan.member("head"), let n = scan.int64(head), n >= 0 { noteFeedHead(UInt64(n)) }
            return .subscribed(store: store, resetFollows: scan.member("reset").map { scan.bool($0) == true } ?? false)
        }
        // Before the heartbeat test: a reset line carries a `head` too.
        if scan.member("reset") != nil { return .reset(store: store) }
        if let head = scan.member("head"), let n = scan.int64(head), n >= 0 {
            noteFeedHead(UInt64(n))
        } else {
            noteApplyError("feed line without seq")
        }
        return nil
    }

    /// Applies one change (on the applier thread). Returns true when it changed the index.
    private func apply(_ change: Change, to engine: inout Engine) -> Bool {
        let seq: UInt64
        switch change {
        case .subscribed(let store, let resetFollows):
            // Without a reset, the index goes on with this store's changes (the feed checked the
            // store named in the subscription); with one, the reset line records it.
            if let store, !resetFollows {
                condition.lock()
                engineStore = store
                condition.unlock()
            }
            return false
        case .reset(let store):
            // The feed can no longer replay exactly from our seq (or serves another store): start
            // from an empty index; the feed now sends every live document.
            logger.warning("feed reset: rebuilding the index")
            let fresh = Engine(config: config.engine)
            condition.lock()
            self.engine = fresh
            engineStore = store
            _resets += 1
            // Searches see the fresh index from now on: `min_seq` waits for the rebuild.
            _searchable = 0
            // The new store's head may be below the old one: heartbeats and changes set it again.
            _feedHead = 0
            condition.unlock()
            engine = fresh
            return false
        case .put(let prepared, let s, _):
            seq = s
            if seq <= engine.appliedSeq { return false }  // already applied (a resumed feed overlaps)
            engine.upsert(prepared, seq: seq)
        case .delete(let id, let s, _):
            seq = s
            if seq <= engine.appliedSeq { return false }
            engine.delete(id: id, seq: seq)
        }
        condition.lock()
        _feedHead = max(_feedHead, seq)
        condition.unlock()
        return true
    }

    private func publish(_ engine: Engine, _ unrefreshed: inout [UInt64]) {
        engine.refresh()
        let seq = engine.appliedSeq
        let now = DispatchTime.now().uptimeNanoseconds
        for arrived in unrefreshed { visibilityGap.record(Double(now - arrived) / 1e6) }
        unrefreshed.removeAll(keepingCapacity: true)
        condition.lock()
        _searchable = seq
        var ready: [Waiter] = []
        for (key, waiter) in waiters where waiter.seq <= seq {
            ready.append(waiter)
            waiters.removeValue(forKey: key)
        }
        condition.unlock()
        for waiter in ready {
            waiter.timer?.cancel()
            waiter.promise.succeed(true)
        }
    }

    /// More feed lines are queued behind the batch just applied.
    private var hasBacklog: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !queue.isEmpty || !changes.isEmpty
    }

    /// A `min_seq` query waits for a seq that is applied (but not yet searchable).
    private func waiterReady(_ applied: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return waiters.values.contains { $0.seq <= applied }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func snapshotSeq() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return _snapshotSeq
    }

    /// Snapshots encode the published (immutable) view, so they are written on their own thread
    /// while the applier goes on; at most one at a time.
    private func writeSnapshotInBackground(_ engine: Engine, store: Int64?) {
        condition.lock()
        if snapshotInFlight {
            condition.unlock()
            return
        }
        snapshotInFlight = true
        condition.unlock()
        let thread = Thread { [self] in
            writeSnapshot(engine, store: store)
            condition.lock()
            snapshotInFlight = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tidende-snapshot"
        thread.start()
    }

    /// Writes the snapshot, with the id of the store its documents came from in the same file
    /// (one atomic write: a snapshot and the name of its store can never disagree).
    private func writeSnapshot(_ engine: Engine, store: Int64?) {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            // The seq of the view the snapshot encodes (taken first: a later refresh only makes
            // the file newer than recorded, which costs one extra snapshot, never a gap).
            let seq = engine.searcher().seq
            try engine.writeSnapshot(to: snapshotPath, origin: store)
            condition.lock()
            _snapshotSeq = seq
            _snapshotAt = Date()
            condition.unlock()
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            logger.info("snapshot written", metadata: ["seq": "\(seq)", "ms": "\(ms)"])
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
        }
    }

    /// Records why the feed cannot be followed now (nil once it serves again), for `stats`.
    func noteFeedError(_ message: String?) {
        condition.lock()
        _feedError = message
        condition.unlock()
    }

    func noteApplyError(_ message: String) {
        logger.error("\(message)")
        condition.lock()
        _lastApplyError = message
        condition.unlock()
    }
}

extension JSONValue {
    /// A non-negative integer value.
    var uint64: UInt64? {
        switch self {
        case .integer(let i) where i >= 0: return UInt64(i)
        case .number(let d) where d >= 0 && d == d.rounded() && d < 1.8e19: return UInt64(d)
        default: return nil
        }
    }
}
