#!/usr/bin/env python3
"""Regenerate the Snowball stem fixtures used by AnalysisTests.

    pip install PyStemmer==3.1.0 wordfreq
    python3 Tests/AnalysisTests/Fixtures/make_stem_fixture.py

Writes stems-da.tsv (every word of wordfreq's small Danish list) and stems-en.tsv (the top
50 000 English words), one `word<TAB>stem` line each, in wordfreq's frequency order.
The Swift stemmers must agree with PyStemmer (libstemmer, Snowball 3.x) on every line.
"""
import os
import sys

import Stemmer
import wordfreq

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, algorithm, words):
    stemmer = Stemmer.Stemmer(algorithm)
    path = os.path.join(HERE, name)
    seen = set()
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for word in words:
            # A tab or newline inside a word would break the format; wordfreq has none, but check.
            if word in seen or "\t" in word or "\n" in word:
                continue
            seen.add(word)
            out.write(f"{word}\t{stemmer.stemWord(word)}\n")
            count += 1
    print(f"{name}: {count} words", file=sys.stderr)


if __name__ == "__main__":
    if not Stemmer.version().startswith("3."):
        sys.exit(f"PyStemmer 3.x expected, found {Stemmer.version()}")
    write("stems-da.tsv", "danish", wordfreq.iter_wordlist("da", wordlist="small"))
    write("stems-en.tsv", "english", wordfreq.top_n_list("en", 50000))
