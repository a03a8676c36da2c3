"""A planned project's check, whole: the existing systems and fellow projects it meets, the suggested
outcome with its reasons, and what it can reuse. One function for the CLI, the portal and the reports.

Outcomes (`x-check.outcomes` in forms/planned.json): 建议不予立项 when an existing system serving the
project's area already does what it would build; 建议整合或复用（核减） when part of it exists already,
a platform provides some of its items, or another planned project of the round would build the same;
可以立项 otherwise. The system an 改建/扩建 project rebuilds is named as such, not as a duplicate.
"""

from __future__ import annotations

from typing import Any

from ..assess.model import System
from ..form.normalize import clean_text
from .check import DUPLICATE, NEAR, OVERLAP, Match, nearest
from .fields import check_settings, nature_of
from .index import Entry, Index, build_index
from .query import query_of
from .reuse import data_sources, platforms

SHOWN = 8  # matches listed per project


class Checker:
    """The inventory's index, built once, and the round's planned projects beside it."""

    def __init__(self, systems: list[System] | Index, roster: Any, settings: dict[str, Any] | None = None) -> None:
        self.roster = roster
        self.settings = settings or check_settings()
        self.inventory = systems if isinstance(systems, Index) else build_index(systems, roster)
        self.round: Index | None = None

    def with_round(self, projects: list[dict[str, Any]]) -> Checker:
        """The round's planned projects, so each is also checked against the others."""
        entries = [_entry(p) for p in projects if p.get("project_name")]
        self.round = build_index(entries, self.roster, planned=True) if len(entries) > 1 else None
        return self

    def check(self, project: dict[str, Any]) -> dict[str, Any]:
        inv = self.inventory
        q = query_of(project, inv)
        base = _base_systems(inv, project)
        found = _distinct(inv, [m for m in nearest(inv, q, self.settings, skip=project.get("system_key")) if m.i not in base])
        fellows: list[Match] = []
        if self.round is not None:
            rq = query_of(project, self.round)
            fellows = _distinct(self.round, [m for m in nearest(self.round, rq, self.settings, skip=_key(project)) if m.kind != NEAR])
            fellows = [self._both_ways(project, m) for m in fellows]
        uses = platforms(inv, q, self.settings, exclude={m.i for m in found if m.kind == DUPLICATE} | base)
        planned_reuse = clean_text(project.get("reuse_plan") or "")
        unplanned = [u for u in uses if clean_text(u["系统"]) not in planned_reuse]
        data = data_sources(inv, q, project, self.settings)
        covered = sorted({k for m in found if m.kind in (DUPLICATE, OVERLAP) for k in m.covered})
        outcome, reasons = _outcome(found, fellows, unplanned, covered, q.items, self.settings)
        return {
            "project": {k: v for k, v in project.items() if k != "key"},
            "key": _key(project),
            "outcome": outcome,
            "reasons": reasons,
            "items": q.items,
            "items_covered": [q.items[k] for k in covered],
            "existing": [_shown(inv, m) for m in found[:SHOWN]],
            "base_systems": [_brief(inv, i) for i in sorted(base)],
            "planned": [_shown(self.round, m) for m in fellows[:SHOWN]] if self.round else [],
            "platforms": uses,
            "data": data,
        }

    def _both_ways(self, project: dict[str, Any], m: Match) -> Match:
        """Two planned projects duplicate each other when either reads as the other's duplicate (the
        item-by-item comparison runs from one side's items)."""
        assert self.round is not None
        if m.kind == DUPLICATE:
            return m
        other = self.round.entries[m.i]
        back = query_of({**other.values, "key": other.key}, self.round)
        mine = _key(project)
        for n in nearest(self.round, back, self.settings, skip=other.key):
            if self.round.entries[n.i].key == mine and n.kind == DUPLICATE:
                return Match(m.i, DUPLICATE, n.reasons, n.strength, m.evidence, m.covered)
        return m


def _key(project: dict[str, Any]) -> str:
    return str(project.get("key") or f"{clean_text(project.get('owner_unit') or '')}|{clean_text(project.get('project_name') or '')}")


def _entry(project: dict[str, Any]) -> Entry:
    v = dict(project)
    return Entry(
        _key(project),
        str(project["project_name"]),
        str(project.get("owner_unit") or ""),
        str(project.get("owner_unit") or ""),
        str(project.get("functions") or "").strip(),
        v,
        planned=True,
    )


def _base_systems(index: Index, project: dict[str, Any]) -> set[int]:
    """The owner's own systems an 改建/扩建 project rebuilds: by the name it gives as 基础系统, or, when it
    gives none, the owner's systems its name or 建设内容 names in full (在某某系统基础上扩建)."""
    if nature_of(project.get("nature")) not in ("改建", "扩建"):
        return set()
    base = clean_text(project.get("base_system") or "")
    owner = clean_text(project.get("owner_unit") or "")

    def own(e: Entry) -> bool:
        return not owner or clean_text(e.owner) == owner or clean_text(e.unit) == owner

    if not base:
        said = clean_text(f"{project.get('project_name') or ''} {project.get('functions') or ''}")
        return {i for i, e in enumerate(index.entries) if own(e) and len(clean_text(e.name)) >= 6 and clean_text(e.name) in said}
    return {i for i, e in enumerate(index.entries) if clean_text(e.name) == base and own(e)} or {
        i for i, e in enumerate(index.entries) if clean_text(e.name) == base
    }


def _distinct(index: Index, matches: list[Match]) -> list[Match]:
    """One match per system name (the same 上级统建 system reported by several units), the strongest."""
    seen: set[str] = set()
    out = []
    for m in matches:
        name = clean_text(index.entries[m.i].name)
        if name not in seen:
            seen.add(name)
            out.append(m)
    return out


def _brief(index: Index, i: int) -> dict[str, Any]:
    e = index.entries[i]
    return {"系统": e.name, "单位": e.owner, "填报单位": e.unit, "运行状态": e.values.get("status"), "使用范围": e.values.get("scope")}


def _shown(index: Index | None, m: Match) -> dict[str, Any]:
    assert index is not None
    return {**_brief(index, m.i), "关系": m.kind, "理由": m.reasons, "依据": m.evidence, "业务功能": index.entries[m.i].functions}


def _outcome(
    found: list[Match], fellows: list[Match], uses: list[dict[str, Any]], covered: list[int], items: list[str], settings: dict[str, Any]
) -> tuple[str, list[str]]:
    names = settings["outcomes"]
    t = settings["thresholds"]
    dups = [m for m in found if m.kind == DUPLICATE]
    if dups:
        return names["refuse"], [f"与现有系统重复：{len(dups)} 个现有系统已经提供本项目的主要功能（{'；'.join(dups[0].reasons)}）"]
    reasons = []
    parts = [m for m in found if m.kind == OVERLAP]
    if parts:
        reasons.append(f"与 {len(parts)} 个现有系统部分重叠，重叠部分应整合或复用，相应核减")
    if items and covered and len(covered) / len(items) >= t["overlap_covered_share"] and not parts:
        reasons.append(f"{len(covered)}/{len(items)} 项建设内容现有系统已经提供")
    if uses:
        reasons.append(f"{len(uses)} 个现有平台已提供部分建设内容，可直接复用（{'、'.join(u['系统'] for u in uses[:3])}）")
    twins = [m for m in fellows if m.kind == DUPLICATE]
    if twins:
        reasons.append(f"本轮另有 {len(twins)} 个拟建项目建设内容相同，建议合并建设")
    if reasons:
        return names["trim"], reasons
    said = ["没有发现与现有系统重复、重叠的建设内容"]
    if fellows:  # a part in common with another project of the round: for the meeting to coordinate, not a reason to cut
        said.append(f"与本轮 {len(fellows)} 个拟建项目有部分相近的内容，建议统筹建设")
    return names["go"], said
