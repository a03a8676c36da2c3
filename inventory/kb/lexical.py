"""The lexical side of search: BM25F over words and character bigrams, with synonyms and homophones.

Exact terms, codes and short queries (密评, RULE_FUNDING_SUM, Excel模板) are this index's strength.
Besides a score per entry it says how much of the query each entry covers (idf-weighted share of the
query's meaningful terms), which the fused ranking uses as evidence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from functools import cached_property

import numpy as np

from .entries import Entry
from .tables import sound_of, sounds_of
from .text import CJK_RUN

FIELD_WEIGHTS = {"question": 3.0, "aliases": 2.5, "tags": 2.0, "answer": 1.0}
K1, B = 1.2, 0.75
ALT_WEIGHT = 0.8  # a synonym or homophone counts a little less than the word itself

Groups = dict[str, set[str]]  # meaningful query term -> itself plus its synonyms / homophone repairs


class LexicalIndex:
    def __init__(self, entries: list[Entry], tokenize: Callable[[str], list[str]], synonyms: list[list[str]], stopwords: set[str]) -> None:
        self.entries = entries
        self.tokenize = tokenize
        self.synonyms = synonyms
        self.stopwords = stopwords
        n = len(entries)
        fields: dict[str, list[Counter[str]]] = {f: [] for f in FIELD_WEIGHTS}
        for e in entries:
            fields["question"].append(Counter(tokenize(e.question)))
            fields["aliases"].append(Counter(tokenize(" ".join(e.aliases))))
            fields["tags"].append(Counter(tokenize(" ".join(e.tags))))
            fields["answer"].append(Counter(tokenize(e.answer)))
        avg = {f: max(sum(sum(c.values()) for c in cs) / max(n, 1), 1.0) for f, cs in fields.items()}
        df: Counter[str] = Counter()
        self.doc_terms: list[set[str]] = []
        for i in range(n):
            terms = set().union(*(fields[f][i] for f in FIELD_WEIGHTS))
            self.doc_terms.append(terms)
            df.update(terms)
        postings: dict[str, list[tuple[int, float]]] = {}
        for i in range(n):
            weighted: Counter[str] = Counter()
            for f, w in FIELD_WEIGHTS.items():
                c = fields[f][i]
                norm = 1 - B + B * sum(c.values()) / avg[f]
                for term, tf in c.items():
                    weighted[term] += w * tf / norm
            for term, tf in weighted.items():
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                postings.setdefault(term, []).append((i, idf * tf * (K1 + 1) / (tf + K1)))
        self.postings = {t: (np.array([i for i, _ in p], dtype=np.int32), np.array([w for _, w in p])) for t, p in postings.items()}
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)

    @cached_property
    def _pinyin_index(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for term in self.postings:
            if 2 <= len(term) <= 6 and CJK_RUN.fullmatch(term):
                out.setdefault(sound_of(term), []).append(term)
        return out

    def groups(self, query_norm: str) -> Groups:
        """Each meaningful query term with its synonyms, and homophone repairs for terms the index
        has never seen (登保 -> 等保)."""
        terms = self.tokenize(query_norm)
        groups: Groups = {}
        for t in dict.fromkeys(terms):
            if t in self.stopwords or (len(t) == 1 and CJK_RUN.fullmatch(t) and len(terms) > 1):
                continue
            groups[t] = {t}
        for g in self.synonyms:
            present = [w for w in g if w and w in query_norm]
            if present:
                extra = {tok for w in g for tok in self.tokenize(w)}
                for w in present:
                    for tok in self.tokenize(w):
                        if tok in groups:
                            groups[tok] |= extra
        unknown = [t for t in groups if t not in self.postings and CJK_RUN.fullmatch(t) and len(t) >= 2]
        for t in unknown:
            for sound in sounds_of(t):
                groups[t].update(self._pinyin_index.get(sound, []))
        return groups

    def score(self, groups: Groups) -> tuple[np.ndarray, np.ndarray]:
        """(BM25F score per entry, share of the query each entry covers)."""
        n = len(self.entries)
        scores = np.zeros(n)
        covered = np.zeros(n)
        # a term the knowledge base has never seen is the most telling part of a query
        weights = {o: max((self.idf.get(t, 0.0) for t in alts), default=0.0) or self.max_idf for o, alts in groups.items()}
        total = sum(weights.values()) or 1.0
        for original, alts in groups.items():
            seen = np.zeros(n, dtype=bool)
            for t in alts:
                p = self.postings.get(t)
                if p is not None:
                    scores[p[0]] += p[1] * (1.0 if t == original else ALT_WEIGHT)
                    seen[p[0]] = True
            covered[seen] += weights[original] / total
        return scores, covered

    def matched(self, i: int, groups: Groups) -> list[str]:
        return sorted({t for alts in groups.values() if alts & self.doc_terms[i] for t in alts & self.doc_terms[i]})
