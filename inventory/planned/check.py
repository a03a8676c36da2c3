"""The check of one planned project: its nearest existing systems (and fellow planned projects), each
with its evidence, and a suggested outcome with reasons.

Candidates come three ways, none of them a loop over the inventory: systems sharing a business word
of the project's name (the duplicate finder's word index and weights), the descriptions nearest in
meaning (one matrix product over the inventory's vectors) and the name cores nearest in meaning.
Each candidate is then judged as the duplicate finder judges a pair (how much of the business the
names share, whether each has a business term the other lacks, how close the descriptions and names
mean) and, sentence by sentence, which parts of the project's 建设内容 it already provides. A system
counts as a duplicate only where it already serves the project's area (the same government, or a
system of a government above it used at several levels); elsewhere it is an example to reuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..assess.alike import closest_clauses
from ..form.normalize import clean_text
from .fields import check_settings
from .index import Entry, Index, covers, project_core_name, vectors_of

DUPLICATE, OVERLAP, NEAR = "重复", "部分重叠", "相近"
_SENTENCE = re.compile(r"[。；;！!？?\n]+")
MIN_SENTENCE = 6


def sentences(text: str) -> list[str]:
    """The project's 建设内容, one item each (split at full stops and semicolons)."""
    out = [s.strip(" ，,、：:") for s in _SENTENCE.split(clean_text(text))]
    return [s for s in out if len(s) >= MIN_SENTENCE] or ([clean_text(text)] if text.strip() else [])


@dataclass
class Query:
    entry: Entry
    profile: Any
    area: str | None
    function: np.ndarray | None  # the whole description's vector
    core: np.ndarray | None
    items: list[str]  # the 建设内容, one sentence each
    item_vectors: np.ndarray | None


def query_of(project: dict[str, Any], index: Index) -> Query:
    name = str(project.get("project_name") or "")
    owner = str(project.get("owner_unit") or "")
    functions = str(project.get("functions") or "").strip()
    entry = Entry(str(project.get("key") or name), name, owner, owner, functions, project, planned=True)
    profile = index.reader.read(project_core_name(name), owner)
    code = index.government(owner) if owner else None
    items = sentences(functions)
    texts = [functions or name, profile.core, *items]
    vecs = vectors_of(texts)
    return Query(
        entry,
        profile,
        index.paths.get(code) if code else None,
        vecs[0] if vecs is not None and functions else None,
        vecs[1] if vecs is not None else None,
        items,
        vecs[2:] if vecs is not None else None,
    )


@dataclass
class Match:
    i: int  # the entry in its index
    kind: str  # DUPLICATE, OVERLAP or NEAR
    reasons: list[str]
    strength: float
    evidence: dict[str, Any] = field(default_factory=dict)
    covered: list[int] = field(default_factory=list)  # which of the project's items this system already provides


def _top(sims: np.ndarray, k: int) -> np.ndarray:
    if len(sims) <= k:
        return np.arange(len(sims))
    return np.argpartition(-sims, k)[:k]


def candidates(index: Index, q: Query, settings: dict[str, Any]) -> set[int]:
    """Entries sharing a business word with the project, or nearest to it in meaning."""
    out: set[int] = set()
    for w in q.profile.words:
        out.update(index.by_word.get(w, ()))
    k = settings["description_neighbours"]
    if q.function is not None and index.text_vectors is not None and len(index.text_vectors):
        rows = set(_top(index.text_vectors @ q.function, k).tolist())
        out.update(np.nonzero(np.isin(index.text_row, list(rows)))[0][: 20 * k].tolist())
    if q.core is not None and index.core_vectors is not None and len(index.core_vectors):
        rows = set(_top(index.core_vectors @ q.core, k).tolist())
        out.update(np.nonzero(np.isin(index.core_row, list(rows)))[0][: 20 * k].tolist())
    return out


def nearest(index: Index, q: Query, settings: dict[str, Any] | None = None, skip: str | None = None) -> list[Match]:
    """The entries of `index` that duplicate, overlap or come near the project, strongest first."""
    settings = settings or check_settings()
    t = settings["thresholds"]
    found = candidates(index, q, settings)
    if not found:
        return []
    ids = sorted(i for i in found if not (skip and index.entries[i].key == skip))
    fn = _sims(index.text_vectors, index.text_row, ids, q.function)
    core = _sims(index.core_vectors, index.core_row, ids, q.core)
    items = _item_sims(index, ids, q)
    names: dict[tuple[frozenset[str], frozenset[str]], Any] = {}
    out: list[Match] = []
    for n, i in enumerate(ids):
        p = index.profiles[i]
        key = (p.words, p.owner_words)
        if key not in names:
            names[key] = index.scorer.name(q.profile, p) if q.profile.words and p.words else None
        covered = [k for k in range(len(q.items)) if items is not None and items[n, k] >= t["sentence_match"]]
        m = _judge(index, i, q, names[key], fn[n], core[n], covered, t)
        if m is not None:
            out.append(m)
    out.sort(key=lambda m: ({DUPLICATE: 0, OVERLAP: 1, NEAR: 2}[m.kind], -m.strength))
    return out


def _sims(vectors: np.ndarray | None, rows: np.ndarray, ids: list[int], v: np.ndarray | None) -> list[float | None]:
    if vectors is None or v is None:
        return [None] * len(ids)
    r = rows[ids]
    sims = vectors[np.maximum(r, 0)] @ v
    return [float(s) if k >= 0 else None for s, k in zip(sims, r, strict=True)]


def _item_sims(index: Index, ids: list[int], q: Query) -> np.ndarray | None:
    """How close each candidate's description is to each of the project's items (candidates × items)."""
    if index.text_vectors is None or q.item_vectors is None or not q.items:
        return None
    r = index.text_row[ids]
    sims = index.text_vectors[np.maximum(r, 0)] @ q.item_vectors.T
    sims[r < 0] = 0.0
    return sims


def _judge(
    index: Index, i: int, q: Query, m: Any, fn: float | None, core: float | None, covered: list[int], t: dict[str, Any]
) -> Match | None:
    """Whether entry `i` duplicates the project, overlaps it in part, or only comes near, and why."""
    apart = bool(m and (m.apart or m.owners_only))
    name = m.score if m and not apart else 0.0
    f = fn if fn is not None else -1.0
    c = core if core is not None else -1.0
    share = len(covered) / len(q.items) if q.items else 0.0
    reasons: list[str] = []
    same_name = name >= t["dup_name"]
    if same_name and (fn is None or f >= t["overlap_function"]):
        reasons.append("名称的业务核心相同" + ("，建设内容也相近" if fn is not None else "（现有系统没有可比的业务功能描述）"))
    if not apart and f >= t["dup_function"] and c >= t["dup_name_meaning"]:
        reasons.append("建设内容与现有系统的业务功能意思几乎相同，名称的意思也相近")
    if f >= t["dup_function_any_name"]:
        reasons.append("建设内容与现有系统的业务功能意思几乎相同")
    if not apart and share >= t["dup_covered_share"] and f >= t["overlap_function"]:
        reasons.append(f"{len(covered)}/{len(q.items)} 项建设内容现有系统已经提供")
    kind = DUPLICATE if reasons else None
    if kind is None:
        if covered and share >= t["overlap_covered_share"]:
            reasons.append(f"{len(covered)}/{len(q.items)} 项建设内容现有系统已经提供")
        if name >= t["overlap_name"] and f >= t["overlap_function"]:
            reasons.append("名称有相同的业务词，建设内容相近")
        kind = OVERLAP if reasons else None
    served = covers(index, i, q.area)
    if kind == DUPLICATE and not served:
        kind, reasons = OVERLAP, ["其他地区已建同类系统，可借鉴或复用：" + "；".join(reasons)]
    if kind is None:
        if not (name >= t["overlap_name"] or f >= t["overlap_function"] or covered):
            return None
        kind = NEAR
        reasons.append("业务相近，但不足以认定重叠")
    strength = max(name, 0.0) + max(f, 0.0) + max(c, 0.0) / 2 + share
    evidence = _evidence(index, i, q, m, fn, core, covered, served)
    return Match(i, kind, reasons, strength, evidence, covered)


def _evidence(
    index: Index, i: int, q: Query, m: Any, fn: float | None, core: float | None, covered: list[int], served: bool
) -> dict[str, Any]:
    e, v = index.entries[i], index.entries[i].values
    out: dict[str, Any] = {"相同业务词": list(m.shared) if m else [], "名称相似度": round(m.score, 2) if m else 0.0}
    if fn is not None:
        out["建设内容语义相似度"] = round(fn, 2)
    if core is not None:
        out["名称语义相似度"] = round(core, 2)
    pairs = []
    for k in covered or range(min(1, len(q.items))):
        said = closest_clauses(q.items[k], e.functions) if e.functions else None
        if said:
            pairs.append([q.items[k], said[1]])
    if pairs:
        out["相近的描述"] = pairs
    out["使用范围"] = [str(q.entry.values.get("scope") or "未填"), str(v.get("scope") or "未填")]
    out["使用对象"] = [_listed(q.entry.values.get("users")), _listed(v.get("users"))]
    out["覆盖本项目地区"] = "是" if served else "否（其他地区）"
    return out


def _listed(v: Any) -> str:
    if isinstance(v, list):
        return "、".join(map(str, v)) or "未填"
    return str(v or "未填")
