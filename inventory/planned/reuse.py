"""What a planned project can reuse instead of building: a platform that already provides one of its
建设内容 items (a 共性支撑平台 or 信息资源库 serving its area), and, for each kind of data it needs
from others, the systems that already hold it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .check import STOPPED, clause_sims, covered_items
from .index import Index, covers, vectors_of
from .query import Query

_ITEMS = re.compile(r"[、,，;；/\n]+")
PER_NEED = 2  # systems named for each kind of data
PLATFORMS_COMPARED = 12  # platforms nearest in meaning, then compared clause by clause


def platform_rows(index: Index, categories: list[str]) -> np.ndarray:
    """The entries that are platforms or data resources in service, with a description to compare (kept on
    the index): a stopped platform is nothing to reuse."""
    cached = getattr(index, "_platforms", None)
    if cached is None:
        cached = np.array(
            [
                i
                for i, e in enumerate(index.entries)
                if e.values.get("category") in categories and index.text_row[i] >= 0 and e.values.get("status") != STOPPED
            ],
            dtype=np.int64,
        )
        index._platforms = cached  # type: ignore[attr-defined]
    return cached


def platforms(index: Index, q: Query, settings: dict[str, Any], exclude: set[int]) -> list[dict[str, Any]]:
    """Platforms serving the project's area whose descriptions already cover one of its items: the
    `PLATFORMS_COMPARED` nearest in meaning are compared clause by clause, however near (a clause that
    rebuilds a platform is one item among the project's own, so the whole texts say little)."""
    t = settings["thresholds"]
    rows = platform_rows(index, t["platform_categories"])
    if not len(rows) or index.text_vectors is None or q.item_vectors is None or not q.items:
        return []
    rows = np.array([i for i in rows.tolist() if i not in exclude and covers(index, i, q.area)], dtype=np.int64)
    if not len(rows):
        return []
    near = (index.text_vectors[index.text_row[rows]] @ q.item_vectors.T).max(axis=1)  # platforms: the closest item
    keep = [int(rows[p]) for p in np.argsort(-near)[:PLATFORMS_COMPARED]]
    sims = clause_sims(index, keep, q)  # platforms × items, clause by clause
    out: dict[int, dict[str, Any]] = {}
    for p, i in enumerate(keep):
        items = covered_items(index, i, q, [float(x) for x in sims[p]], t, platform=True)
        if items:
            e = index.entries[i]
            out[i] = {
                "系统": e.name,
                "单位": e.owner,
                "类别": e.values.get("category"),
                "可替代的建设内容": [q.items[k] for k in items],
                "score": max(float(sims[p, k]) for k in items),
            }
    ranked = sorted(out.values(), key=lambda h: (-len(h["可替代的建设内容"]), -h["score"]))[:5]
    return [{k: v for k, v in h.items() if k != "score"} for h in ranked]


def data_needs(project: dict[str, Any]) -> list[str]:
    text = str(project.get("data_needs") or "")
    return [x.strip() for x in _ITEMS.split(text) if len(x.strip()) >= 2]


def data_sources(index: Index, q: Query, project: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """For each kind of data the project needs: the systems that hold it (by name and description),
    data resources (信息资源库) first; an empty list says no system was found to hold it."""
    needs = data_needs(project)
    if not needs:
        return []
    t = settings["thresholds"]
    vecs = vectors_of(needs, query=True) if index.core_vectors is not None else None
    out = []
    for n, need in enumerate(needs):
        words = index.reader.words(need)
        found: dict[int, float] = {}
        if vecs is not None:
            sims = index.core_vectors @ vecs[n]  # type: ignore[operator]
            for row in np.nonzero(sims >= t["data_match"])[0][:200]:
                for i in np.nonzero(index.core_row == row)[0][:20]:
                    found[int(i)] = max(found.get(int(i), 0.0), float(sims[row]))
        for w in words:
            for i in index.by_word.get(w, ())[:200]:
                if words <= index.profiles[i].words:
                    found[i] = max(found.get(i, 0.0), 0.99)
        ranked = sorted(found, key=lambda i: (index.entries[i].values.get("category") != "信息资源库", -found[i]))
        shown, seen = [], set()
        for i in ranked:
            e = index.entries[i]
            if e.name in seen:
                continue
            seen.add(e.name)
            shown.append({"系统": e.name, "单位": e.owner})
            if len(shown) >= PER_NEED:
                break
        out.append({"所需数据": need, "可提供的系统": shown})
    return out
