"""The inventory made ready for checking planned projects: every system's business words (the
duplicate finder's name reader and word weights), its area, and the vectors of its 业务功能 text and
name core, computed once and kept, so that checking one project is a few matrix products.

Built from `assess.System`s (the current systems of every unit, any level) or from the round's
planned projects read as systems (so a project is checked against its fellow projects the same way).
Vectors come from the shared sentence encoder through a cache of their own (`VectorStore`), so a
second build, or the portal after a restart, encodes only what is new.
"""

from __future__ import annotations

import logging
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..assess.alike import Phrasing
from ..assess.duplicates import _Scorer, for_encoder, name_reader
from ..assess.model import System, load_rules
from ..assess.names import NameProfile
from ..assess.trades import governments

MULTI_LEVEL = ("省市两级", "省市县三级", "省市县乡四级", "市县两级")
NATIONAL = ("国家垂直",)
VERTICAL = ("上级统建（国垂）", "上级统建（省垂）")
VECTOR_LIMIT = 400_000  # texts kept in the inventory's vector cache (descriptions and name cores)
QUERY_LIMIT = 5_000  # texts kept in the checks' own cache (7.5 MB: read and written in milliseconds)


def vectors_of(texts: list[str], query: bool = False) -> np.ndarray | None:
    """Unit vectors of `texts` (cached by text), or None without a working encoder. The inventory's
    descriptions and names are kept in one large cache, read when the index is built; what a check
    encodes (the project's texts, the clauses of its nearest systems) in a small one of its own, so
    that a check never reads or rewrites the large file."""
    from ..meaning import VectorStore, shared_encoder

    try:
        if query:
            return VectorStore("planned-query", shared_encoder(), limit=QUERY_LIMIT).vectors(texts)
        return VectorStore("planned", shared_encoder(), limit=VECTOR_LIMIT).vectors(texts)
    except ImportError:
        return None
    except Exception as exc:  # a broken model install: the words still answer
        if os.environ.get("INVENTORY_DEBUG"):
            raise
        logging.getLogger(__name__).warning("语义比对不可用（%s），本次比对只按名称用词。", type(exc).__name__)
        return None


@dataclass
class Entry:
    """One existing system (or planned project) as the check reads it."""

    key: str
    name: str
    owner: str
    unit: str
    functions: str
    values: dict[str, Any] = field(repr=False)
    planned: bool = False


@dataclass
class Index:
    entries: list[Entry]
    profiles: list[NameProfile]
    scorer: Any  # the duplicate finder's word weights over these names
    reader: Any
    t: dict[str, Any]  # the duplicate finder's thresholds for this encoder
    area: list[str | None]  # each entry's government node path (None: not on the roster)
    text_row: np.ndarray  # entry -> row of `text_vectors` (-1: a description that says nothing)
    text_vectors: np.ndarray | None
    core_row: np.ndarray
    core_vectors: np.ndarray | None
    by_word: dict[str, list[int]]
    government: Any  # owner name -> government node code
    paths: dict[str, str]  # node code -> path

    def __len__(self) -> int:
        return len(self.entries)


def entry_of(s: System, planned: bool = False) -> Entry:
    return Entry(s.key or s.name, s.name, s.owner, s.unit, str(s.values.get("functions") or "").strip(), s.values, planned)


def build_index(systems: list[System] | list[Entry], roster: Any, planned: bool = False) -> Index:
    """The index over `systems` (the inventory, or the round's planned projects)."""
    entries = [s if isinstance(s, Entry) else entry_of(s, planned) for s in systems]
    entries = [e for e in entries if e.name]
    reader = name_reader(roster)
    t = for_encoder(load_rules()["thresholds"])
    profiles = [reader.read(project_core_name(e.name), e.owner) for e in entries]
    scorer = _Scorer(profiles, t, reader)
    unseen = math.log(1 + max(len(profiles), t["dup_min_corpus"]))  # a project's word no system has: as rare as can be
    scorer.weight = defaultdict(lambda: unseen, scorer.weight)
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for w in p.words:
            by_word[w].append(i)
    government = by_place(governments(roster), roster)
    paths = {u.code: u.path for u in roster}
    area = [_area(e, government, paths) for e in entries]
    phrasing = Phrasing([e.functions for e in entries], t)
    texts = sorted({e.functions for e in entries if phrasing.says_something(e.functions)})
    text_at = {x: i for i, x in enumerate(texts)}
    cores = sorted({p.core for p in profiles})
    core_at = {x: i for i, x in enumerate(cores)}
    both = vectors_of(texts + cores) if texts or cores else None
    return Index(
        entries=entries,
        profiles=profiles,
        scorer=scorer,
        reader=reader,
        t=t,
        area=area,
        text_row=np.array([text_at.get(e.functions, -1) for e in entries], dtype=np.int64),
        text_vectors=both[: len(texts)] if both is not None else None,
        core_row=np.array([core_at[p.core] for p in profiles], dtype=np.int64),
        core_vectors=both[len(texts) :] if both is not None else None,
        by_word=dict(by_word),
        government=government,
        paths=paths,
    )


def by_place(government: Any, roster: Any) -> Any:
    """The government of an owner, by the roster, else by the place its name begins with (德阳市住房和
    城乡建设局 -> 德阳市, when the roster does not list the bureau)."""
    places = sorted(
        ((name, u.code) for u in roster if u.is_government for name in {u.name, u.short_name} if len(name) >= 2),
        key=lambda x: -len(x[0]),
    )
    held: dict[str, str | None] = {}

    def find(owner: str) -> str | None:
        if owner not in held:
            code = government(owner)
            if code is None:
                code = next((c for name, c in places if owner.startswith(name)), None)
            held[owner] = code
        return held[owner]

    return find


def _area(e: Entry, government: Any, paths: dict[str, str]) -> str | None:
    code = government(e.owner) or government(e.unit)
    return paths.get(code) if code else None


def covers(index: Index, i: int, project_area: str | None) -> bool:
    """Whether system `i` already serves the project's area: the same government, or a system of a
    government above it used at several levels (省市县三级, 国垂/省垂 …). Unknown areas count as served
    (the reviewer sees the system either way)."""
    mine = index.area[i]
    if mine is None or project_area is None or mine == project_area:
        return True
    v = index.entries[i].values
    wide = v.get("scope") in MULTI_LEVEL + NATIONAL or v.get("build_mode") in VERTICAL
    return wide and project_area.startswith(mine)


_PROJECT_ENDS = ("建设项目", "项目", "工程", "建设")


def project_core_name(name: str) -> str:
    """A project name read as the system it will build: 德阳市智慧城管平台建设项目 -> 德阳市智慧城管平台."""
    text = name.strip()
    for _ in range(2):
        for end in _PROJECT_ENDS:
            if text.endswith(end) and len(text) - len(end) >= 4:
                text = text[: -len(end)]
                break
    return text
