"""`deploy/bench --self-check`: proves the peers answer the same filters the same way, before their
figures are trusted. Each filter of the mix (and a few more operators) is counted three ways on a
small corpus: by a plain Python evaluation of the parsed filter, by FTS5's SQL and by tantivy's query.
Exits non-zero on any disagreement."""

import os
import tempfile

from . import filters
from .peers import read_docs

EXTRA = ["tags = cloud", "type != article", "NOT (lang = da OR country EXISTS)",
         "published_at <= 2022-03-01 AND published_at > 2021-01-01", "author EXISTS AND NOT location EXISTS"]


def run(raw, queries, log):
    from .peer_fts5 import FTS5Peer
    from .peer_tantivy import TantivyPeer
    docs = list(read_docs(raw))
    work = tempfile.mkdtemp(prefix="bench-selfcheck-")
    fts = FTS5Peer(os.path.join(work, "fts5.sqlite"))
    fts.build(raw)
    tan = TantivyPeer(os.path.join(work, "tantivy"))
    tan.build(raw)
    wanted = sorted({q["filter"] for q in queries if q.get("filter")} | set(EXTRA))
    bad = 0
    for text in wanted:
        node = filters.parse(text)
        expected = sum(1 for d in docs if filters.evaluate(node, d))
        params = []
        try:
            sql = fts.db.execute("SELECT count(*) FROM meta m WHERE " + fts._where(node, params), params).fetchone()[0]
        except NotImplementedError:
            sql = "n/a"
        try:
            tv = tan.searcher.search(tan._filter_query(node), limit=1, count=True).count
        except NotImplementedError:
            tv = "n/a"
        ok = sql in (expected, "n/a") and tv in (expected, "n/a")
        bad += not ok
        log("%s python %d, fts5 %s, tantivy %s  %s" % ("ok  " if ok else "FAIL", expected, sql, tv, text))
    fts.db.close()
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return bad == 0
