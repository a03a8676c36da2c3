"""Search over the knowledge base (常见问题知识库): one ranking for every surface (CLI, web, hints).

A question is normalised (Traditional to Simplified with OpenCC, NFKC, lower case) and scored two
ways: by meaning (semantic.py: a sentence encoder against each entry's question and aliases; a
colloquial question is compared a second time without its filler words, the better of the two
counts) and by words (lexical.py: BM25F with synonyms and homophone repair, which also says how much
of the question an entry covers). The fused score is the semantic similarity plus a bonus for the
share of the question's words an entry contains and a small one for the BM25 score relative to the
best entry's; when even the best entry stays under the bar, the answer says there is no good match
and names whom to ask. Without the encoder (not installed), the lexical side answers alone with its
own bar.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..meaning import shared_encoder
from .entries import Entry, extras, load_entries, offtopic_examples
from .lexical import LexicalIndex
from .semantic import SemanticIndex
from .text import Tokenizer, normalise


@dataclass(frozen=True)
class Weights:
    """How the two sides are fused, per encoder (their similarities spread differently: USE's over
    about 0.3-1.0, e5's within about 0.8-1.0, six times narrower).

    fused = semantic similarity + coverage x share of the question's words covered + bm25 x BM25 score /
    the best entry's. Below `min_fused` the best entry is not a good answer; the rule for setting it: the
    lowest bar at which nine in ten of the development set's off-topic questions (small talk and
    near-domain questions such as other forms and other systems) get "no good match". Entries between
    `suggest_min` and the bar are offered as "maybe related". A question as close to one of the
    off-topic examples (kb/_offtopic.yaml) as to its best entry, plus `offtopic_margin`, is not this
    knowledge base's business, whatever its fused score. Further hits are listed only while they stay
    within `keep_within` of the best one. Everything was chosen on the development set
    (tests/kb_queries.yaml) alone; the held-out sets in benchmarks/kb/ are never used for choosing.
    For e5, the weights are USE's divided by how much narrower e5's similarities spread on the
    development set (5.9, measured without labels), then the bar and margin set by the same rules.
    """

    coverage: float
    bm25: float
    min_fused: float
    suggest_min: float
    offtopic_margin: float
    keep_within: float


WEIGHTS = {
    "use": Weights(coverage=0.9, bm25=0.1, min_fused=0.75, suggest_min=0.65, offtopic_margin=0.0, keep_within=0.3),
    "e5": Weights(coverage=0.152, bm25=0.0169, min_fused=0.935, suggest_min=0.756, offtopic_margin=-0.01, keep_within=0.05),
}
MIN_COVERAGE = 0.5  # the bar when only the lexical side is available


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
    suggestions: list[Hit] = field(default_factory=list)  # with no good match: entries that may still be related

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "results": [h.as_dict() for h in self.results]}
        if self.message:
            out["message"] = self.message
        if self.suggestions:
            out["suggestions"] = [h.as_dict() for h in self.suggestions]
        return out


class KnowledgeBase:
    def __init__(
        self,
        entries: list[Entry],
        synonyms: list[list[str]],
        stopwords: set[str],
        dictionary: Path | None,
        contact: str = "",
        fillers: Iterable[str] = (),
        offtopic: Iterable[str] = (),
    ) -> None:
        self.entries = entries
        self.folder: Path | None = None  # where the entries (and their shipped vectors) are
        self.offtopic = list(offtopic)
        self.contact = contact
        self.tokenize = Tokenizer(dictionary)
        self.stopwords = {normalise(w) for w in stopwords}
        words = sorted({n for n in map(normalise, fillers) if n}, key=len, reverse=True)
        self.fillers = re.compile("|".join(map(re.escape, words))) if words else None
        self.synonyms = [[normalise(w) for w in g] for g in synonyms]
        self.lexical = LexicalIndex(entries, self.tokenize, self.synonyms, self.stopwords)

    @classmethod
    def load(cls, folder: Path | None = None) -> KnowledgeBase:
        from ..form.load import load_form

        entries = load_entries(folder)
        groups, stop, fillers, dictionary = extras(folder)
        contact = load_form().round.get("contact", "项目办")
        kb = cls(entries, groups, stop, dictionary, contact=contact, fillers=fillers, offtopic=offtopic_examples(folder))
        kb.folder = folder
        return kb

    @property
    def weights(self) -> Weights:
        return WEIGHTS[self.semantic.encoder.name if self.semantic is not None else "use"]

    @cached_property
    def semantic(self) -> SemanticIndex | None:
        """The meaning side, built on the first search; None when the encoder is not installed."""
        from .vectors import seed_path

        try:
            encoder = shared_encoder()
            return SemanticIndex(self.entries, encoder, self.offtopic, seed=seed_path(self.folder, encoder))
        except ImportError:
            return None
        except Exception as exc:  # a broken model install must not take the FAQ down: words still answer
            if os.environ.get("INVENTORY_DEBUG"):
                raise
            logging.getLogger(__name__).warning("语义检索不可用（%s），本次只按关键词检索。", type(exc).__name__)
            return None

    def rank(self, query: str) -> tuple[np.ndarray, np.ndarray, dict[str, set[str]], bool]:
        """(fused score per entry, share of the question each entry covers, the question's terms,
        whether the question is closer to an off-topic example than to any entry)."""
        norm = normalise(query)
        groups = self.lexical.groups(norm)
        lexical, covered = self.lexical.score(groups) if groups else (np.zeros(len(self.entries)), np.zeros(len(self.entries)))
        if self.semantic is None or not norm:  # words alone: the lexical score, and the coverage bar decides
            return np.where(covered >= MIN_COVERAGE, lexical, 0.0), covered, groups, False
        semantic, away = self.semantic.scores(*self.wordings(norm))
        relative = lexical / lexical.max() if lexical.max() > 0 else lexical
        w = self.weights
        off_topic = bool(len(semantic)) and away >= float(semantic.max()) + w.offtopic_margin
        return semantic + w.coverage * covered + w.bm25 * relative, covered, groups, off_topic

    def wordings(self, norm: str) -> list[str]:
        """The question, and the question without its filler words when that leaves something to compare."""
        if self.fillers is None:
            return [norm]
        plain = " ".join(self.fillers.sub("", norm).split())
        return [norm, plain] if plain != norm and len(plain.replace(" ", "")) >= 2 else [norm]

    def search(self, query: str, limit: int = 5) -> SearchResult:
        if not normalise(query):
            return SearchResult(query, [], self._no_answer())
        fused, _, groups, off_topic = self.rank(query)
        order = np.argsort(-fused, kind="stable")
        semantic, w = self.semantic is not None, self.weights
        bar = w.min_fused if semantic else 1e-9
        if not len(order) or fused[order[0]] < bar or off_topic:
            maybe = [i for i in order[: min(limit, 3)] if semantic and fused[i] >= w.suggest_min]
            return SearchResult(query, [], self._no_answer(), [self._hit(int(i), fused, groups) for i in maybe])
        top = float(fused[order[0]])
        hits = []
        for i in order[:limit]:
            if fused[i] < max(bar, top - w.keep_within) and hits:
                break
            hits.append(self._hit(int(i), fused, groups))
        return SearchResult(query, hits)

    def _hit(self, i: int, fused: np.ndarray, groups: dict[str, set[str]]) -> Hit:
        matched = self.lexical.matched(i, groups)
        entry = self.entries[i]
        return Hit(entry, float(fused[i]), snippet(entry.answer, matched), matched)

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
