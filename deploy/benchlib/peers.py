"""What both peers share: how a document splits into weighted text fields, and how they are compared."""

import json
import re
import time

# Tidende's default BM25 field weights (EngineConfig): title 3, lead 2, tags 2, body 1, any other
# string field 1. The peers get the same weights; "meta" gathers the other short string fields
# Tidende indexes as text (type, source, country, author, location, company).
TEXT_FIELDS = ("title", "lead", "body", "tags", "meta")
WEIGHTS = {"title": 3.0, "lead": 2.0, "body": 1.0, "tags": 2.0, "meta": 1.0}
META_KEYS = ("type", "source", "country", "author", "location", "company")
LANGS = ("da", "en")
# Scalar fields the filters and facets of the query mix use.
FILTER_FIELDS = ("type", "lang", "country", "source", "published_at", "author")
FACET_FIELDS = ("type", "lang", "country", "source", "tags")


def text_fields(doc):
    """The five weighted texts of a document."""
    tags = doc.get("tags") or []
    if not isinstance(tags, list):
        tags = [tags]
    return {
        "title": str(doc.get("title") or ""),
        "lead": str(doc.get("lead") or doc.get("summary") or ""),
        "body": str(doc.get("body") or ""),
        "tags": " ".join(str(t) for t in tags),
        "meta": " ".join(str(doc[k]) for k in META_KEYS if doc.get(k) is not None),
    }


def doc_lang(doc):
    return "en" if doc.get("lang") == "en" else "da"


def read_docs(ndjson_path):
    with open(ndjson_path, "rb") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


WORD = re.compile(r"\w+")


def overlap(ours, theirs):
    """|A∩B| / max(|A|,|B|): |A∩B|/10 when both return ten, and 1.0 when both agree on fewer."""
    if not ours and not theirs:
        return None
    return len(set(ours) & set(theirs)) / max(len(ours), len(theirs))


def run_mix(peer, queries):
    """Times every query of the mix once on the peer (in process, one thread). Returns, per query,
    the latency in ms, the top-10 ids, or None when the peer cannot express the query."""
    out = []
    for q in queries:
        t0 = time.perf_counter()
        try:
            ids = peer.search(q)
        except NotImplementedError:
            out.append(None)
            continue
        out.append({"ms": (time.perf_counter() - t0) * 1e3, "ids": ids})
    return out
