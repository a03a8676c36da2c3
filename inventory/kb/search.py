"""Search over the knowledge base (常见问题知识库).

Search behaves the same whatever database is used. Text is normalised (Traditional to Simplified
with OpenCC, NFKC, lower case, no punctuation), segmented with jieba over a small domain
dictionary, and also cut into character bigrams so two-character and unknown terms still match.
Entries are ranked with BM25F (question and aliases weigh more than tags, tags more than the
answer). Queries are expanded with a synonym table, homophone typos are repaired through pinyin,
and a fuzzy match on the questions is the last resort. When nothing covers the query well enough,
the answer says so and names whom to ask.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .entries import Entry, extras, load_entries
from .text import CJK_RUN, Tokenizer, normalise

FIELD_WEIGHTS = {"question": 3.0, "aliases": 2.5, "tags": 2.0, "answer": 1.0}
K1, B = 1.2, 0.75
MIN_COVERAGE = 0.5  # share of the query's meaningful terms the best entry must contain
FUZZY_CUTOFF = 72


@dataclass
class Hit:
    entry: Entry
    score: float
    snippet: str
    matched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry.id,
            "question": self.entry.question,
            "category": self.entry.category,
            "score": round(self.score, 3),
            "snippet": self.snippet,
        }


@dataclass
class SearchResult:
    query: str
    results: list[Hit]
    message: str | None = None  # set when there is no good match

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "results": [h.as_dict() for h in self.results]}
        if self.message:
            out["message"] = self.message
        return out



class KnowledgeBase:
    def __init__(
        self, entries: list[Entry], synonyms: list[list[str]], stopwords: set[str], dictionary: Path | None, contact: str = ""
    ) -> None:
        self.entries = entries
        self.contact = contact
        self.tokenize = Tokenizer(dictionary)
        self.stopwords = {normalise(w) for w in stopwords}
        self.synonyms = [[normalise(w) for w in g] for g in synonyms]
        self._build()

    @classmethod
    def load(cls, folder: Path | None = None) -> KnowledgeBase:
        from ..form.load import load_form

        entries = load_entries(folder)
        groups, stop, dictionary = extras(folder)
        return cls(entries, groups, stop, dictionary, contact=load_form().round.get("contact", "项目办"))

    def _build(self) -> None:
        n = len(self.entries)
        fields: dict[str, list[Counter[str]]] = {f: [] for f in FIELD_WEIGHTS}
        for e in self.entries:
            fields["question"].append(Counter(self.tokenize(e.question)))
            fields["aliases"].append(Counter(self.tokenize(" ".join(e.aliases))))
            fields["tags"].append(Counter(self.tokenize(" ".join(e.tags))))
            fields["answer"].append(Counter(self.tokenize(e.answer)))
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
        from pypinyin import lazy_pinyin

        out: dict[str, list[str]] = {}
        for term in self.postings:
            if 2 <= len(term) <= 6 and CJK_RUN.fullmatch(term):
                out.setdefault("".join(lazy_pinyin(term)), []).append(term)
        return out

    @cached_property
    def _choices(self) -> dict[int, str]:
        return {i: normalise(" ".join((e.question, *e.aliases))) for i, e in enumerate(self.entries)}

    def _expand(self, query_norm: str, terms: list[str]) -> dict[str, set[str]]:
        """Each meaningful query term -> itself plus its synonyms and homophone corrections."""
        groups: dict[str, set[str]] = {}
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
        return groups

    def _homophones(self, groups: dict[str, set[str]]) -> bool:
        """Add index terms that sound like unknown query terms (typos such as 登保 for 等保)."""
        from pypinyin import lazy_pinyin

        added = False
        for t, alts in groups.items():
            if t not in self.postings and CJK_RUN.fullmatch(t) and len(t) >= 2:
                found = self._pinyin_index.get("".join(lazy_pinyin(t)), [])
                if found:
                    alts.update(found)
                    added = True
        return added

    def search(self, query: str, limit: int = 5) -> SearchResult:
        norm = normalise(query)
        groups = self._expand(norm, self.tokenize(query))
        if not groups:
            return SearchResult(query, [], self._no_answer())
        hits = self._rank(groups, limit)
        if not hits and self._homophones(groups):
            hits = self._rank(groups, limit)
        if not hits:
            hits = self._fuzzy(norm, limit)
        if not hits:
            return SearchResult(query, [], self._no_answer())
        for h in hits:
            h.snippet = snippet(h.entry.answer, h.matched)
        return SearchResult(query, hits)

    def _rank(self, groups: dict[str, set[str]], limit: int) -> list[Hit]:
        scores = np.zeros(len(self.entries))
        for original, alts in groups.items():
            for t in alts:
                p = self.postings.get(t)
                if p is not None:
                    scores[p[0]] += p[1] * (1.0 if t == original else 0.8)
        order = [int(i) for i in np.argsort(-scores)[: max(limit * 3, 10)] if scores[i] > 0]
        # a term the knowledge base has never seen is the most telling part of a query
        weights = {o: max((self.idf.get(t, 0.0) for t in alts), default=0.0) or self.max_idf for o, alts in groups.items()}
        total = sum(weights.values()) or 1.0
        hits: list[Hit] = []
        for i in order:
            covered = [o for o, alts in groups.items() if alts & self.doc_terms[i]]
            if not hits and sum(weights[o] for o in covered) / total < MIN_COVERAGE:
                break
            hits.append(Hit(self.entries[i], float(scores[i]), "", sorted({t for o in covered for t in groups[o]})))
            if len(hits) >= limit:
                break
        return hits

    def _fuzzy(self, norm: str, limit: int) -> list[Hit]:
        from rapidfuzz import fuzz, process

        if len(norm) < 3:
            return []
        found = process.extract(norm, self._choices, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=FUZZY_CUTOFF)
        return [Hit(self.entries[i], score / 100, "") for _, score, i in found]

    def _no_answer(self) -> str:
        return f"没有找到合适的答案。可以换个说法再试，或直接咨询{self.contact or '项目办'}。"

    def get(self, eid: str) -> Entry | None:
        return next((e for e in self.entries if e.id == eid), None)


def snippet(answer: str, matched: list[str], width: int = 80) -> str:
    """The part of the answer that holds the most matched terms."""
    sentences = [s for s in re.split(r"(?<=[。；！？\n])", answer) if s.strip()]
    if not sentences:
        return answer[:width]
    best = max(sentences, key=lambda s: sum(1 for t in matched if t in normalise(s)))
    best = best.strip()
    return best if len(best) <= width else best[: width - 1] + "…"
