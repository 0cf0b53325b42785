"""Query load over TCP: N connections, one outstanding query each, latency per kind."""

import itertools
import json
import os
import threading
import time

from . import procs
from .wire import LineClient, dumps

KINDS = ("rare", "common", "two_word", "phrase", "filtered", "faceted")


def request_for(query, fields=("id",)):
    """The search request a query of the mix becomes (top 10, ids only: the peers return ids too)."""
    req = {"q": query["q"], "limit": 10, "fields": list(fields)}
    if query.get("filter"):
        req["filter"] = query["filter"]
    if query.get("facets"):
        req["facets"] = query["facets"]
    return req


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summarize(ms):
    ms = sorted(ms)
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "p999": percentile(ms, 99.9),
            "mean": (sum(ms) / len(ms)) if ms else None}


def collect_top10(port, queries):
    """One pass over the mix on one connection: each query's top-10 ids, total, the server's own
    `took_ms` and any error."""
    out = []
    with LineClient(port) as c:
        for q in queries:
            reply = c.request(request_for(q))
            out.append({"ids": [h.get("id") for h in reply.get("hits", [])], "total": reply.get("total"),
                        "took_ms": reply.get("took_ms"), "ok": reply.get("ok"), "error": reply.get("error")})
    return out


def highlighted_rare(port, queries, passes=5):
    """The rare words of the mix as the issue states its latency goal: top 10 with titles and
    highlights, one connection, round trip as a client sees it."""
    ms = []
    rare = [q for q in queries if q["kind"] == "rare"]
    with LineClient(port) as c:
        for _ in range(passes):
            for q in rare:
                req = dumps({"q": q["q"], "limit": 10, "fields": ["id", "title"], "highlight": True})
                t0 = time.perf_counter()
                c.request_raw(req)
                ms.append((time.perf_counter() - t0) * 1e3)
    return summarize(ms)


def ping_floor(port, n=500):
    """Round trips of `ping` on one connection: what TCP, the line server and this Python client
    cost before any search work, the floor under every latency measured here."""
    ms = []
    with LineClient(port) as c:
        for _ in range(n):
            t0 = time.perf_counter()
            c.request_raw(b'{"op":"ping"}\n')
            ms.append((time.perf_counter() - t0) * 1e3)
    return summarize(ms)


def run_level(port, queries, connections, total, max_seconds, server_pid=None):
    """`connections` threads, each with its own connection, draw queries from the mix in turn until
    `total` have run or `max_seconds` passed. Returns latency per kind, throughput and client CPU."""
    payloads = [(q["kind"], dumps(request_for(q))) for q in queries]
    counter = itertools.count()  # next() on it is atomic under the GIL
    results = [[] for _ in range(connections)]
    errors = [0] * connections
    start_barrier = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(slot):
        client = LineClient(port, timeout=60)
        start_barrier.wait()
        mine = results[slot]
        n = len(payloads)
        try:
            while True:
                i = next(counter)
                if i >= total or time.perf_counter() > deadline[0]:
                    break
                kind, payload = payloads[i % n]
                t0 = time.perf_counter()
                line = client.request_raw(payload)
                mine.append((kind, (time.perf_counter() - t0) * 1e3))
                if not line.startswith(b'{"ok":true'):
                    errors[slot] += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in range(connections)]
    for t in threads:
        t.start()
    cpu0 = os.times()
    server0 = procs.cpu_seconds(server_pid) if server_pid else None
    deadline[0] = time.perf_counter() + max_seconds
    t0 = time.perf_counter()
    start_barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu1 = os.times()
    server1 = procs.cpu_seconds(server_pid) if server_pid else None
    by_kind = {k: [] for k in KINDS}
    everything = []
    for r in results:
        for kind, ms in r:
            by_kind.setdefault(kind, []).append(ms)
            everything.append(ms)
    client_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {"connections": connections, "queries": len(everything), "seconds": wall,
            "qps": len(everything) / wall if wall > 0 else None, "errors": sum(errors),
            "client_cpu_share": client_cpu / wall if wall > 0 else None,
            "server_cpu_share": (server1 - server0) / wall if server0 is not None and server1 is not None else None,
            "server_cpu_ms_per_query": ((server1 - server0) * 1e3 / len(everything)
                                        if server0 is not None and server1 is not None and everything else None),
            "all": summarize(everything), "kinds": {k: summarize(v) for k, v in by_kind.items()}}


def load_queries(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
