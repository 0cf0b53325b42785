"""A small parser for Tidende's filter language, so the peers can apply the same filters.

Grammar (the subset the benchmark's query mix uses, plus the rest of the operators):
    expr   := or
    or     := and ("OR" and)*
    and    := unary ("AND" unary)*
    unary  := "NOT" unary | "(" expr ")" | cond
    cond   := FIELD ("=" | "!=" | "<" | "<=" | ">" | ">=") VALUE
            | FIELD "IN" "[" VALUE ("," VALUE)* "]"
            | FIELD "EXISTS"
The result is a tuple tree: ("cmp", field, op, value), ("in", field, [values]),
("exists", field), ("and", a, b), ("or", a, b), ("not", a).
"""

import re

_TOKEN = re.compile(r'\s*(?:(!=|<=|>=|=|<|>|\[|\]|,|\(|\))|"([^"]*)"|([^\s=!<>\[\],()"]+))')


def _tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError("cannot read filter at column %d: %r" % (pos + 1, text))
        punct, quoted, word = m.groups()
        if punct is not None:
            out.append(("p", punct))
        elif quoted is not None:
            out.append(("v", quoted))
        else:
            out.append(("w", word))
        pos = m.end()
    return out


def parse(text):
    """Parses a filter string into a tuple tree; raises ValueError on anything unexpected."""
    toks = _tokens(text)
    i = 0

    def peek():
        return toks[i] if i < len(toks) else (None, None)

    def take():
        nonlocal i
        i += 1
        return toks[i - 1]

    def keyword(word):
        kind, value = peek()
        return kind == "w" and value.upper() == word

    def parse_or():
        node = parse_and()
        while keyword("OR"):
            take()
            node = ("or", node, parse_and())
        return node

    def parse_and():
        node = parse_unary()
        while keyword("AND"):
            take()
            node = ("and", node, parse_unary())
        return node

    def parse_unary():
        if keyword("NOT"):
            take()
            return ("not", parse_unary())
        if peek() == ("p", "("):
            take()
            node = parse_or()
            if take() != ("p", ")"):
                raise ValueError("expected ')' in %r" % text)
            return node
        kind, field = take()
        if kind != "w":
            raise ValueError("expected a field name in %r" % text)
        if keyword("EXISTS"):
            take()
            return ("exists", field)
        if keyword("IN"):
            take()
            if take() != ("p", "["):
                raise ValueError("expected '[' after IN in %r" % text)
            values = []
            while True:
                kind, value = take()
                if kind not in ("w", "v"):
                    raise ValueError("expected a value in %r" % text)
                values.append(value)
                sep = take()
                if sep == ("p", "]"):
                    return ("in", field, values)
                if sep != ("p", ","):
                    raise ValueError("expected ',' or ']' in %r" % text)
        kind, op = take()
        if kind != "p" or op not in ("=", "!=", "<", "<=", ">", ">="):
            raise ValueError("expected a comparison after %s in %r" % (field, text))
        kind, value = take()
        if kind not in ("w", "v"):
            raise ValueError("expected a value after %s %s in %r" % (field, op, text))
        return ("cmp", field, op, value)

    node = parse_or()
    if i != len(toks):
        raise ValueError("unexpected %r in %r" % (toks[i][1], text))
    return node


def evaluate(node, doc):
    """Evaluates a tree against a document dict (the reference the peers' translations are checked with)."""
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], doc) and evaluate(node[2], doc)
    if kind == "or":
        return evaluate(node[1], doc) or evaluate(node[2], doc)
    if kind == "not":
        return not evaluate(node[1], doc)
    value = doc.get(node[1])
    values = value if isinstance(value, list) else ([] if value is None else [value])
    if kind == "exists":
        return bool(values)
    if kind == "in":
        return any(str(v) in node[2] for v in values)
    op, want = node[2], node[3]
    if op == "!=":
        return all(str(v) != want for v in values)
    # ISO dates compare as strings: a bare date sorts before every time of that day, as midnight does.
    tests = {"=": lambda a: a == want, "<": lambda a: a < want, "<=": lambda a: a <= want,
             ">": lambda a: a > want, ">=": lambda a: a >= want}
    return any(tests[op](str(v)) for v in values)
