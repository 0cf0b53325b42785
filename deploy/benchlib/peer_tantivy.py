"""tantivy (tantivy-py 0.27) on the benchmark corpus: one writer thread, a stemmer per language.

Each document's text goes into the fields of its own language (title_da … or title_en …), each
analysed by that language's Snowball stemmer; a query is parsed once per language and the two
are OR-ed, which is what Tidende does without the user naming a language."""

import calendar
import importlib.metadata
import os
import shutil
import time

import tantivy

from . import filters
from .peers import FACET_FIELDS, LANGS, TEXT_FIELDS, WEIGHTS, doc_lang, read_docs, text_fields
from .procs import dir_bytes

STEMMER = {"da": "danish", "en": "english"}


def _analyzer(lang):
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer(STEMMER[lang]))
            .build())


def epoch(iso):
    """ISO 8601 date or date-time (UTC, as the corpus writes them) to epoch seconds."""
    if len(iso) == 10:
        iso += "T00:00:00"
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


class TantivyPeer:
    name = "tantivy"
    version = "tantivy-py %s" % importlib.metadata.version("tantivy")

    def __init__(self, path):
        self.path = path
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        for lang in LANGS:
            for f in TEXT_FIELDS:
                sb.add_text_field("%s_%s" % (f, lang), tokenizer_name="stem_" + lang)
        for f in FACET_FIELDS:
            sb.add_text_field("v_" + f, fast=True, tokenizer_name="raw")
        sb.add_text_field("has", tokenizer_name="raw")
        sb.add_integer_field("published", indexed=True, fast=True)
        self.schema = sb.build()
        self.index = None

    def _open(self, create):
        if create:
            shutil.rmtree(self.path, ignore_errors=True)
            os.makedirs(self.path)
        self.index = tantivy.Index(self.schema, path=self.path)
        # Tokenizers are not persisted: register them every time the index is opened.
        for lang in LANGS:
            self.index.register_tokenizer("stem_" + lang, _analyzer(lang))

    def build(self, ndjson_path):
        self._open(create=True)
        t0 = time.monotonic()
        writer = self.index.writer(heap_size=256_000_000, num_threads=1)
        n = 0
        for doc in read_docs(ndjson_path):
            d = tantivy.Document()
            d.add_text("id", str(doc["id"]))
            lang = doc_lang(doc)
            for f, text in text_fields(doc).items():
                if text:
                    d.add_text("%s_%s" % (f, lang), text)
            for f in FACET_FIELDS:
                v = doc.get(f)
                for x in (v if isinstance(v, list) else [v]):
                    if x is not None:
                        d.add_text("v_" + f, str(x))
            for k in doc:
                d.add_text("has", k)
            if doc.get("published_at"):
                d.add_integer("published", epoch(doc["published_at"]))
            writer.add_document(d)
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        seconds = time.monotonic() - t0
        self.index.reload()
        self.searcher = self.index.searcher()
        return {"docs": n, "seconds": seconds, "docs_per_s": n / seconds, "disk_bytes": dir_bytes(self.path)}

    # -- queries ---------------------------------------------------------------------------------

    def _text_query(self, q):
        if not q.strip():
            return tantivy.Query.all_query()
        parts = []
        for lang in LANGS:
            fields = ["%s_%s" % (f, lang) for f in TEXT_FIELDS]
            boosts = {"%s_%s" % (f, lang): WEIGHTS[f] for f in TEXT_FIELDS if WEIGHTS[f] != 1.0}
            parts.append((tantivy.Occur.Should,
                          self.index.parse_query(q, fields, field_boosts=boosts, conjunction_by_default=True)))
        return tantivy.Query.boolean_query(parts)

    def _filter_query(self, node):
        Q, Occur = tantivy.Query, tantivy.Occur
        kind = node[0]
        if kind in ("and", "or"):
            occur = Occur.Must if kind == "and" else Occur.Should
            return Q.boolean_query([(occur, self._filter_query(node[1])), (occur, self._filter_query(node[2]))])
        if kind == "not":
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, self._filter_query(node[1]))])
        field = node[1]
        if kind == "exists":
            return Q.term_query(self.schema, "has", field)
        if kind == "in":
            if field not in FACET_FIELDS:
                raise NotImplementedError(field)
            return Q.boolean_query([(Occur.Should, Q.term_query(self.schema, "v_" + field, v)) for v in node[2]])
        op, value = node[2], node[3]
        if field == "published_at":
            t = epoch(value)
            lo, hi, il, ih = {"<": (None, t, True, False), "<=": (None, t, True, True),
                              ">": (t, None, False, True), ">=": (t, None, True, True),
                              "=": (t, t, True, True)}.get(op, (None, None, True, True))
            if lo is None and hi is None:
                raise NotImplementedError(op)
            return Q.range_query(self.schema, "published", tantivy.FieldType.Integer, lo, hi, il, ih)
        if field not in FACET_FIELDS:
            raise NotImplementedError(field)
        term = Q.term_query(self.schema, "v_" + field, value)
        if op == "=":
            return term
        if op == "!=":
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, term)])
        raise NotImplementedError(op)

    def query_for(self, q):
        query = self._text_query(q["q"])
        if q.get("filter"):
            flt = tantivy.Query.const_score_query(self._filter_query(filters.parse(q["filter"])), 0.0)
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, flt)])
        return query

    def search(self, q):
        """Top-10 ids (and the facet counts when asked, which are computed but not returned)."""
        query = self.query_for(q)
        s = self.searcher
        hits = s.search(query, limit=10, count=False).hits
        ids = [s.doc(addr)["id"][0] for _score, addr in hits]
        if q.get("facets"):
            aggs = {f: {"terms": {"field": "v_" + f, "size": 10}} for f in q["facets"] if f in FACET_FIELDS}
            if len(aggs) != len(q["facets"]):
                raise NotImplementedError("facet")
            s.aggregate(query, aggs)
        return ids
