"""Our two services as in production: start, upload with probes, query load, memory, disk, restart."""

import os
import sys
import time

from . import ingest, procs, querybench, wire


def log(msg):
    """Progress on stderr, stamped with the time of day."""
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


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

    # 4. Query latency and throughput, once the index has settled: the query service merges its
    # size tiers down to one or two segments after a quiet second (what a steady state looks like).
    t0 = time.monotonic()
    segments = lambda: wire.ask(ports["query"], {"op": "stats"}).get("segments", 0)
    procs.wait_until(lambda: segments() <= 2, 120, 0.05, "the query service to merge its segments", qry)
    res["settle_s"] = time.monotonic() - t0
    log("index settled (%d segment(s)) %.1f s after the last change" % (segments(), res["settle_s"]))
    log("collecting our top-10 for %d queries (also the warm-up)…" % len(queries))
    res["top10"] = querybench.collect_top10(ports["query"], queries)
    bad = [r for r in res["top10"] if not r["ok"]]
    if bad:
        log("warning: %d queries failed, first: %s" % (len(bad), bad[0]["error"]))
    res["ping_ms"] = querybench.ping_floor(ports["query"])
    res["highlighted_rare_ms"] = querybench.highlighted_rare(ports["query"], queries)
    log("rare words, 10 hits with titles and highlights: p50 %.3f ms, p99 %.3f ms (1 connection)"
        % (res["highlighted_rare_ms"]["p50"], res["highlighted_rare_ms"]["p99"]))
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

    # Disk use for the corpus alone (the sustained upload below adds documents).
    res["disk"] = {"ingest_store": procs.dir_bytes(ingest_data), "query_snapshot": procs.dir_bytes(query_data),
                   "files": {"ingest": procs.file_sizes(ingest_data), "query": procs.file_sizes(query_data)}}

    # 6. A sustained upload at a fixed rate (new documents), with read-your-writes probes: does
    # the query side keep up, and how far behind the acks does searching run?
    if args.sustained_rate > 0 and args.sustained_seconds > 0:
        log("sustained upload: %d docs/s for %.0f s, probes every %.2f s…"
            % (args.sustained_rate, args.sustained_seconds, args.probe_interval or 0.05))
        prober = ingest.Prober(ports["ingest"], ports["query"], interval=args.probe_interval or 0.05,
                               first=2_000_000)
        prober.start()
        up = ingest.paced_upload(ports["ingest"], raw, args.sustained_rate, args.sustained_seconds, "s-")
        prober.stop_sending()
        t_acked = time.monotonic()
        target = max(up["last_seq"], prober.last_seq)
        procs.wait_until(lambda: query_seq(ports["query"]) >= target, 600, 0.005, "the query service to catch up", qry)
        tail_s = time.monotonic() - t_acked
        prober.finish()
        visible = [s["visible_ms"] for s in prober.samples]
        res["sustained"] = dict(up, rate=args.sustained_rate, acked_docs_per_s=up["accepted"] / up["seconds"],
                                searchable_after_last_ack_s=tail_s,
                                probes=len(prober.samples),
                                probes_timed_out=sum(1 for x in prober.samples if x["timeout"]),
                                ack_ms=querybench.summarize([x["ack_ms"] for x in prober.samples]),
                                ack_to_searchable_ms=querybench.summarize(visible))
        log("sustained: %d docs acked in %.1f s (%.0f docs/s; sender behind its schedule by at most %.2f s); "
            "searchable %.2f s after the last ack; ack→searchable p50 %.1f ms, p99 %.1f ms over %d probes"
            % (up["accepted"], up["seconds"], up["accepted"] / up["seconds"], up["behind_s"], tail_s,
               res["sustained"]["ack_to_searchable_ms"]["p50"] or -1,
               res["sustained"]["ack_to_searchable_ms"]["p99"] or -1, len(visible)))
    svc.stop_all()
    return res
