"""What systems' 业务功能 texts and names mean, for the duplicate finder (duplicates.py): where the
lexicon of business words runs out, sentence vectors (inventory/meaning.py, cached by text) say
whether two systems do the same thing.

- `alike_pairs`: systems whose descriptions are close in meaning and whose names, without region
  and phase, are at least related, even with no business word in common (全民健身 / 智慧体育), from
  the lead band (`dup_alike_possible_*`) up;
- `pair_meanings`: for pairs the names alone could not decide, how close their descriptions and
  their name cores are.

A description made mostly of phrases many others share (one template filled in with each business
name), or close in meaning to many systems' (boilerplate such as “实现业务管理和统计分析”), says
nothing about any of them and is left out. Without the encoder installed both answer nothing and
the name routes answer alone; the caller skips them for rounds with more distinct descriptions
than it can encode in time.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

MIN_TEXT = 12  # characters: a shorter description says too little to compare
BLOCK = 2048  # rows of the similarity matrix computed at once


@dataclass(frozen=True)
class AlikePair:
    a: int
    b: int
    function: float  # how close the two descriptions are in meaning
    name: float  # how close the two names' cores are


def for_encoder(t: dict[str, Any]) -> dict[str, Any]:
    """The thresholds with each per-encoder one (`{"use": …, "e5": …}` in findings.json) resolved for the
    encoder this machine uses: two models spread their similarities differently."""
    from ..meaning import encoder_name

    name = encoder_name()
    return {k: v.get(name, v["use"]) if k.startswith("dup_") and isinstance(v, dict) else v for k, v in t.items()}


def _vectors(texts: list[str]) -> np.ndarray | None:
    from ..meaning import VectorStore, shared_encoder

    try:
        return VectorStore("dup", shared_encoder()).vectors(texts)
    except ImportError:
        return None
    except Exception as exc:  # a broken model install must not stop the reports: the name routes still answer
        if os.environ.get("INVENTORY_DEBUG"):
            raise
        logging.getLogger(__name__).warning("语义比对不可用（%s），本次查重只按名称。", type(exc).__name__)
        return None


class Phrasing:
    """Which descriptions of a round are templated: made mostly of phrases that many others share. One
    template filled in with each business name (“支撑××相关业务的受理、审核、办结和统计分析”) is as
    close to every other filling as to a real duplicate, so its meaning says nothing beyond the name.
    How common a phrase is is counted on up to `SAMPLE` of the round's distinct descriptions."""

    SAMPLE = 5000

    def __init__(self, texts: Iterable[str], t: dict[str, Any]) -> None:
        self.texts, self.t = texts, t

    @cached_property
    def common(self) -> set[str]:
        """The phrases (character pairs) found in many descriptions; counted on first use only."""
        distinct = sorted(set(self.texts))
        sample = distinct[:: max(1, len(distinct) // self.SAMPLE)]
        df: Counter[str] = Counter()
        for text in sample:
            df.update(set(bigrams(text)))
        floor = max(self.t["dup_meaning_common_texts"], self.t["dup_meaning_common_share"] * len(sample))
        return {g for g, c in df.items() if c > floor}

    def templated(self, text: str) -> bool:
        grams = set(bigrams(text))
        return bool(grams) and sum(g in self.common for g in grams) > len(grams) / 2

    def says_something(self, text: str) -> bool:
        """Long enough to compare, and not a filled-in template."""
        return len(text) >= MIN_TEXT and not self.templated(text)


_CLAUSE = re.compile(r"[，。；、,;：:\n（）()]+")


def closest_clauses(a: str, b: str) -> tuple[str, str] | None:
    """The two clauses, one of each description, that share the most (character pairs, Jaccard): what
    a reader compares first to see why two systems were linked. None when no clause pair shares anything."""
    ca = [c for c in _CLAUSE.split(a) if len(c) >= 4]
    cb = [c for c in _CLAUSE.split(b) if len(c) >= 4]
    best, pair = 0.0, None
    for x in ca:
        gx = set(bigrams(x))
        for y in cb:
            gy = set(bigrams(y))
            score = len(gx & gy) / len(gx | gy) if gx | gy else 0.0
            if score > best:
                best, pair = score, (x, y)
    return pair


def bigrams(text: str) -> Counter[str]:
    """The text's character pairs (letters and digits only), with their counts."""
    text = "".join(ch for ch in text if ch.isalnum())
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def alike_pairs(
    texts: dict[int, str], cores: dict[int, str], owners: dict[int, str], phrasing: Phrasing, t: dict[str, Any]
) -> list[AlikePair]:
    """Pairs of systems (ids as given) of different owners whose descriptions mean the same."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for i, text in texts.items():
        grouped[text].append(i)
    by_text = {text: ids for text, ids in grouped.items() if phrasing.says_something(text)}
    distinct = list(by_text)
    if sum(map(len, by_text.values())) < 2:
        return []
    vectors = _vectors(distinct)
    if vectors is None:
        return []
    close: list[tuple[int, int, float]] = []  # (text, text, similarity), each pair once, a text with itself too
    floor = min(t["dup_meaning_function"], t["dup_alike_possible_function"])  # leads begin below claims
    for start in range(0, len(distinct), BLOCK):
        sims = vectors[start : start + BLOCK] @ vectors.T
        for r, c in zip(*np.nonzero(sims >= floor), strict=True):
            if start + r <= c:
                close.append((start + r, int(c), float(sims[r, c])))
    reach = np.zeros(len(distinct), dtype=np.int64)  # systems whose description is close to each text's
    for a, b, _ in close:
        reach[a] += len(by_text[distinct[b]])
        if a != b:
            reach[b] += len(by_text[distinct[a]])
    common = reach > t["dup_meaning_max_systems"]
    pairs = [
        (i, j, sim)
        for a, b, sim in close
        if not common[a] and not common[b]
        for i in by_text[distinct[a]]
        for j in by_text[distinct[b]]
        if (a != b or i < j) and owners[i] != owners[j]
    ]
    if not pairs:
        return []
    names = sorted({cores[i] for p in pairs for i in p[:2]})
    name_vectors = _vectors(names)
    if name_vectors is None:
        return []
    row = {n: k for k, n in enumerate(names)}
    out = []
    name_floor = min(t["dup_meaning_name"], t["dup_alike_possible_name"])
    for i, j, sim in pairs:
        name = float(name_vectors[row[cores[i]]] @ name_vectors[row[cores[j]]])
        if name >= name_floor:
            out.append(AlikePair(min(i, j), max(i, j), sim, name))
    return out


def pair_meanings(
    pairs: list[tuple[int, int]], texts: dict[int, str], cores: dict[int, str], phrasing: Phrasing, t: dict[str, Any]
) -> dict[tuple[int, int], tuple[float, float]]:
    """(how close the descriptions are, how close the name cores are) of each pair whose two descriptions
    say something of their own (not too short, not templated)."""
    kept = [(a, b) for a, b in pairs if phrasing.says_something(texts[a]) and phrasing.says_something(texts[b])]
    if not kept:
        return {}
    distinct = sorted({texts[i] for pair in kept for i in pair} | {cores[i] for pair in kept for i in pair})
    vectors = _vectors(distinct)  # descriptions and names in one read of the cache
    if vectors is None:
        return {}
    at = {x: k for k, x in enumerate(distinct)}

    def close(x: str, y: str) -> float:
        return float(vectors[at[x]] @ vectors[at[y]])

    return {(a, b): (close(texts[a], texts[b]), close(cores[a], cores[b])) for a, b in kept}


class Bigrams:
    """Cosine similarity of 业务功能 texts over idf-weighted character bigrams. Only the texts of systems
    that are candidates are read (at 100k systems, few are)."""

    def __init__(self, texts: dict[int, str]) -> None:
        self.grams = {i: bigrams(t) for i, t in texts.items()}
        df: Counter[str] = Counter()
        for g in self.grams.values():
            df.update(g.keys())
        n = max(len(texts), 1)
        self.idf = {g: math.log(1 + n / d) for g, d in df.items()}
        self.norm = {i: math.sqrt(sum((c * self.idf[g]) ** 2 for g, c in gs.items())) or 1.0 for i, gs in self.grams.items()}

    def __call__(self, i: int, j: int) -> float:
        a, b = self.grams[i], self.grams[j]
        if len(a) > len(b):
            a, b = b, a
        dot = sum(c * b[g] * self.idf[g] ** 2 for g, c in a.items() if g in b)
        return dot / (self.norm[i] * self.norm[j])
