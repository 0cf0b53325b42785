import NIOCore
import TidendeModels
import TidendeServer

/// The ingest protocol on one connection (DESIGN §3): documents and ops in, durable acks out.
///
/// Writes are collected during a read burst and handed to the `StoreWriter` as one batch when the
/// burst ends, so a pipelined upload shares commits; each reply is sent when its commit is durable.
final class IngestSession: LineSession {
    private let state: IngestState
    private let connectionCount: @Sendable () -> Int
    private var batch: [StoreOp] = []
    /// Per request in `batch`: its reply token, what it was, and whether its success is answered
    /// (`hello` with `"acks":"errors"` says no from the requests after it on).
    private var batchReplies: [(token: ReplyToken, kind: Kind, ack: Bool)] = []
    private var accepted = 0
    private var rejected = 0
    private var lastSeq: Int64 = 0

    private enum Kind { case put(String), delete(String), get(String), sync, stats, ping }
    /// Requests handed to the store writer and not answered yet.
    private var submitted = 0

    private static let scanner = JSONScanner()
    private static let ops = "put, delete, get, sync, stats, ping, hello, quit (or a bare document object)"
    /// The members each op takes (a bare document's are free).
    private static let members: [String: Set<String>] = [
        "put": ["op", "doc"], "delete": ["op", "id"], "get": ["op", "id"],
        "sync": ["op"], "stats": ["op"], "ping": ["op"],
    ]

    init(state: IngestState, connectionCount: @escaping @Sendable () -> Int) {
        self.state = state
        self.connectionCount = connectionCount
    }

    func request(_ line: RequestLine, token: ReplyToken, connection: Connection) {
        switch line {
        case .text(let text):
            reject(token, connection, notJSON(text))
        case .object(let scan):
            guard let opMember = scan.member("op") else {
                return put(documentIn: scan, token: token, connection: connection)
            }
            let op = scan.string(opMember) ?? ""
            if let allowed = Self.members[op], let extra = scan.members.first(where: { !allowed.contains($0.key) }) {
                // As on the query port: a misspelt member (`"ids"`) must not pass unnoticed.
                return reject(token, connection, WireError(
                    .invalidRequest, "unknown key \"\(extra.key)\" for \"\(op)\"; expected some of: \(allowed.sorted().joined(separator: ", "))"))
            }
            switch op {
            case "put":
                guard let docMember = scan.member("doc") else {
                    return reject(token, connection, WireError(.invalidRequest, "\"put\" needs \"doc\": {\"op\":\"put\",\"doc\":{\"id\":…}}"))
                }
                guard docMember.kind == .object, let doc = scan.objectScan(docMember) else {
                    return reject(token, connection, WireError(.notAnObject, "\"doc\" must be a JSON object, found \(docMember.kind)"))
                }
                put(documentIn: doc, token: token, connection: connection)
            case "delete":
                guard let id = idArgument(scan, token, connection) else { return }
                enqueue(.delete(id: id), .delete(id), token, connection)
            case "get":
                guard let id = idArgument(scan, token, connection) else { return }
                enqueue(.get(id: id), .get(id), token, connection)
            case "sync":
                enqueue(.sync, .sync, token, connection)
            case "stats":
                enqueue(.sync, .stats, token, connection)
            case "ping":
                // With writes of this connection still on their way, the pong waits for them, so
                // its seq is never behind an ack sent before it; otherwise it answers at once.
                if batch.isEmpty && submitted == 0 {
                    connection.reply(token, Self.pong(state.writer.head))
                } else {
                    enqueue(.sync, .ping, token, connection)
                }
            case "subscribe":
                reject(token, connection, WireError(.unknownOp, "subscribe on the feed port (--feed-port, 7471 by default), not the ingest port"))
            case let other:
                reject(token, connection, WireError(.unknownOp, "unknown op \"\(other)\"; expected one of \(Self.ops)"))
            }
        }
    }

    func rejected(_ error: WireError) {
        rejected += 1
        state.count(accepted: 0, rejected: 1)
    }

    func readBurstEnded(connection: Connection) {
        guard !batch.isEmpty else { return }
        let ops = batch
        let replies = batchReplies
        batch.removeAll(keepingCapacity: true)
        batchReplies.removeAll(keepingCapacity: true)
        let bound = NIOLoopBound(self, eventLoop: connection.eventLoop)
        let boundConnection = connection.bound
        let loop = connection.eventLoop
        submitted += ops.count
        state.writer.submit(ops) { results in
            loop.execute {
                bound.value.answer(replies, results, connection: boundConnection.value)
            }
        }
    }

    func summary(connection: Connection, failure: WireError?) -> [UInt8]? {
        var w = JSONWriter(capacity: 128)
        w.object { o in
            o.member("ok", failure == nil)
            o.member("op", "summary")
            o.member("accepted", accepted)
            o.member("rejected", rejected)
            o.member("last_seq", lastSeq)
        }
        w.newline()
        return w.bytes
    }

    // MARK: - Requests

    private func put(documentIn doc: JSONScan, token: ReplyToken, connection: Connection) {
        let size = doc.range.count
        if size > state.config.maxDocumentBytes {
            return reject(token, connection, WireError(.documentTooLarge, "the document is \(size) bytes; the limit is \(state.config.maxDocumentBytes) (--max-doc-bytes)"))
        }
        switch DocumentID.extract(from: doc) {
        case .failure(let error):
            reject(token, connection, error)
        case .success(let id):
            enqueue(.put(id: id, document: Array(doc.valueBytes)), .put(id), token, connection)
        }
    }

    private func idArgument(_ scan: JSONScan, _ token: ReplyToken, _ connection: Connection) -> String? {
        switch DocumentID.extract(from: scan) {
        case .success(let id): return id
        case .failure(let error):
            reject(token, connection, error)
            return nil
        }
    }

    private func enqueue(_ op: StoreOp, _ kind: Kind, _ token: ReplyToken, _ connection: Connection) {
        batch.append(op)
        batchReplies.append((token, kind, !connection.acksOnlyErrors))
    }

    private func reject(_ token: ReplyToken, _ connection: Connection, _ error: WireError) {
        rejected(error)
        connection.reply(token, error: error)
    }

    private func notJSON(_ text: String) -> WireError {
        let bytes = Array(text.utf8)
        if let scan = try? Self.scanner.scan(bytes) {
            return WireError(.notAnObject, "expected a JSON object (a document or {\"op\":…}), found \(scan.kind)")
        }
        let start = String(text.prefix(20))
        return WireError(.invalidJSON, "expected a JSON object (a document or {\"op\":…}) at column 1, found \"\(start)\(text.count > 20 ? "…" : "")\"")
    }

    // MARK: - Replies

    private static func pong(_ head: Int64) -> [UInt8] {
        Array("{\"ok\":true,\"op\":\"pong\",\"seq\":\(head)}\n".utf8)
    }

    private func answer(_ replies: [(token: ReplyToken, kind: Kind, ack: Bool)], _ results: [StoreResult], connection: Connection) {
        submitted -= replies.count
        for ((token, kind, ack), result) in zip(replies, results) {
            var w = JSONWriter(capacity: 96)
            switch (kind, result) {
            case (_, .failed(let error)):
                reject(token, connection, error)
                continue
            case let (.put(id), .stored(seq)):
                accepted += 1
                state.count(accepted: 1, rejected: 0)
                lastSeq = seq
                if !ack { connection.reply(token, nil); continue }
                w.object { o in o.member("ok", true); o.member("id", id); o.member("seq", seq) }
            case let (.delete(id), .deleted(seq, found)):
                if found {
                    accepted += 1; lastSeq = seq
                    state.count(accepted: 1, rejected: 0)
                }
                if !ack { connection.reply(token, nil); continue }
                w.object { o in
                    o.member("ok", true); o.member("id", id); o.member("seq", seq); o.member("found", found)
                }
            case let (.get(id), .document(doc)):
                guard let doc else {
                    connection.reply(token, error: WireError(.notFound, "no document with id \"\(id)\""))
                    continue
                }
                w.object { o in o.member("ok", true); o.member("id", id); o.rawMember("doc", doc) }
            case let (.sync, .synced(head)):
                w.object { o in
                    o.member("ok", true); o.member("op", "sync"); o.member("seq", head)
                    o.member("accepted", accepted); o.member("rejected", rejected)
                }
            case let (.ping, .synced(head)):
                connection.reply(token, Self.pong(head))
                continue
            case (.stats, .synced):
                w.object { o in
                    o.member("ok", true); o.member("op", "stats"); o.member("service", "ingest")
                    state.writeStats(to: &o, connections: connectionCount())
                }
            default:
                connection.reply(token, error: WireError(.internalError, "unexpected store result"))
                continue
            }
            w.newline()
            connection.reply(token, w.bytes)
        }
    }
}
