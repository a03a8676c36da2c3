"""Generated references in docs/ must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.docgen import generated_docs

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rel", sorted(generated_docs()))
def test_generated_doc_is_current(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is missing: run python -m inventory.docgen"
    assert path.read_text(encoding="utf-8") == generated_docs()[rel], f"{rel} is stale: run python -m inventory.docgen"
