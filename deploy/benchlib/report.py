"""The side-by-side report: a Markdown table for people, a plot on request."""

import importlib
import subprocess
import sys

from .querybench import KINDS, summarize

PEER_TITLES = {"tantivy": "tantivy", "fts5": "SQLite FTS5"}


def _f(x, digits=2):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return "{:,.0f}".format(x).replace(",", " ")
    return ("%." + str(digits) + "f") % x


def _mb(b):
    return None if b is None else b / 1e6


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2f×" % (a / b)


def peer_kinds(peer, queries):
    """Latency per kind of a peer's timed pass, and the mean top-10 overlap with ours per kind."""
    lat = {k: [] for k in KINDS}
    ov = {k: [] for k in KINDS}
    for q, run, o in zip(queries, peer["runs"], peer["overlap"]):
        if run is not None:
            lat[q["kind"]].append(run.get("ms2", run["ms"]))
        if o is not None:
            ov[q["kind"]].append(o)
    return ({k: summarize(v) for k, v in lat.items()},
            {k: (sum(v) / len(v) if v else None) for k, v in ov.items()})


def markdown(results):
    ours = results["ours"]
    ing = ours["ingest"]
    peers = results.get("peers", {})
    one = ours["levels"][0]["kinds"]
    names = list(peers)
    per_peer = {n: peer_kinds(peers[n], results["queries"]) for n in names}

    head = "| metric | Tidende |" + "".join(" %s | ratio |" % PEER_TITLES.get(n, n) for n in names) + " goal |"
    sep = "|---|---:|" + "---:|---:|" * len(names) + "---|"
    rows = []

    def row(metric, mine, theirs, goal="", fmt=_f, ratio=True):
        cells = []
        for n in names:
            t = theirs(n) if theirs else None
            cells.append(" %s | %s |" % (fmt(t) if t is not None else "n/a", _ratio(mine, t) if ratio else ""))
        rows.append("| %s | %s |%s %s |" % (metric, fmt(mine) if mine is not None else "n/a", "".join(cells), goal))

    row("searchable docs/s (ours) vs indexing docs/s (peer)", ing["searchable_docs_per_s"],
        lambda n: peers[n]["build"]["docs_per_s"], "≥ 4×")
    row("acknowledged (durable) docs/s", ing["acked_docs_per_s"], None, ratio=False)
    rows.append("| upload MB/s raw / gzip | %s / %s |%s |" % (_f(ing["raw_mb_per_s"]), _f(ing["gzip_mb_per_s"]),
                                                            " n/a | |" * len(names)))
    rows.append("| ack→searchable ms p50 / p99 (%d probes, %d over the %d ms wait) | %s / %s |%s |" % (
        ing["probes"], ing.get("probes_timed_out", 0), ing.get("probe_timeout_ms", 5000), _f(ing["ack_to_searchable_ms"]["p50"]), _f(ing["ack_to_searchable_ms"]["p99"]),
        " n/a | |" * len(names)))
    rows.append("| send→durable ack ms p50 / p99 (probes during the upload) | %s / %s |%s |" % (
        _f(ing["ack_ms"]["p50"]), _f(ing["ack_ms"]["p99"]), " n/a | |" * len(names)))
    if ing.get("idle_probes"):
        rows.append("| idle: ack→searchable / send→ack ms p50 (p99), %d probes after the upload | %s (%s) / %s (%s) |%s |" % (
            ing["idle_probes"], _f(ing["idle_ack_to_searchable_ms"]["p50"]), _f(ing["idle_ack_to_searchable_ms"]["p99"]),
            _f(ing["idle_ack_ms"]["p50"]), _f(ing["idle_ack_ms"]["p99"]), " n/a | |" * len(names)))
    if ours.get("settle_s") is not None:
        rows.append("| index settled (idle merge to ≤ 2 segments), s after the last change; queries measured after | %s |%s |" % (
            _f(ours["settle_s"]), " n/a | |" * len(names)))
    sus = ours.get("sustained")
    if sus:
        rows.append("| sustained upload at %d docs/s for %.0f s: acked docs/s (sender behind schedule by at most s) | %s (%s) |%s ≥ 20 000 |" % (
            sus["rate"], sus["docs"] / sus["rate"], _f(sus["acked_docs_per_s"]), _f(sus["behind_s"]), " n/a | |" * len(names)))
        rows.append("| sustained: ack→searchable ms p50 / p99 (%d probes, %d over the wait); searchable s after the last ack | %s / %s; %s |%s p99 ≤ 100 |" % (
            sus["probes"], sus["probes_timed_out"], _f(sus["ack_to_searchable_ms"]["p50"]), _f(sus["ack_to_searchable_ms"]["p99"]),
            _f(sus["searchable_after_last_ack_s"]), " n/a | |" * len(names)))
    if ours.get("highlighted_rare_ms"):
        rows.append("| rare, 10 hits with titles and highlights: round trip ms p50 / p99 (1 connection) | %s / %s |%s p50 < 0.3 |" % (
            _f(ours["highlighted_rare_ms"]["p50"]), _f(ours["highlighted_rare_ms"]["p99"]), " n/a | |" * len(names)))
    rows.append("| ping round trip ms p50 / p99 (the floor under our latencies) | %s / %s |%s |" % (
        _f(ours["ping_ms"]["p50"]), _f(ours["ping_ms"]["p99"]), " n/a | |" * len(names)))
    took = {k: [] for k in KINDS}
    for q, r in zip(results["queries"], ours["top10"]):
        if r.get("took_ms") is not None:
            took[q["kind"]].append(r["took_ms"])
    for k in KINDS:
        rows.append("| %s: server took_ms p50 / p99 (from our replies) | %s / %s |%s |" % (
            k, _f(summarize(took[k])["p50"]), _f(summarize(took[k])["p99"]), " | |" * len(names)))
    for k in KINDS:
        row("%s: p50 ms (1 connection)" % k, one[k]["p50"], lambda n, k=k: per_peer[n][0][k]["p50"], "≤ 1×")
        row("%s: p99 ms" % k, one[k]["p99"], lambda n, k=k: per_peer[n][0][k]["p99"], "≤ 1×")
    for k in KINDS:
        rows.append("| %s: top-10 overlap with ours | |%s |" % (
            k, "".join(" %s | |" % _f(per_peer[n][1][k]) for n in names)))
    disk = ours["disk"]["ingest_store"] + ours["disk"]["query_snapshot"]
    row("on disk MB (store + snapshot)", _mb(disk), lambda n: _mb(peers[n]["build"]["disk_bytes"]), "", _f)
    rows.append("| on disk MB: ingest store / query snapshot | %s / %s |%s |" % (
        _f(_mb(ours["disk"]["ingest_store"])), _f(_mb(ours["disk"]["query_snapshot"])), " | |" * len(names)))
    raw = ours["memory"]["raw_corpus"]
    rows.append("| peak memory MB query / ingest (VmHWM) | %s / %s |%s |" % (
        _f(_mb(ours["memory"]["query_hwm"])), _f(_mb(ours["memory"]["ingest_hwm"])), " n/a | |" * len(names)))
    rows.append("| query peak memory / raw corpus (%s MB) | %s |%s ≤ 1× |" % (
        _f(_mb(raw)), _ratio(ours["memory"]["query_hwm"], raw), " | |" * len(names)))
    r = ours["restart"]
    rows.append("| query restart s: answers / at head (SIGTERM took %s s) | %s / %s |%s |" % (
        _f(r["stop_s"]), _f(r["answers_s"]), _f(r["caught_up_s"]), " | |" * len(names)))

    out = ["## Tidende vs peers: %d documents (%s MB raw, %s MB gzip), %d queries" % (
        results["docs"], _f(_mb(results["corpus"]["raw_bytes"])), _f(_mb(results["corpus"]["gzip_bytes"])),
        len(results["queries"])), "",
        "Our latencies are over TCP on one connection (one outstanding query); the peers' are in-process "
        "calls from Python (one thread). Ratios are ours / peer's.", "", head, sep] + rows
    out += ["", "### Our query service under concurrency (TCP, one outstanding query per connection)", "",
            "| connections | queries | q/s | p50 ms | p99 ms | p99.9 ms | errors | client CPU | server CPU | server CPU ms/query |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lv in ours["levels"]:
        a = lv["all"]
        share = lv.get("server_cpu_share")
        out.append("| %d | %d | %s | %s | %s | %s | %d | %.0f%% | %s | %s |" % (
            lv["connections"], lv["queries"], _f(lv["qps"]), _f(a["p50"]), _f(a["p99"]), _f(a["p999"]),
            lv["errors"], 100 * lv["client_cpu_share"], "n/a" if share is None else "%.0f%%" % (100 * share),
            _f(lv.get("server_cpu_ms_per_query"))))
    out += ["", "| kind | " + " | ".join("%d conn p50 / p99 / p99.9 ms" % lv["connections"] for lv in ours["levels"]) + " |",
            "|---|" + "---:|" * len(ours["levels"])]
    for k in KINDS:
        out.append("| %s | " % k + " | ".join("%s / %s / %s" % (_f(lv["kinds"][k]["p50"]), _f(lv["kinds"][k]["p99"]),
                                                               _f(lv["kinds"][k]["p999"])) for lv in ours["levels"]) + " |")
    out += ["", "`%s`: wall time %.0f s (ours %.0f s%s); %d cores, load %.1f before, %.1f after." % (
        results.get("command", "deploy/bench"), results["wall_s"], ours["seconds"],
        "".join(", %s %.0f s" % (PEER_TITLES.get(n, n), peers[n]["seconds"]) for n in names),
        results["machine"]["cores"] or 0, results["machine"]["load_before"][0], results["machine"]["load_after"][0]), ""]
    return "\n".join(out)


def plot(results, path, log):
    """latency.png: p50 and p99 per kind, ours at each concurrency level next to the peers."""
    try:
        plt = _pyplot()
    except Exception as e:  # an offline machine without matplotlib still gets its tables
        log("no plot: matplotlib is not available (%s)" % e)
        return
    series = []
    for lv in results["ours"]["levels"]:
        series.append(("Tidende, %d conn" % lv["connections"], lv["kinds"]))
    for n, pr in results.get("peers", {}).items():
        series.append((PEER_TITLES.get(n, n), peer_kinds(pr, results["queries"])[0]))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    width = 0.8 / len(series)
    for ax, pct in zip(axes, ("p50", "p99")):
        for i, (label, kinds) in enumerate(series):
            xs = [j + i * width for j in range(len(KINDS))]
            ys = [kinds[k][pct] or 0 for k in KINDS]
            ax.bar(xs, ys, width, label=label)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(KINDS))])
        ax.set_xticklabels(KINDS)
        ax.set_yscale("log")
        ax.set_title("%s latency (ms, log scale)" % pct)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Tidende vs peers, %d documents" % results["docs"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    log("wrote %s" % path)


def _pyplot():
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], check=True,
                       stdout=subprocess.DEVNULL)
        importlib.invalidate_caches()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
