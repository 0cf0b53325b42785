// tidende-engine-bench: indexing speed, memory and query latency of TidendeEngine.
//
//   tidende-engine-bench CORPUS.ndjson [QUERIES.ndjson] [--docs N] [--snapshot PATH] [--keep-snapshot] [--pipelined]
//   tidende-engine-bench --load SNAPSHOT [QUERIES.ndjson] [--passes N] [--repeat N] [--verbose] [--verify]
//
// `--pipelined` indexes as the query service does: a preparer thread analyses documents while
// this thread inverts them (the indexing line then also reports docs/s of wall time).
// `--load` skips indexing and times queries on a snapshot kept by an earlier run
// (`--snapshot PATH --keep-snapshot`); regenerate it whenever the snapshot format changes.
// `--verbose` prints every query's hit count and time once before the timed passes; `--verify`
// checks that every query's pruned top 10 equals exhaustive scoring; `--repeat N` sets how often
// the first rare query is repeated (its fixed cost, with and without fetching documents).
//
// CORPUS is NDJSON documents (deploy/gen-corpus.py --docs 100000); QUERIES is its query mix
// (gen-corpus.py --queries 500). Without QUERIES, queries are drawn from fixed word lists.
// Parsing JSON is timed apart from indexing: indexing = analyse, invert, compress, refresh.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import TidendeEngine
import TidendeModels
import TidendeQuerySyntax

/// CPU time of this thread, in seconds: the machine is shared, so wall time mostly measures the
/// neighbours; CPU time measures us. Both are reported for indexing.
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU time of the whole process (indexing includes background merge threads).
func processCpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

@main
struct EngineBench {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func readLines(_ path: String) -> [String] {
        guard let f = fopen(path, "r") else {
            print("cannot open \(path)")
            exit(2)
        }
        defer { fclose(f) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        while true {
            let n = getline(&buffer, &capacity, f)
            if n < 0 { break }
            var line = String(cString: buffer!)
            if line.hasSuffix("\n") { line.removeLast() }
            if !line.isEmpty { lines.append(line) }
        }
        free(buffer)
        return lines
    }

    static func residentBytes() -> Int {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var size = 0, resident = 0
        _ = withUnsafeMutablePointer(to: &size) { s in
            withUnsafeMutablePointer(to: &resident) { r in
                withVaList([s, r]) { vfscanf(f, "%ld %ld", $0) }
            }
        }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    static func fmt(_ x: Double, _ digits: Int = 3) -> String {
        var s = String(x)
        if let dot = s.firstIndex(of: ".") {
            let end = s.index(dot, offsetBy: digits + 1, limitedBy: s.endIndex) ?? s.endIndex
            s = String(s[..<end])
        }
        return s
    }

    /// Indexes the corpus, reports speed and memory, writes and reloads a snapshot.
    static func index(_ corpusPath: String, maxDocs: Int, snapshotPath: String, pipelined: Bool) throws -> Engine {
        let lines = Array(readLines(corpusPath).prefix(maxDocs))
        let rawBytes = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        let clock = ContinuousClock()
        var t0 = clock.now
        // Each document keeps its own JSON text, stored as it came (as the query service does
        // with the feed's bytes), not re-encoded from the tree.
        let docs: [(String, JSONValue, [UInt8])] = try lines.map { line in
            let v = try JSONValue.parse(line)
            guard case .string(let id)? = v["id"] else { fatalError("document without string id") }
            return (id, v, Array(line.utf8))
        }
        let parseTime = seconds(clock.now - t0)
        print("corpus: \(docs.count) documents, \(fmt(Double(rawBytes) / 1e6, 1)) MB raw; JSON parse \(fmt(parseTime, 2)) s")

        let rssBefore = residentBytes()
        let engine = Engine()
        t0 = clock.now
        let c0 = processCpuNow()
        if pipelined {
            indexPipelined(docs, into: engine)
        } else {
            for (i, (id, doc, json)) in docs.enumerated() {
                engine.upsert(id: id, document: doc, seq: UInt64(i + 1), json: json)
                if i % 1_000 == 999 { engine.refresh() }
            }
        }
        engine.refresh()
        engine.waitForMerges()
        engine.refresh()
        let indexWall = seconds(clock.now - t0)
        let indexTime = processCpuNow() - c0
        print("index: \(fmt(Double(docs.count) / indexTime, 0)) docs/s, \(fmt(Double(rawBytes) / 1e6 / indexTime, 1)) MB/s of CPU time (\(fmt(indexTime, 2)) s CPU, \(fmt(indexWall, 2)) s wall; refresh every 1000 docs; \(engine.stats().backgroundMergesStarted) background merges)")
        if pipelined {
            print("  pipelined (a preparer thread feeding the writer): \(fmt(Double(docs.count) / indexWall, 0)) docs/s of wall time")
        }
        let m0 = cpuNow()
        engine.forceMerge()
        print("force merge to one segment: \(fmt(cpuNow() - m0, 2)) s CPU")
        let stats = engine.stats()
        print("memory: index + stored \(fmt(Double(stats.memoryBytes) / 1e6, 1)) MB = \(fmt(Double(stats.memoryBytes) / Double(rawBytes), 2))× raw; stored docs \(fmt(Double(stats.storedBytes) / 1e6, 1)) MB; \(stats.memoryBytes / max(stats.documents, 1)) bytes/doc; \(stats.terms) terms; RSS growth \(fmt(Double(residentBytes() - rssBefore) / 1e6, 1)) MB")

        print("  breakdown: " + stats.breakdown.sorted { $0.value > $1.value }.map { "\($0.key) \(fmt(Double($0.value) / 1e6, 1)) MB" }.joined(separator: ", "))
        var w0 = cpuNow()
        try engine.writeSnapshot(to: snapshotPath)
        let writeTime = cpuNow() - w0
        var st = stat()
        stat(snapshotPath, &st)
        w0 = cpuNow()
        let loaded = try Engine.loadSnapshot(from: snapshotPath)
        let loadTime = cpuNow() - w0
        print("snapshot: \(fmt(Double(st.st_size) / 1e6, 1)) MB = \(fmt(Double(st.st_size) / Double(rawBytes), 2))× raw; write \(fmt(writeTime, 2)) s, load \(fmt(loadTime, 2)) s (\(loaded.searcher().documentCount) docs)")
        return engine
    }

    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        var maxDocs = Int.max
        var snapshotPath = "/tmp/tidende-engine-bench.snap"
        if let i = args.firstIndex(of: "--docs") { maxDocs = Int(args[i + 1])!; args.removeSubrange(i...i + 1) }
        if let i = args.firstIndex(of: "--snapshot") { snapshotPath = args[i + 1]; args.removeSubrange(i...i + 1) }
        var passes = 5
        var repeats = 2_000
        if let i = args.firstIndex(of: "--repeat") { repeats = Int(args[i + 1])!; args.removeSubrange(i...i + 1) }
        if let i = args.firstIndex(of: "--passes") { passes = Int(args[i + 1])!; args.removeSubrange(i...i + 1) }
        let verbose = args.contains("--verbose"), verify = args.contains("--verify")
        let pipelined = args.contains("--pipelined")
        args.removeAll { $0 == "--keep-snapshot" || $0 == "--verbose" || $0 == "--verify" || $0 == "--pipelined" }
        let engine: Engine
        if let i = args.firstIndex(of: "--load") {
            let path = args[i + 1]
            args.removeSubrange(i...i + 1)
            let l0 = cpuNow()
            engine = try Engine.loadSnapshot(from: path)
            print("loaded \(path): \(engine.searcher().documentCount) documents in \(fmt(cpuNow() - l0, 2)) s")
            // Positional arguments are the same as when indexing: the queries come second.
            if args.count == 1 { args.insert(path, at: 0) }
        } else {
            guard let corpusPath = args.first else {
                print("usage: tidende-engine-bench CORPUS.ndjson [QUERIES.ndjson] [--docs N] [--snapshot PATH] [--keep-snapshot] [--pipelined]")
                print("       tidende-engine-bench --load SNAPSHOT [QUERIES.ndjson] [--passes N] [--repeat N] [--verbose] [--verify]")
                exit(2)
            }
            engine = try index(corpusPath, maxDocs: maxDocs, snapshotPath: snapshotPath, pipelined: pipelined)
        }

        // Queries: (kind, request).
        var queries: [(String, SearchRequest)] = []
        if args.count > 1 {
            for line in readLines(args[1]) {
                let v = try JSONValue.parse(line)
                guard case .string(let kind)? = v["kind"], case .string(let q)? = v["q"] else { continue }
                var r = SearchRequest(q: try QueryParser.parse(q), limit: 10, trackTotalHits: 0)
                if case .string(let f)? = v["filter"] { r.filter = try FilterParser.parse(f) }
                if case .array(let keys)? = v["sort"] {
                    r.sort = keys.compactMap {
                        guard case .string(let k) = $0 else { return nil }
                        let parts = k.split(separator: ":")
                        return SortKey(field: String(parts[0]), descending: parts.count > 1 && parts[1] == "desc")
                    }
                }
                if case .array(let fs)? = v["facets"] {
                    r.facets = fs.compactMap { if case .string(let s) = $0 { s } else { nil } }
                }
                queries.append((kind, r))
            }
        } else {
            for w in ["ambassadør", "ransomware", "cloud", "data", "og"] { queries.append(("word", SearchRequest(q: .word(w, field: nil), trackTotalHits: 0))) }
        }
        let searcher = engine.searcher()
        var byKind: [String: [Double]] = [:]
        // Warm-up pass, then timed passes.
        for (_, r) in queries { _ = try searcher.search(r) }
        if verify {
            // Pruned top-k must equal exhaustive scoring: same ids, same scores, same order.
            var mismatches = 0
            for (kind, r) in queries {
                var exact = r
                exact.trackTotalHits = .max
                let a = try searcher.search(r).hits, b = try searcher.search(exact).hits
                if a.map(\.id) != b.map(\.id) || a.map(\.score) != b.map(\.score) {
                    mismatches += 1
                    print("  MISMATCH \(kind): \(r.q)")
                }
            }
            print("verify: \(mismatches) of \(queries.count) queries differ from exhaustive scoring")
        }
        if verbose {
            // Per query: its hits counted exactly and the time of one top-10 search.
            for (kind, r) in queries {
                var exact = r
                exact.trackTotalHits = .max
                let total = try searcher.search(exact).total
                let s = cpuNow()
                let top = try searcher.search(r)
                print("  \(kind) \(fmt((cpuNow() - s) * 1_000)) ms, \(total) hits (\(top.total) counted): \(r.q)")
            }
        }
        // Each variant runs as its own pass over all queries, so no query runs right after the
        // same query in another variant (which would find its postings in cache).
        let variants: [(String, (SearchRequest) -> SearchRequest)] = [
            ("", { $0 }),
            (" (exact total)", { var r = $0; r.trackTotalHits = .max; return r }),
            // `fields: []`: ids and scores only, no stored document inflated (the fetch cost is
            // the difference to the first variant).
            (" (ids only)", { var r = $0; r.fields = []; return r }),
        ]
        for _ in 0..<passes {
            for (suffix, make) in variants {
                for (kind, request) in queries {
                    if !suffix.isEmpty && !request.facets.isEmpty { continue }
                    let r = make(request)
                    let s = cpuNow()
                    _ = try searcher.search(r)
                    byKind[kind + suffix, default: []].append((cpuNow() - s) * 1_000)
                }
            }
        }
        if let (_, first) = queries.first(where: { $0.0 == "rare" }) {
            var idsOnly = first
            idsOnly.fields = []
            var times: [Double] = [], idTimes: [Double] = []
            for _ in 0..<repeats {
                var s = cpuNow()
                _ = try searcher.search(first)
                times.append((cpuNow() - s) * 1_000)
                s = cpuNow()
                _ = try searcher.search(idsOnly)
                idTimes.append((cpuNow() - s) * 1_000)
            }
            times.sort()
            idTimes.sort()
            print("one rare query repeated (warm caches): p50 \(fmt(percentile(times, 0.5))) ms, ids only \(fmt(percentile(idTimes, 0.5))) ms")
        }
        print("query latency, ms of CPU time (top 10, \(passes) passes over \(queries.count) queries):")
        for (kind, times) in byKind.sorted(by: { $0.key < $1.key }) {
            let sorted = times.sorted()
            print("  \(kind.padding(toLength: 28, withPad: " ", startingAt: 0)) p50 \(fmt(percentile(sorted, 0.5)))  p99 \(fmt(percentile(sorted, 0.99)))  (n=\(times.count))")
        }
        if !CommandLine.arguments.contains("--keep-snapshot") && !CommandLine.arguments.contains("--load") {
            unlink(snapshotPath)
        }
    }
}

extension EngineBench {
    /// Batches of prepared documents between the preparer thread and the writer.
    final class Handoff: @unchecked Sendable {  // every field guarded by `condition`
        let condition = NSCondition()
        var batches: [[PreparedDocument]] = []
        var finished = false
    }

    /// Indexes `docs` the way the query service applies its feed: a preparer thread analyses
    /// documents (`DocumentPreparer`) and hands them on in batches of 64, at most 16 batches
    /// ahead, compressing their stored form only while this thread has 256 or more waiting;
    /// this thread upserts them (compressing the rest) and refreshes every 1 000 documents.
    static func indexPipelined(_ docs: [(String, JSONValue, [UInt8])], into engine: Engine) {
        let h = Handoff()
        let thread = Thread {
            let preparer = engine.makePreparer()
            var batch: [PreparedDocument] = []
            var compress = true
            for (id, doc, json) in docs {
                batch.append(preparer.prepare(id: id, document: doc, json: json, compress: compress))
                if batch.count == 64 {
                    h.condition.lock()
                    while h.batches.count >= 16 { h.condition.wait() }
                    // As the query service balances its two threads: the preparer compresses
                    // only while the writer has work waiting (else the writer compresses).
                    compress = h.batches.count >= 4
                    h.batches.append(batch)
                    h.condition.broadcast()
                    h.condition.unlock()
                    batch.removeAll(keepingCapacity: true)
                }
            }
            h.condition.lock()
            if !batch.isEmpty { h.batches.append(batch) }
            h.finished = true
            h.condition.broadcast()
            h.condition.unlock()
        }
        thread.start()
        var seq: UInt64 = 0
        while true {
            h.condition.lock()
            while h.batches.isEmpty && !h.finished { h.condition.wait() }
            let taken = h.batches
            h.batches.removeAll()
            let done = h.finished
            h.condition.broadcast()
            h.condition.unlock()
            for prepared in taken {
                for p in prepared {
                    seq += 1
                    engine.upsert(p, seq: seq)
                    if seq % 1_000 == 0 { engine.refresh() }
                }
            }
            if done && taken.isEmpty { break }
        }
    }
}
