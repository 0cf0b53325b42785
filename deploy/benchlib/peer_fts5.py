"""SQLite FTS5 through Python's sqlite3 on the benchmark corpus, stemmed in Python (PyStemmer).

FTS5 has no Danish stemmer, so text is stemmed before it is inserted (and queries before they
are matched), each document with its own language's Snowball stemmer. The columns are per
language (title_da … meta_en) so that a query's Danish stems meet only Danish documents, and
`bm25` gets Tidende's field weights. Scalars live in a plain table for filters and facets."""

import os
import sqlite3
import time

import Stemmer

from . import filters
from .peers import FILTER_FIELDS, LANGS, TEXT_FIELDS, WEIGHTS, WORD, doc_lang, read_docs, text_fields

COLUMNS = ["%s_%s" % (f, lang) for lang in LANGS for f in TEXT_FIELDS]
STEMMERS = {"da": Stemmer.Stemmer("danish"), "en": Stemmer.Stemmer("english")}


def stem_text(text, lang):
    return " ".join(STEMMERS[lang].stemWords(WORD.findall(text.lower())))


class FTS5Peer:
    name = "sqlite-fts5"
    version = "SQLite %s FTS5" % sqlite3.sqlite_version

    def __init__(self, path):
        self.path = path
        self.db = None

    def build(self, ndjson_path):
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.remove(self.path + suffix)
            except FileNotFoundError:
                pass
        t0 = time.monotonic()
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, %s)" % ", ".join(FILTER_FIELDS))
        db.execute("CREATE TABLE tags(rowid INTEGER, tag TEXT)")
        # Contentless: the stemmed text is only searched, never shown, so it need not be stored twice.
        # remove_diacritics 0: å, ø and æ are letters in Danish, not accented a and o.
        db.execute("CREATE VIRTUAL TABLE fts USING fts5(%s, content='', tokenize='unicode61 remove_diacritics 0')"
                   % ", ".join(COLUMNS))
        db.execute("INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(%s)')"
                   % ", ".join("%.1f" % WEIGHTS[f] for _lang in LANGS for f in TEXT_FIELDS))
        db.execute("BEGIN")
        n = 0
        fts_sql = "INSERT INTO fts(rowid, %s) VALUES (?, %s)" % (", ".join(COLUMNS), ", ".join("?" * len(COLUMNS)))
        meta_sql = "INSERT INTO meta VALUES (?, ?, %s)" % ", ".join("?" * len(FILTER_FIELDS))
        empty = [""] * len(TEXT_FIELDS)
        for doc in read_docs(ndjson_path):
            n += 1
            lang = doc_lang(doc)
            stemmed = [stem_text(t, lang) for t in text_fields(doc).values()]
            cols = stemmed + empty if lang == "da" else empty + stemmed
            db.execute(fts_sql, [n] + cols)
            db.execute(meta_sql, [n, str(doc["id"])] + [None if doc.get(f) is None else str(doc[f])
                                                        for f in FILTER_FIELDS])
            tags = doc.get("tags") or []
            for t in (tags if isinstance(tags, list) else [tags]):
                db.execute("INSERT INTO tags VALUES (?, ?)", (n, str(t)))
        db.execute("CREATE INDEX tags_rowid ON tags(rowid)")
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seconds = time.monotonic() - t0
        self.db = db
        size = sum(os.path.getsize(self.path + s) for s in ("", "-wal") if os.path.exists(self.path + s))
        return {"docs": n, "seconds": seconds, "docs_per_s": n / seconds, "disk_bytes": size}

    # -- queries ---------------------------------------------------------------------------------

    @staticmethod
    def match_expression(q):
        """The FTS5 MATCH string: per language, all words (or the phrase) in that language's columns."""
        text = q.strip()
        phrase = len(text) >= 2 and text[0] == '"' and text[-1] == '"'
        words = text.strip('"').split()
        parts = []
        for lang in LANGS:
            cols = "{%s}" % " ".join("%s_%s" % (f, lang) for f in TEXT_FIELDS)
            if phrase:
                expr = '"%s"' % stem_text(" ".join(words), lang)
            else:
                # A word the tokenizer splits (ai-chips) becomes a phrase of its parts, as in tantivy.
                terms = ['"%s"' % stem_text(w, lang) for w in words if WORD.search(w)]
                expr = "(%s)" % " AND ".join(terms)
            parts.append("(%s : %s)" % (cols, expr))
        return " OR ".join(parts)

    def _where(self, node, params):
        kind = node[0]
        if kind in ("and", "or"):
            return "(%s %s %s)" % (self._where(node[1], params), kind.upper(), self._where(node[2], params))
        if kind == "not":
            return "(NOT %s)" % self._where(node[1], params)
        field = node[1]
        if field == "tags":
            if kind == "exists":
                return "EXISTS (SELECT 1 FROM tags t WHERE t.rowid = m.rowid)"
            values = node[2] if kind == "in" else [node[3]]
            if kind == "cmp" and node[2] not in ("=", "!="):
                raise NotImplementedError("tags " + node[2])
            params.extend(values)
            sql = "EXISTS (SELECT 1 FROM tags t WHERE t.rowid = m.rowid AND t.tag IN (%s))" % ",".join("?" * len(values))
            return "(NOT %s)" % sql if kind == "cmp" and node[2] == "!=" else sql
        if field not in FILTER_FIELDS:
            raise NotImplementedError(field)
        if kind == "exists":
            return "m.%s IS NOT NULL" % field
        if kind == "in":
            params.extend(node[2])
            return "m.%s IN (%s)" % (field, ",".join("?" * len(node[2])))
        op, value = node[2], node[3]
        params.append(value)
        if op == "!=":
            return "(m.%s IS NULL OR m.%s != ?)" % (field, field)
        # ISO dates compare correctly as text against a bare date (midnight sorts first).
        return "m.%s %s ?" % (field, op)

    @staticmethod
    def _source(text, clause, with_tags=False):
        tags = " JOIN tags t ON t.rowid = m.rowid" if with_tags else ""
        if text:
            return "FROM fts JOIN meta m ON m.rowid = fts.rowid%s%s" % (tags, clause)
        return "FROM meta m%s%s" % (tags, clause)

    def search(self, q):
        """Top-10 ids (and the facet counts when asked, which are computed but not returned)."""
        params, where = [], []
        text = q["q"].strip()
        if text:
            where.append("fts MATCH ?")
            params.append(self.match_expression(text))
        if q.get("filter"):
            where.append(self._where(filters.parse(q["filter"]), params))
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        # Without text there is no ranking either: any ten matching documents.
        order = " ORDER BY fts.rank" if text else ""
        rows = self.db.execute("SELECT m.id %s%s LIMIT 10" % (self._source(text, clause), order), params).fetchall()
        for f in q.get("facets") or []:
            if f == "tags":
                col = "t.tag"
            elif f in FILTER_FIELDS:
                col = "m." + f
            else:
                raise NotImplementedError("facet " + f)
            sql = "SELECT %s, count(*) %s GROUP BY %s ORDER BY 2 DESC LIMIT 10" % (
                col, self._source(text, clause, with_tags=(f == "tags")), col)
            self.db.execute(sql, params).fetchall()
        return [r[0] for r in rows]
