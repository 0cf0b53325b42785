import NIOCore
import NIOPosix
import TidendeModels
import TidendeServer
import TidendeWire

/// The feed protocol on one connection (DESIGN §4): `{"op":"subscribe","from":N}`, then every
/// change with `seq >= N` in order, then the live tail, with `{"head":N}` heartbeats when idle.
///
/// The session pulls pages from the store on a reader thread and writes them only while the socket
/// is writable, so memory per subscriber is one page, whatever the subscriber's speed.
final class FeedSession: LineSession {
    private let state: IngestState
    private var subscribed = false
    private var next: Int64 = 1
    /// During a reset, the snapshot phase runs up to this seq and skips tombstones.
    private var snapshotUntil: Int64 = 0
    /// The subscriber holds no document whose delete is at or before this seq yet to come: a
    /// fresh one (from 0 or 1) or one being reset gets only documents live at the head known
    /// then, so only later tombstones concern it; one resuming from N needs them all from N on.
    private var needsTombstonesAfter: Int64 = 0
    private var reading = false
    private var knownHead: Int64 = 0
    private var hubKey: Int?
    private var heartbeat: RepeatedTask?
    private var sentSinceBeat = false
    private weak var connection: Connection?

    init(state: IngestState) {
        self.state = state
    }

    func request(_ line: RequestLine, token: ReplyToken, connection: Connection) {
        guard case .object(let scan) = line else {
            return connection.reply(token, error: WireError(.invalidJSON, "expected {\"op\":\"subscribe\",\"from\":SEQ}"))
        }
        let op = scan.member("op").flatMap { scan.string($0) }
        switch op {
        case "subscribe":
            subscribe(scan, token: token, connection: connection)
        case "ping":
            connection.reply(token, Array("{\"ok\":true,\"op\":\"pong\",\"seq\":\(state.writer.head)}\n".utf8))
        case "stats":
            var w = JSONWriter(capacity: 256)
            w.object { o in
                o.member("ok", true); o.member("op", "stats"); o.member("service", "feed")
                o.member("seq", state.writer.head); o.member("subscribers", state.hub.subscriberCount)
            }
            w.newline()
            connection.reply(token, w.bytes)
        case nil:
            connection.reply(token, error: WireError(.unknownOp, "expected {\"op\":\"subscribe\",\"from\":SEQ}"))
        case let other?:
            connection.reply(token, error: WireError(.unknownOp, "unknown op \"\(other)\" on the feed port; expected subscribe, ping, stats, hello or quit"))
        }
    }

    func closed() {
        if let hubKey { state.hub.remove(hubKey) }
        heartbeat?.cancel()
        heartbeat = nil
    }

    private func subscribe(_ scan: JSONScan, token: ReplyToken, connection: Connection) {
        if subscribed {
            return connection.reply(token, error: WireError(.invalidRequest, "this connection is already subscribed"))
        }
        // `from` is part of the request (DESIGN §4): a subscriber that leaves it out may mean
        // "everything" or "only new changes", and guessing either silently is worse than asking.
        guard let fromMember = scan.member("from") else {
            return connection.reply(token, error: WireError(.invalidRequest, "expected {\"op\":\"subscribe\",\"from\":SEQ}: \"from\" is the first seq wanted (0: everything)"))
        }
        guard let from = scan.int64(fromMember), from >= 0 else {
            return connection.reply(token, error: WireError(.invalidRequest, "\"from\" must be a whole number ≥ 0 (the first seq wanted)"))
        }
        // The store the subscriber's state came from (when it names one).
        var theirStore: Int64?
        if let m = scan.member("store") {
            guard let n = scan.int64(m) else {
                return connection.reply(token, error: WireError(.invalidRequest, "\"store\" must be the whole number a subscribe reply gave"))
            }
            theirStore = n
        }
        var format: DeflateFormat? = .zlib
        if let m = scan.member("compress") {
            guard let name = scan.string(m), let asked = Connection.formats[name] else {
                return connection.reply(token, error: WireError(.invalidRequest, "\"compress\" must be \"zlib\" (default), \"gzip\" or \"none\""))
            }
            format = asked
            // A `hello` that said "none" binds as much as one that said "zlib" (README: the
            // compression is chosen once per connection).
            if connection.compressionChosen, connection.replyCompression != format {
                return connection.reply(token, error: WireError(.invalidRequest, "hello already made this connection \(Connection.alreadyText(connection.replyCompression)); leave \"compress\" out of subscribe or ask for the same"))
            }
        }
        // After `hello` with `compress`, that choice holds: no second stream, and "none" stays plain.
        if connection.compressionChosen { format = connection.replyCompression }
        let horizon: Int64
        do {
            horizon = try state.store.horizon()
        } catch {
            return connection.reply(token, error: WireError(.storeUnavailable, "cannot read the store: \(error)"))
        }
        subscribed = true
        self.connection = connection
        connection.exemptFromIdleTimeout = true
        connection.continuesAfterInputEnd = true
        // Register for wake-ups before reading the head, so no commit falls between the two.
        let bound = NIOLoopBound(self, eventLoop: connection.eventLoop)
        hubKey = state.hub.add(loop: connection.eventLoop) { head in
            bound.value.headAdvanced(head)
        }
        knownHead = state.writer.head
        next = max(from, 1)

        var w = JSONWriter(capacity: 128)
        // The subscribe reply goes out through the reply order; everything after it is streamed.
        // A `from` past head + 1 means the subscriber has seen changes this store never made (the
        // store was replaced or restored): waiting for that seq would leave it silently stale, so
        // it is reset like one behind the horizon.
        // A subscriber whose state came from another store (this file replaced it) is reset too.
        let myStore = state.store.storeID
        let foreign = from > 1 && theirStore.map { $0 != myStore } ?? false
        let reset = (from > 1 && from < horizon) || from > knownHead + 1 || foreign
        w.object { o in
            o.member("ok", true); o.member("op", "subscribe"); o.member("from", next)
            o.member("head", knownHead)
            o.member("compress", Connection.name(format))
            o.member("store", myStore)
            if reset { o.member("reset", true) }
        }
        w.newline()
        if let format, connection.replyCompression == nil { connection.startCompression(format) }
        connection.reply(token, w.bytes)
        if reset {
            self.reset(from: from, horizon: horizon, on: connection)
        } else if next == 1 {
            needsTombstonesAfter = knownHead
        }

        connection.onWritable = { [weak self] in self?.pump() }
        let interval = TimeAmount.milliseconds(state.config.heartbeatMilliseconds)
        heartbeat = connection.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.beat()
        }
        pump()
    }

    /// Deletes older than the horizon are gone: the subscriber must rebuild, so the reset line
    /// goes out and every live document follows (tombstones up to the head known now are left
    /// out), then the changes after it.
    private func reset(from: Int64, horizon: Int64, on connection: Connection) {
        snapshotUntil = knownHead
        needsTombstonesAfter = knownHead
        next = 1
        connection.emit(Array("{\"reset\":true,\"from\":\(from),\"horizon\":\(horizon),\"head\":\(knownHead),\"store\":\(state.store.storeID)}\n".utf8))
        connection.flushOutput()
    }

    private func headAdvanced(_ head: Int64) {
        knownHead = max(knownHead, head)
        pump()
    }

    private func beat() {
        guard let connection else { return }
        // A safety net: the hub's wake-ups are the fast path, the heartbeat re-reads the head.
        knownHead = max(knownHead, state.writer.head)
        pump()
        if !sentSinceBeat && !reading {
            connection.emit(Array("{\"head\":\(state.writer.head)}\n".utf8))
            connection.flushOutput()
        }
        sentSinceBeat = false
    }

    /// Reads the next page when there is something to read, nothing in flight, and room to write.
    private func pump() {
        guard let connection, !reading, connection.isWritable, next <= knownHead else { return }
        reading = true
        let store = state.store
        let from = next
        let limit = state.config.feedPageSize, maxBytes = state.config.feedPageBytes
        let skipThrough = snapshotUntil
        let bound = NIOLoopBound(self, eventLoop: connection.eventLoop)
        state.readers.runIfActive(eventLoop: connection.eventLoop) {
            try store.page(from: from, limit: limit, maxBytes: maxBytes, skipTombstonesThrough: skipThrough)
        }.whenComplete { result in
            bound.value.deliver(result)
        }
    }

    private func deliver(_ result: Result<(changes: [DocumentStore.Change], horizon: Int64), Error>) {
        reading = false
        guard let connection else { return }
        switch result {
        case .failure(let error):
            connection.emit(WireError(.storeUnavailable, "cannot read the store: \(error)").replyLine(line: nil))
            connection.close()
        case .success(let (changes, horizon)):
            // Tombstones before the horizon are purged. The subscriber needs every delete from
            // `next` on that may concern it (`needsTombstonesAfter`): if the purge overtook it,
            // deletes of documents it holds are gone, so it starts again from a reset, as it
            // would have at subscribe time.
            if horizon > max(next, needsTombstonesAfter + 1) {
                reset(from: next, horizon: horizon, on: connection)
                sentSinceBeat = true
                return pump()
            }
            if changes.isEmpty {
                // Nothing at or after `next` yet: wait for the hub.
                return
            }
            var w = JSONWriter(capacity: 4096)
            for change in changes {
                w.beginObject()
                w.member("seq", change.seq)
                if let doc = change.document {
                    w.rawMember("put", doc)
                } else {
                    w.member("delete", change.id)
                }
                w.endObject()
                w.newline()
                next = change.seq + 1
            }
            connection.emit(w.takeBytes())
            connection.flushOutput()
            sentSinceBeat = true
            pump()
        }
    }
}
