"""Reviewing findings from the office: list them with their state, confirm, dismiss or mark fixed."""

from __future__ import annotations

from typing import Any

from ..assess import Finding
from ..errors import UsageError
from ..store.units import lowest_common
from ..workflow.finding_reviews import STATES, record_reviews
from .data import ReportData

LIST_STATES = ("open", "confirmed", "dismissed", "fixed", "all")
STATE_WORDS = {"待审核": "open", "已确认": "confirmed", "已排除": "dismissed", "已整改": "fixed", "全部": "all"}


def state_of(f: Finding) -> str:
    return f.review["state"] if f.review else "open"


def list_findings(r: ReportData, state: str = "all", unit: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
    state = STATE_WORDS.get(state, state)  # as the list shows them, or as the contract names them
    if state not in LIST_STATES:
        said = "、".join(f"{k}（{w}）" for w, k in STATE_WORDS.items())
        raise UsageError(f"--state 只能是 {said}，收到“{state}”。")
    out = []
    for f in r.all_findings:
        if (state != "all" and state_of(f) != state) or (code and f.code != code) or (unit and unit not in (f.unit or "")):
            continue
        out.append({**f.as_dict(), "state": state_of(f)})
    return out


def pick(findings: list[Finding], ids: list[str], under: Any = None) -> list[Finding]:
    """The findings named by id (a unique prefix of at least 4 characters is enough), among those of
    `under`'s part when an office is named."""
    chosen: list[Finding] = []
    for wanted in ids:
        hits = [f for f in findings if f.id.startswith(wanted.lower())] if len(wanted) >= 4 else []
        if not hits and under is not None and under.parent is not None:
            raise UsageError(
                f"“{under.name}”本级及下级的评估发现里没有编号为“{wanted}”的。",
                hint=f"用 `inventory findings list --under {under.short_name}` 查看本级的编号（至少写前4位）；"
                "只涉及其他地区或上级单位的发现，由它们的项目办审核。",
            )
        if not hits:
            raise UsageError(f"没有编号为“{wanted}”的评估发现。", hint="用 `inventory findings list` 查看编号（至少写前4位）。")
        if len({f.id for f in hits}) > 1:
            raise UsageError(f"编号“{wanted}”对应多条发现：{'、'.join(sorted({f.id for f in hits}))}。", hint="请多写几位编号。")
        chosen.append(hits[0])
    return chosen


def review_findings(r: ReportData, ids: list[str], state: str, reason: str | None, operator: str | None) -> list[dict[str, Any]]:
    if state not in STATES:
        raise UsageError(f"审核结论只能是 {'、'.join(STATES)}。")
    if state == "dismissed" and not (reason or "").strip():
        raise UsageError("排除一条发现时必须写明理由。", hint="加 --reason “理由”，例如“已获批暂缓整合”。")
    chosen = pick(r.all_findings, ids, r.under)
    for f in chosen:  # a finding that reaches past the office's part is decided by the office above both sides
        owner = decided_by(r, f)
        if owner is not None:
            outside = "、".join(sorted(n for n in units_of(f) if (u := r.roster.get(n)) is None or not u.within(r.under)))
            raise UsageError(
                f"评估发现 {f.id} 还涉及“{r.under.name}”以外的单位（{outside}），本级不能替它们下结论。",
                hint=f"请由“{owner.name}”的项目办审核（--under {owner.short_name}）；本级的意见可以用核实事项或电话告诉它。",
            )
    return record_reviews(r.engine, chosen, state, reason, operator, r.round["id"] if r.round else None)


def units_of(f: Finding) -> set[str]:
    """Every unit a finding concerns: its own and each of its systems' (a duplicate group's members)."""
    return {s.unit for s in f.about if s.unit} | ({f.unit} if f.unit else set())


def decided_by(r: ReportData, f: Finding) -> Any:
    """The lowest office whose part holds every unit of the finding, when that is above the reports'
    office; None when the finding lies wholly in its part (it decides)."""
    units = [u for n in units_of(f) if (u := r.roster.get(n)) is not None]
    return None if all(u.within(r.under) for u in units) else lowest_common(r.roster, units)
