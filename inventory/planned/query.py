"""A planned project read as a query: its 建设内容 as items (one clause each), the sentence each item
belongs to, its business words, its area and the vectors of its description, name core and items."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..form.normalize import clean_text
from .index import Entry, Index, project_core_name, vectors_of

_CLAUSE = re.compile(r"[。；;！!？?\n，,]+")
MIN_CLAUSE = 6


def sentences(text: str) -> list[str]:
    """A description's items, one clause each (split at stops, semicolons and commas; a clause too short
    to say anything joins the one before it)."""
    out: list[str] = []
    for part in _CLAUSE.split(clean_text(text)):
        part = part.strip(" 、：:")
        if not part:
            continue
        if out and len(part) < MIN_CLAUSE:
            out[-1] += "，" + part
        else:
            out.append(part)
    return out or ([clean_text(text)] if text.strip() else [])


@dataclass
class Query:
    entry: Entry
    profile: Any
    area: str | None
    function: np.ndarray | None  # the whole description's vector
    core: np.ndarray | None
    items: list[str]  # the 建设内容, one sentence each
    item_vectors: np.ndarray | None
    item_words: list[frozenset[str]] = field(default_factory=list)  # the business words each item says
    item_sentences: list[str] = field(default_factory=list)  # the whole sentence each item is a clause of


def query_of(project: dict[str, Any], index: Index) -> Query:
    name = str(project.get("project_name") or "")
    owner = str(project.get("owner_unit") or "")
    functions = str(project.get("functions") or "").strip()
    entry = Entry(str(project.get("key") or name), name, owner, owner, functions, project, planned=True)
    profile = index.reader.read(project_core_name(name), owner)
    code = index.government(owner) if owner else None
    items = sentences(functions)
    texts = [functions or name, profile.core, *items]
    vecs = vectors_of(texts, query=True)
    return Query(
        entry,
        profile,
        index.paths.get(code) if code else None,
        vecs[0] if vecs is not None and functions else None,
        vecs[1] if vecs is not None else None,
        items,
        vecs[2:] if vecs is not None else None,
        [index.reader.words(x) for x in items],
        item_sentences(functions, items),
    )


_SENTENCE = re.compile(r"[。；;！!？?\n]+")


def item_sentences(text: str, items: list[str]) -> list[str]:
    """For each item (a clause), the sentence it belongs to: 生成电子证照，推送至省电子证照系统签发 is one
    thought, and what the second clause says about using a system holds for the first."""
    whole = [s for s in _SENTENCE.split(clean_text(text)) if s.strip()]
    out, at = [], 0
    for item in items:  # items come in the text's order: each is sought from the sentence of the one before
        first = item.split("，")[0]
        at = next((j for j in range(at, len(whole)) if first in whole[j]), at)
        out.append(whole[at] if at < len(whole) and first in whole[at] else item)
    return out
