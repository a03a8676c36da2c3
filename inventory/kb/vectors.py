"""The FAQ's vectors, shipped beside its entries: `python -m inventory.kb.vectors` encodes every
entry's question, aliases and answer sentences and the off-topic examples with the encoder this
machine uses, into kb/_vectors-<encoder>.npz. A slow encoder (e5: ~45 ms a text) then never encodes
them on a user's first search; tests/test_kb.py fails while the file lags behind the entries."""

from __future__ import annotations

from pathlib import Path

from ..meaning import Encoder, shared_encoder, write_vectors
from ..resources import data_dir
from .entries import load_entries, offtopic_examples
from .semantic import entry_texts


def seed_path(folder: Path | None, encoder: Encoder) -> Path:
    return (Path(folder) if folder else data_dir("kb")) / f"_vectors-{encoder.name}.npz"


def kb_texts(folder: Path | None = None) -> list[str]:
    """Every text the FAQ's meaning side encodes in advance."""
    texts, _, _ = entry_texts(load_entries(folder))
    return [*texts, *offtopic_examples(folder)]


def main() -> None:
    encoder = shared_encoder()
    path = seed_path(None, encoder)
    texts = kb_texts()
    write_vectors(path, texts, encoder)
    print(f"wrote {path} ({len(set(texts))} texts, {encoder.version})")


if __name__ == "__main__":
    main()
