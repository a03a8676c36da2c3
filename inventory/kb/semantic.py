"""The meaning side of search: the sentence encoder (inventory/meaning.py) compares a question with
every entry's question, aliases and answer sentences, whose vectors are cached by text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..meaning import Encoder, VectorStore
from .entries import Entry

ANSWER_WEIGHT = 0.9  # a sentence of the answer counts a little less than the question or an alias
_SENTENCE = re.compile(r"(?<=[。；！？\n])")


def entry_texts(entries: list[Entry]) -> tuple[list[str], list[int], list[float]]:
    """The texts an entry is compared by (its question, aliases and answer sentences), whose entry
    each is, and its weight."""
    texts, owners, weights = [], [], []
    for i, e in enumerate(entries):
        for t in (e.question, *e.aliases):
            texts.append(t)
            owners.append(i)
            weights.append(1.0)
        for s in _SENTENCE.split(e.answer):
            if len(s.strip()) >= 6:
                texts.append(s.strip())
                owners.append(i)
                weights.append(ANSWER_WEIGHT)
    return texts, owners, weights


class SemanticIndex:
    """Each entry's question, aliases and answer sentences as vectors; an entry's score is its best match.
    `seed`: the vectors shipped beside the entries (kb/_vectors-<encoder>.npz), so a slow encoder does not
    encode them on a user's first search."""

    def __init__(self, entries: list[Entry], encoder: Encoder, elsewhere: Sequence[str] = (), seed: Path | None = None) -> None:
        self.encoder = encoder
        texts, owners, weights = entry_texts(entries)
        self.owners = np.array(owners, dtype=np.int32)
        self.weights = np.array(weights, dtype=np.float32)
        self.size = len(entries)
        # one store per knowledge base (known by its entries), so a large one never slows the others' loading
        self.store = VectorStore(
            "kb-" + hashlib.blake2b("\n".join(sorted(e.id for e in entries)).encode(), digest_size=6).hexdigest(), encoder, seed=seed
        )
        self.vectors = self.store.vectors(texts)
        self.elsewhere = self.store.vectors(list(elsewhere))  # questions that are some other desk's business

    def scores(self, *wordings: str) -> tuple[np.ndarray, float]:
        """Cosine similarity of the closest wording of the query with each entry's closest question,
        alias or answer sentence; and with the closest off-topic example (-1 without examples)."""
        queries = self.encoder.encode(list(wordings))
        best = np.full(self.size, -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, (self.vectors @ queries.T).max(axis=1) * self.weights)
        away = float((self.elsewhere @ queries.T).max()) if len(self.elsewhere) else -1.0
        return best, away
