#!/usr/bin/env python3
"""Tidende's benchmark: the two services as in production, side by side with tantivy and SQLite FTS5.

    deploy/bench [--docs 100000] [--out ./bench-out] [--plot]

One run: generate (or reuse) the corpus and query mix, start release builds of tidende-ingest
and tidende-query on free ports with fresh data, upload the gzip corpus through the wire while
probing ack-to-searchable latency, run the query mix at 1, 8 and 64 connections, read peak
memory, disk use and the query service's restart time, stop everything, then index the same
corpus in tantivy and FTS5 and run the same queries there. Prints a side-by-side table and
writes results.json and results.md (and latency.png with --plot) into the out dir.
"""

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from benchlib import ingest, procs, querybench, report, wire  # noqa: E402
from benchlib.peers import overlap, run_mix  # noqa: E402


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# -- inputs ---------------------------------------------------------------------------------------

def corpus_files(out, docs, seed, n_queries):
    """The corpus (plain and gzip) and the query mix, generated once per size and seed and cached."""
    cache = os.path.join(out, "corpus")
    os.makedirs(cache, exist_ok=True)
    base = os.path.join(cache, "docs-%d-seed-%d" % (docs, seed))
    raw, gz, qpath = base + ".ndjson", base + ".ndjson.gz", base + ".queries-%d.ndjson" % n_queries
    gen = [sys.executable, os.path.join(HERE, "gen-corpus.py"), "--docs", str(docs), "--seed", str(seed)]
    if not os.path.exists(raw):
        log("generating %d documents (seed %d; cached for later runs)…" % (docs, seed))
        with open(raw + ".tmp", "wb") as f:
            subprocess.run(gen, stdout=f, check=True)
        os.replace(raw + ".tmp", raw)
    if not os.path.exists(gz):
        log("compressing the corpus…")
        # mtime 0 and no name: the same corpus always gives the same bytes.
        with open(raw, "rb") as src, open(gz + ".tmp", "wb") as dst:
            with gzip.GzipFile(filename="", mode="wb", fileobj=dst, compresslevel=6, mtime=0) as z:
                shutil.copyfileobj(src, z, 1 << 20)
        os.replace(gz + ".tmp", gz)
    if not os.path.exists(qpath):
        with open(qpath + ".tmp", "wb") as f:
            subprocess.run(gen + ["--queries", str(n_queries)], stdout=f, check=True)
        os.replace(qpath + ".tmp", qpath)
    return raw, gz, qpath


def binaries(args):
    """Release binaries: built with swift unless --bin-dir names a folder that has them."""
    if args.bin_dir:
        return args.bin_dir
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    cmd = [swift, "build", "-c", "release", "--package-path", ROOT, "--scratch-path", args.scratch_path]
    # One product per command: several --product flags build only the last one.
    for product in ("tidende-ingest", "tidende-query"):
        log("building %s (release)…" % product)
        subprocess.run(cmd + ["--product", product], check=True, stdout=sys.stderr)
    return subprocess.run(cmd + ["--show-bin-path"], check=True, capture_output=True, text=True).stdout.strip()


# -- our services -----------------------------------------------------------------------------------

def start_ingest(svc, bin_dir, data, ports):
    p = svc.start("ingest", [os.path.join(bin_dir, "tidende-ingest"), "--port", str(ports["ingest"]),
                             "--feed-port", str(ports["feed"]), "--data-dir", data])
    procs.wait_until(lambda: wire.ping(ports["ingest"]), 60, 0.05, "tidende-ingest to answer", p)
    return p


def start_query(svc, bin_dir, data, ports):
    p = svc.start("query", [os.path.join(bin_dir, "tidende-query"), "--port", str(ports["query"]),
                            "--feed", "127.0.0.1:%d" % ports["feed"], "--data-dir", data])
    procs.wait_until(lambda: wire.ping(ports["query"]), 120, 0.01, "tidende-query to answer", p)
    return p


def query_seq(port):
    return wire.ask(port, {"op": "stats"}).get("seq", 0)


def bench_ours(args, bin_dir, raw, gz, queries, svc, work):
    res = {}
    ports = {k: procs.free_port() for k in ("ingest", "feed", "query")}
    ingest_data, query_data = os.path.join(work, "ingest"), os.path.join(work, "query")
    os.makedirs(ingest_data)
    os.makedirs(query_data)
    ing = start_ingest(svc, bin_dir, ingest_data, ports)
    qry = start_query(svc, bin_dir, query_data, ports)
    log("services up: ingest :%d, feed :%d, query :%d" % (ports["ingest"], ports["feed"], ports["query"]))

    # 3. Ingest end to end, with read-your-writes probes on the side.
    log("uploading %s (%.1f MB gzip, %.1f MB raw)…" % (os.path.basename(gz), os.path.getsize(gz) / 1e6,
                                                        os.path.getsize(raw) / 1e6))
    prober = ingest.Prober(ports["ingest"], ports["query"], interval=args.probe_interval or 0.05)
    if args.probe_interval > 0:
        prober.start()
    up = ingest.upload(ports["ingest"], gz)
    prober.stop_sending()
    target = max(up["last_seq"], prober.last_seq)
    procs.wait_until(lambda: query_seq(ports["query"]) >= target, 600, 0.005, "the query service to catch up", qry)
    t_searchable = time.monotonic()
    prober.finish()
    docs = up["accepted"]
    up_s = up["seconds"]
    search_s = t_searchable - up["t0"]
    raw_mb, gz_mb = os.path.getsize(raw) / 1e6, os.path.getsize(gz) / 1e6
    visible = [s["visible_ms"] for s in prober.samples]
    res["ingest"] = {
        "docs": docs, "rejected": up["rejected"], "errors": up["errors"], "send_error": up["send_error"],
        "summary": up["summary"], "upload_s": up_s, "searchable_s": search_s,
        "acked_docs_per_s": docs / up_s, "raw_mb_per_s": raw_mb / up_s, "gzip_mb_per_s": gz_mb / up_s,
        "searchable_docs_per_s": docs / search_s,
        "probes": len(prober.samples), "probe_failures": [str(f) for f in prober.failures[:5]],
        "probes_not_found": sum(1 for s in prober.samples if not s["found"] and not s["timeout"]),
        "probes_timed_out": sum(1 for s in prober.samples if s["timeout"]), "probe_timeout_ms": prober.timeout_ms,
        "ack_ms": querybench.summarize([s["ack_ms"] for s in prober.samples]),
        "ack_to_searchable_ms": querybench.summarize(visible),
    }
    log("ingest: %d docs acked in %.1f s (%.0f docs/s), searchable after %.1f s (%.0f docs/s)"
        % (docs, up_s, docs / up_s, search_s, docs / search_s))
    if visible:
        log("ack→searchable: p50 %.1f ms, p99 %.1f ms over %d probes (%d over the %d ms wait)"
            % (res["ingest"]["ack_to_searchable_ms"]["p50"], res["ingest"]["ack_to_searchable_ms"]["p99"],
               len(visible), res["ingest"]["probes_timed_out"], prober.timeout_ms))
    if args.probe_interval > 0:
        # The same probes with nothing else going on: the visibility delay a lone writer sees.
        idle = ingest.Prober(ports["ingest"], ports["query"], interval=args.probe_interval, first=1_000_000)
        idle.start()
        time.sleep(2.0)
        idle.finish()
        res["ingest"]["idle_probes"] = len(idle.samples)
        res["ingest"]["idle_ack_ms"] = querybench.summarize([s["ack_ms"] for s in idle.samples])
        res["ingest"]["idle_ack_to_searchable_ms"] = querybench.summarize([s["visible_ms"] for s in idle.samples])
        log("idle ack→searchable: p50 %.1f ms, p99 %.1f ms over %d probes" % (
            res["ingest"]["idle_ack_to_searchable_ms"]["p50"] or -1, res["ingest"]["idle_ack_to_searchable_ms"]["p99"] or -1,
            len(idle.samples)))
    res["memory_after_ingest"] = {"ingest_rss": procs.proc_status(ing.pid, "VmRSS"),
                                  "query_rss": procs.proc_status(qry.pid, "VmRSS")}

    # 4. Query latency and throughput.
    log("collecting our top-10 for %d queries (also the warm-up)…" % len(queries))
    res["top10"] = querybench.collect_top10(ports["query"], queries)
    bad = [r for r in res["top10"] if not r["ok"]]
    if bad:
        log("warning: %d queries failed, first: %s" % (len(bad), bad[0]["error"]))
    res["ping_ms"] = querybench.ping_floor(ports["query"])
    res["levels"] = []
    for conns, total in ((1, args.queries_per_level), (8, 2 * args.queries_per_level),
                         (64, 4 * args.queries_per_level)):
        level = querybench.run_level(ports["query"], queries, conns, total, args.level_seconds, server_pid=qry.pid)
        res["levels"].append(level)
        log("%2d connections: %d queries, %.0f q/s, p50 %.2f ms, p99 %.2f ms, CPU client %.0f%% server %.0f%% "
            "(%.2f ms/query), errors %d"
            % (conns, level["queries"], level["qps"], level["all"]["p50"], level["all"]["p99"],
               100 * level["client_cpu_share"], 100 * (level["server_cpu_share"] or 0),
               level["server_cpu_ms_per_query"] or 0, level["errors"]))

    # 5. Memory, disk, restart.
    stats = wire.ask(ports["query"], {"op": "stats"})
    res["query_stats"] = stats
    res["ingest_stats"] = wire.ask(ports["ingest"], {"op": "stats"})
    res["memory"] = {"ingest_hwm": procs.proc_status(ing.pid, "VmHWM"),
                     "query_hwm": procs.proc_status(qry.pid, "VmHWM"),
                     "raw_corpus": os.path.getsize(raw)}
    head = wire.ask(ports["ingest"], {"op": "ping"})["seq"]
    stop_s = svc.stop("query", timeout=120)
    t0 = time.monotonic()
    qry = svc.start("query", [os.path.join(bin_dir, "tidende-query"), "--port", str(ports["query"]),
                              "--feed", "127.0.0.1:%d" % ports["feed"], "--data-dir", query_data])
    procs.wait_until(lambda: wire.ping(ports["query"]), 300, 0.005, "tidende-query to answer after restart", qry)
    t_answer = time.monotonic() - t0
    procs.wait_until(lambda: query_seq(ports["query"]) >= head, 300, 0.005, "the restarted query service", qry)
    t_caught = time.monotonic() - t0
    after = wire.ask(ports["query"], {"op": "stats"})
    res["restart"] = {"stop_s": stop_s, "answers_s": t_answer, "caught_up_s": t_caught,
                      "documents_before": stats.get("documents"), "documents_after": after.get("documents"),
                      "query_hwm_after_restart": procs.proc_status(qry.pid, "VmHWM")}
    log("restart: SIGTERM took %.2f s; answering after %.2f s, at head after %.2f s" % (stop_s, t_answer, t_caught))
    svc.stop_all()
    res["disk"] = {"ingest_store": procs.dir_bytes(ingest_data), "query_snapshot": procs.dir_bytes(query_data),
                   "files": {"ingest": procs.file_sizes(ingest_data), "query": procs.file_sizes(query_data)}}
    return res


# -- peers ----------------------------------------------------------------------------------------------

def bench_peer(peer, raw, queries):
    log("%s: indexing…" % peer.name)
    built = peer.build(raw)
    log("%s: %d docs in %.1f s (%.0f docs/s), %.1f MB on disk; running the mix…"
        % (peer.name, built["docs"], built["seconds"], built["docs_per_s"], built["disk_bytes"] / 1e6))
    runs = run_mix(peer, queries)
    if any(r is not None for r in runs):
        # A second, timed pass: the first warmed the caches as our warm-up pass did.
        runs2 = run_mix(peer, queries)
        for r, r2 in zip(runs, runs2):
            if r is not None and r2 is not None:
                r["ms2"] = r2["ms"]
    return {"name": peer.name, "version": peer.version, "build": built, "runs": runs}


def interrupt(_signum, _frame):
    raise KeyboardInterrupt()


def main():
    ap = argparse.ArgumentParser(
        prog="deploy/bench",
        description="Benchmark Tidende end to end (release builds, over TCP) next to tantivy and SQLite FTS5 "
                    "on the same generated corpus and queries. Prints a side-by-side table and writes "
                    "results.json, results.md (and latency.png with --plot) into --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the corpus")
    ap.add_argument("--seed", type=int, default=42, help="corpus seed")
    ap.add_argument("--queries", type=int, default=500, help="queries in the mix")
    ap.add_argument("--out", default="./bench-out", help="output folder (the corpus is cached there too)")
    ap.add_argument("--queries-per-level", type=int, default=3000,
                    help="queries at 1 connection (twice as many at 8, four times at 64)")
    ap.add_argument("--level-seconds", type=float, default=25.0, help="time cap per concurrency level")
    ap.add_argument("--probe-interval", type=float, default=0.05,
                    help="seconds between read-your-writes probes during the upload (0: no probes)")
    ap.add_argument("--peers", default="tantivy,fts5", help="comma-separated peers to run (tantivy, fts5; '' for none)")
    ap.add_argument("--plot", action="store_true", help="also draw latency.png (installs matplotlib if missing)")
    ap.add_argument("--bin-dir", help="folder with release tidende-ingest and tidende-query (skips the build)")
    ap.add_argument("--scratch-path", default=os.path.join(ROOT, ".build"), help="swift build scratch folder")
    ap.add_argument("--self-check", action="store_true",
                    help="only check that the peers' filters agree with a plain evaluation (small corpus), then exit")
    ap.add_argument("--keep-data", action="store_true", help="keep the services' and peers' data in --out")
    args = ap.parse_args()
    if args.docs < 100:
        ap.error("--docs must be at least 100")

    if args.self_check:
        from benchlib import selfcheck
        out = os.path.abspath(args.out)
        raw, _gz, qpath = corpus_files(out, min(args.docs, 3000), args.seed, args.queries)
        return 0 if selfcheck.run(raw, querybench.load_queries(qpath), log) else 1

    # Ctrl-C and SIGTERM end the run through the finally below, which stops the services. (SIGINT
    # is set explicitly: a shell starting us in the background would otherwise have us ignore it.)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    t_start = time.monotonic()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="run-", dir=out)
    svc = procs.Services(work)
    results = {"command": " ".join(["deploy/bench"] + sys.argv[1:]), "docs": args.docs, "seed": args.seed, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()}}
    try:
        bin_dir = binaries(args)
        raw, gz, qpath = corpus_files(out, args.docs, args.seed, args.queries)
        queries = querybench.load_queries(qpath)
        results["queries"] = queries
        results["corpus"] = {"raw_bytes": os.path.getsize(raw), "gzip_bytes": os.path.getsize(gz)}
        t_ours = time.monotonic()
        results["ours"] = bench_ours(args, bin_dir, raw, gz, queries, svc, work)
        results["ours"]["seconds"] = time.monotonic() - t_ours
        results["peers"] = {}
        wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
        for name in wanted:
            t_peer = time.monotonic()
            if name == "tantivy":
                from benchlib.peer_tantivy import TantivyPeer
                peer = TantivyPeer(os.path.join(work, "tantivy"))
            elif name == "fts5":
                from benchlib.peer_fts5 import FTS5Peer
                peer = FTS5Peer(os.path.join(work, "fts5.sqlite"))
            else:
                ap.error("unknown peer %r" % name)
            results["peers"][name] = bench_peer(peer, raw, queries)
            results["peers"][name]["seconds"] = time.monotonic() - t_peer
            del peer
        for pr in results["peers"].values():
            pr["overlap"] = [None if r is None or not mine["ok"] or not q["q"].strip() else overlap(mine["ids"], r["ids"])
                             for q, mine, r in zip(queries, results["ours"]["top10"], pr["runs"])]
        results["wall_s"] = time.monotonic() - t_start
        results["machine"]["load_after"] = os.getloadavg()
        table = report.markdown(results)
        print(table)
        with open(os.path.join(out, "results.md"), "w") as f:
            f.write(table)
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
        if args.plot:
            report.plot(results, os.path.join(out, "latency.png"), log)
        log("done in %.0f s; results in %s" % (results["wall_s"], out))
    except KeyboardInterrupt:
        log("interrupted; stopping the services")
        return 130
    finally:
        svc.stop_all()
        if not args.keep_data:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
