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

from benchlib import procs, querybench, report  # noqa: E402
from benchlib.ours import bench_ours, log  # noqa: E402
from benchlib.peers import overlap, run_mix  # noqa: E402


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
    ap.add_argument("--sustained-rate", type=int, default=20_000,
                    help="docs/s of the sustained upload at the end (0: skip it)")
    ap.add_argument("--sustained-seconds", type=float, default=5.0, help="length of the sustained upload")
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
    except subprocess.CalledProcessError as e:
        log("failed: %s exited with status %d (its output is above)" % (" ".join(e.cmd[:4]), e.returncode))
        return 1
    finally:
        svc.stop_all()
        if not args.keep_data:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
