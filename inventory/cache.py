"""The user's cache folder, where ready-to-load copies of slow-to-build data live (the sentence
encoder, sentence vectors, the segmentation dictionary). Everything there can be rebuilt: a copy
that is missing, stale or broken is made again, and a folder that cannot be written means no cache."""

from __future__ import annotations

import os
from pathlib import Path


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


def write_atomic(path: Path, data: bytes) -> None:
    """Keep a ready copy: written beside its place and renamed, so a reader never sees half of one."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # no copy this time: the next use builds it again
