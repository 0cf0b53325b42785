import Foundation
import NIOCore
import NIOPosix
import TidendeAnalysis
import TidendeEngine
import TidendeQuerySyntax
import TidendeModels
import TidendeServer

/// The query protocol on one connection (DESIGN §5). Searches run on the search thread pool
/// against one `Searcher` each; the reply is encoded there too, so event loops only move bytes.
final class QuerySession: LineSession {
    private let state: QueryState

    private static let ops = "search (or a bare {\"q\":…} / a plain-text line), get, count, suggest, analyze, stats, ping, hello, quit"

    /// The highest `min_seq` asked on this connection, and until when its wait lasts: a request
    /// after it waits for it too (while it lasts), so it does not see an older index than one
    /// it follows (read-your-writes for the next lines too, however they are pipelined).
    /// Touched on the connection's event loop only.
    private var floorSeq: UInt64 = 0
    private var floorDeadline = NIODeadline.uptimeNanoseconds(0)

    init(state: QueryState) {
        self.state = state
    }

    func request(_ line: RequestLine, token: ReplyToken, connection: Connection) {
        do throws(WireError) {
            switch line {
            case .text(let text):
                search(try SearchParams(text: text, config: state.config), token: token, connection: connection)
            case .object(let scan):
                let value = scan.value()
                let op: String
                switch value["op"] {
                case nil: op = "search"
                case .string(let s)?: op = s
                default: throw WireError(.invalidRequest, "\"op\" must be a string")
                }
                switch op {
                case "search":
                    search(try SearchParams(value, config: state.config), token: token, connection: connection)
                case "count":
                    let params = try SearchParams(value, config: state.config,
                                                  allowed: ["op", "q", "filter", "min_seq", "timeout_ms"])
                    count(params, token: token, connection: connection)
                case "get":
                    // The ingest port's rules and codes (`missing_id`, `invalid_id`): an id no
                    // document can have is an error, not `not_found`.
                    let id = try DocumentID.extract(from: value).get()
                    // `min_seq` waits as for a search: read-your-writes by id.
                    let params = try SearchParams(value, config: state.config, allowed: ["op", "id", "min_seq", "timeout_ms"])
                    get(id, params, token: token, connection: connection)
                case "suggest":
                    try SearchParams.checkKeys(value, ["op", "prefix", "q", "limit"])
                    var prefixArg = try SearchParams.string(value["prefix"], "prefix")
                    if prefixArg == nil { prefixArg = try SearchParams.string(value["q"], "q") }
                    guard let prefix = prefixArg else {
                        throw WireError(.invalidRequest, "expected {\"op\":\"suggest\",\"prefix\":\"…\"}")
                    }
                    try SearchParams.checkLength(prefix, "prefix")
                    let limit = try SearchParams.int(value["limit"], "limit") ?? 10
                    guard (1...100).contains(limit) else { throw WireError(.limitOutOfRange, "\"limit\" must be 1…100") }
                    suggest(prefix, limit: limit, token: token, connection: connection)
                case "analyze":
                    try SearchParams.checkKeys(value, ["op", "text", "q", "lang"])
                    var textArg = try SearchParams.string(value["text"], "text")
                    if textArg == nil { textArg = try SearchParams.string(value["q"], "q") }
                    guard let text = textArg else {
                        throw WireError(.invalidRequest, "expected {\"op\":\"analyze\",\"text\":\"…\",\"lang\":\"da\"|\"en\"}")
                    }
                    try SearchParams.checkLength(text, "text")
                    var lang: Language?
                    if let l = try SearchParams.string(value["lang"], "lang") {
                        // Any case, as a document's own `lang`.
                        guard let parsed = Language(rawValue: l.lowercased()) else {
                            throw WireError(.invalidRequest, "\"lang\" must be \"da\" or \"en\"")
                        }
                        lang = parsed
                    }
                    connection.reply(token, analyze(text, lang))
                case "stats":
                    connection.reply(token, state.statsLine())
                case "ping":
                    connection.reply(token, Array("{\"ok\":true,\"op\":\"pong\",\"seq\":\(state.host.searchableSeq)}\n".utf8))
                default:
                    throw WireError(.unknownOp, "unknown op \"\(op)\"; expected one of \(Self.ops)")
                }
            }
        } catch {
            connection.reply(token, error: error)
        }
    }

    // MARK: Ops

    private func search(_ params: SearchParams, token: ReplyToken, connection: Connection) {
        let state = self.state
        let request = params.request
        afterMinSeq(params, token: token, connection: connection, light: Self.isLight(request)) {
            // Timed from here: a `min_seq` wait is not search time.
            let started = DispatchTime.now().uptimeNanoseconds
            let searcher = state.host.searcher()
            do {
                let result = try searcher.search(request)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                state.latencies.record(ms)
                return Self.encode(result, seq: searcher.seq, tookMs: ms)
            } catch {
                return Self.engineError(error).replyLine(line: token.line)
            }
        }
    }

    private func count(_ params: SearchParams, token: ReplyToken, connection: Connection) {
        let state = self.state
        let request = params.request
        afterMinSeq(params, token: token, connection: connection) {
            let searcher = state.host.searcher()
            do {
                let n = try searcher.count(request)
                return Array("{\"ok\":true,\"count\":\(n),\"seq\":\(searcher.seq)}\n".utf8)
            } catch {
                return Self.engineError(error).replyLine(line: token.line)
            }
        }
    }

    private func get(_ id: String, _ params: SearchParams, token: ReplyToken, connection: Connection) {
        let host = state.host
        afterMinSeq(params, token: token, connection: connection, light: true) {
            let searcher = host.searcher()
            // The stored text, as ingest's get and search hits give it (a re-encoded tree would
            // turn 1e999 into null and round integers past 2^53).
            guard let doc = searcher.json(id: id) else {
                return WireError(.notFound, "no document with id \"\(id)\" (searchable seq \(searcher.seq))").replyLine(line: token.line)
            }
            var w = JSONWriter(capacity: 256 + doc.count)
            w.object { o in
                o.member("ok", true); o.member("id", id); o.member("seq", searcher.seq); o.rawMember("doc", doc)
            }
            w.newline()
            return w.bytes
        }
    }

    private func suggest(_ prefix: String, limit: Int, token: ReplyToken, connection: Connection) {
        let searcher = state.host.searcher()
        let items = searcher.suggest(prefix: prefix, limit: limit)
        var w = JSONWriter(capacity: 256)
        w.object { o in
            o.member("ok", true)
            o.member("prefix", prefix)
            o.array("suggestions") { a in
                for item in items {
                    a.object { s in s.member("term", item.term); s.member("count", item.count) }
                }
            }
        }
        w.newline()
        connection.reply(token, w.bytes)
    }

    private func analyze(_ text: String, _ lang: Language?) -> [UInt8] {
        let analyzer = state.analyzer
        let language = lang ?? analyzer.detectLanguage(text)
        let tokens = analyzer.analyze(text, language: language)
        var w = JSONWriter(capacity: 256 + tokens.count * 80)
        w.object { o in
            o.member("ok", true)
            o.member("lang", language.rawValue)
            o.member("detected", lang == nil)
            o.array("tokens") { a in
                for t in tokens {
                    a.object { e in
                        e.member("term", t.term); e.member("stem", t.stem)
                        e.member("position", t.position); e.member("start", t.start); e.member("end", t.end)
                        if analyzer.isStopWord(t.term, language: language) { e.member("stop", true) }
                    }
                }
            }
        }
        w.newline()
        return w.bytes
    }

    /// Searches cheap enough to answer on the connection's own event loop, saving the search
    /// pool's two thread hand-offs (~0.05 ms, a fifth of a rare word's round trip): one or two
    /// plain words, at most 50 hits, no filter, facets, sort or exact total. Anything that may
    /// take longer goes to the pool, so it cannot hold up the other connections of its loop.
    static func isLight(_ r: SearchRequest) -> Bool {
        guard r.filter == nil, r.facets.isEmpty, r.sort.isEmpty, r.offset + r.limit <= 50,
              r.trackTotalHits <= SearchRequest().trackTotalHits else { return false }
        func plainWord(_ n: QueryNode) -> Bool { if case .word = n { true } else { false } }
        switch r.q {
        case .word: return true
        case .and(let children): return children.count <= 2 && children.allSatisfy(plainWord)
        default: return false
        }
    }

    /// Waits for `min_seq` when asked, then runs `work` (on the search pool unless `light`) and
    /// replies.
    private func afterMinSeq(_ params: SearchParams, token: ReplyToken, connection: Connection, light: Bool = false,
                             _ work: @escaping @Sendable () -> [UInt8]) {
        let loop = connection.eventLoop
        let bound = connection.bound
        let pool = state.pool
        let host = state.host
        let run: @Sendable () -> Void = {
            if light {
                loop.assertInEventLoop()
                bound.value.reply(token, work())
                return
            }
            pool.runIfActive(eventLoop: loop, work).whenComplete { result in
                switch result {
                case .success(let bytes): bound.value.reply(token, bytes)
                case .failure: bound.value.reply(token, error: WireError(.shuttingDown, "the query service is shutting down"))
                }
            }
        }
        // The wait: this request's own `min_seq`, or one asked earlier on this connection that
        // still lasts (the common case, no `min_seq` ever, reads no clock).
        let wait: (seq: UInt64, timeout: TimeAmount, inherited: Bool)
        if let minSeq = params.minSeq {
            let timeout = TimeAmount.milliseconds(Int64(params.timeoutMs))
            floorSeq = max(floorSeq, minSeq)
            floorDeadline = max(floorDeadline, .now() + timeout)
            wait = (minSeq, timeout, false)
        } else if floorSeq > 0, case let now = NIODeadline.now(), floorDeadline > now, floorSeq > host.searchableSeq {
            wait = (floorSeq, floorDeadline - now, true)
        } else {
            return run()
        }
        let minSeq = wait.seq
        host.whenSearchable(minSeq, on: loop, timeout: wait.timeout).whenSuccess { ok in
            // A wait this request only inherited ends in its own answer either way (the request
            // that asked gets the timeout).
            if ok || wait.inherited { return run() }
            bound.value.reply(token, error: WireError(.timeout, "seq \(minSeq) is not searchable after \(params.timeoutMs) ms; the index is at seq \(host.searchableSeq)"))
        }
    }

    // MARK: Encoding

    /// The engine's errors carry the protocol's codes (`invalid_sort`, …).
    static func engineError(_ error: Error) -> WireError {
        if let e = error as? EngineError {
            return WireError(ErrorCode(rawValue: e.code) ?? .invalidRequest, e.message)
        }
        return WireError(.internalError, "\(error)")
    }

    static func encode(_ result: SearchResult, seq: UInt64, tookMs: Double) -> [UInt8] {
        var w = JSONWriter(capacity: 512 + result.hits.count * 1024)
        w.object { o in
            o.member("ok", true)
            o.member("total", result.total)
            if !result.totalIsExact { o.member("total_exact", false) }
            o.member("took_ms", (tookMs * 1000).rounded() / 1000)
            o.member("seq", seq)
            o.array("hits") { a in
                for hit in result.hits {
                    a.object { h in
                        h.member("id", hit.id)
                        h.member("score", (hit.score * 10000).rounded() / 10000)
                        h.rawMember("doc", hit.json)
                        if !hit.highlight.isEmpty {
                            h.object("highlight") { hl in
                                for (field, text) in hit.highlight.sorted(by: { $0.key < $1.key }) { hl.member(field, text) }
                            }
                        }
                    }
                }
            }
            if !result.facets.isEmpty {
                o.object("facets") { f in
                    for (field, values) in result.facets.sorted(by: { $0.key < $1.key }) {
                        f.object(field) { v in
                            for (value, count) in values { v.member(value, count) }
                        }
                    }
                }
            }
        }
        w.newline()
        return w.bytes
    }
}
