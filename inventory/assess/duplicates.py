"""Duplicates across units: the same system reported by several units, and similar systems built by several.

Names are reduced to a distinctive core (region, unit and generic words stripped), identical cores
are grouped, and similar cores are matched with rapidfuzz `cdist` inside length windows (blocking),
never with a Python loop over all pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from ..form.normalize import clean_text
from .model import Finding, System

_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
_VERSION = re.compile(r"(v|V|版本)?\d+(\.\d+)*版?|[一二三四五六七八九十]+期")
_NON_WORD = re.compile(r"[\s\-_·/、,，.。:：]+")


class NameCore:
    """Strips what every government system name shares, leaving what tells systems apart."""

    def __init__(self, t: dict[str, Any], places: Iterable[str]) -> None:
        alternatives = sorted({*t["prefix_words"], *(p for p in places if p)}, key=len, reverse=True)
        self.prefixes = re.compile("^(?:" + "|".join(re.escape(p) for p in alternatives) + ")+")
        self.generic = re.compile("|".join(re.escape(w) for w in sorted(t["generic_words"], key=len, reverse=True)))
        self.cache: dict[tuple[str, str], str] = {}

    def full(self, name: str) -> str:
        return _NON_WORD.sub("", clean_text(name))

    def __call__(self, name: str, owner: str = "") -> str:
        key = (name, owner)
        if key in self.cache:
            return self.cache[key]
        s = _NON_WORD.sub("", _VERSION.sub("", _BRACKETS.sub("", clean_text(name))))
        owner = _NON_WORD.sub("", clean_text(owner))
        if owner and s.startswith(owner) and len(s) > len(owner):
            s = s[len(owner) :]
        m = self.prefixes.match(s)  # a name may carry a region and then a unit: 成都市 + 公安局 + ...
        if m and m.end() < len(s):
            s = s[m.end() :]
        core = self.cache[key] = self.generic.sub("", s)
        return core


def _places(roster: Any) -> list[str]:
    out: list[str] = []
    for u in roster:
        out += [u.short_name, u.name, *u.aliases]
        if u.is_city:
            out.append(u.short_name.rstrip("市州"))
    return out


def duplicate_findings(systems: list[System], rules: dict[str, Any], roster: Any) -> list[Finding]:
    """Same system reported by several units, and similar systems built by several units."""
    t, meta = rules["thresholds"], rules["findings"]
    core_of = NameCore(t, _places(roster))
    by_full: dict[str, list[int]] = {}
    by_core: dict[str, list[int]] = {}
    for i, s in enumerate(systems):
        if s.values.get("status") == "停用" or not s.name:
            continue
        by_full.setdefault(core_of.full(s.name), []).append(i)
        core = core_of(s.name, str(s.values.get("owner_unit") or ""))
        if len(core) >= t["duplicate_min_core_length"]:
            by_core.setdefault(core, []).append(i)
    out: list[Finding] = []
    reported: set[frozenset[int]] = set()
    for members in by_full.values():
        units = {systems[i].unit for i in members}
        if len(units) > 1:
            code = "FIND_DUPLICATE_REPORT"
            for i in members:
                systems[i].findings.append(code)
            reported.add(frozenset(members))
            out.append(_group_finding(code, meta[code], systems, members, 100))
    # similar cores across units: union the identical-core groups whose cores are alike
    cores = list(by_core)
    parent = list(range(len(cores)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[int, int] = {}
    for a, b, score in _similar_pairs(cores, t["duplicate_similarity"]):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
        best[a] = min(best.get(a, 100), score)
        best[b] = min(best.get(b, 100), score)
    groups: dict[int, list[int]] = {}
    for ci in range(len(cores)):
        groups.setdefault(find(ci), []).append(ci)
    code = "FIND_DUPLICATE_BUILD"
    for core_ids in groups.values():
        members = [i for ci in core_ids for i in by_core[cores[ci]]]
        if len({systems[i].unit for i in members}) < 2 or frozenset(members) in reported:
            continue
        similarity = min((best.get(ci, 100) for ci in core_ids), default=100)
        for i in members:
            systems[i].findings.append(code)
        finding = _group_finding(code, meta[code], systems, members, similarity)
        finding.evidence["名称核心"] = [cores[ci] for ci in core_ids][:10]
        out.append(finding)
    return out


def _similar_pairs(cores: list[str], cutoff: int) -> Iterable[tuple[int, int, int]]:
    """(i, j, score) for cores with fuzz.ratio >= cutoff, i < j, compared only within length windows."""
    if len(cores) < 2:
        return []
    order = sorted(range(len(cores)), key=lambda i: len(cores[i]))
    lengths = [len(cores[i]) for i in order]
    ratio = cutoff / (200 - cutoff)  # ratio >= cutoff needs len(short) >= ratio * len(long)
    found: dict[tuple[int, int], int] = {}
    chunk = 2000
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        longest = lengths[min(start + chunk, len(order)) - 1]
        end = start + chunk
        while end < len(order) and lengths[end] * ratio <= longest:
            end += 1
        cols = order[start:end]
        matrix = process.cdist(
            [cores[i] for i in rows], [cores[j] for j in cols], scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=-1
        )
        for r, c in zip(*np.nonzero(matrix), strict=True):
            i, j = rows[r], cols[c]
            if i != j:
                found[(min(i, j), max(i, j))] = int(matrix[r, c])
    return [(a, b, score) for (a, b), score in found.items()]


def _group_finding(code: str, meta: dict[str, Any], systems: list[System], members: list[int], similarity: int) -> Finding:
    units = sorted({systems[i].unit for i in members})
    sample = members[:20]
    return Finding(
        code=code,
        severity=meta["severity"],
        unit="、".join(units[:5]) + (f" 等{len(units)}个单位" if len(units) > 5 else ""),
        system=systems[members[0]].name,
        message=f"{meta['title']}：{len(units)} 个单位的 {len(members)} 个系统（相似度 {similarity}）",
        evidence={
            "相似度": similarity,
            "单位数": len(units),
            "系统": [
                {"单位": systems[i].unit, "系统名称": systems[i].name, "系统编号": systems[i].values.get("system_no")} for i in sample
            ],
        },
    )
