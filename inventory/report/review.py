"""Reviewing findings from the office: list them with their state, confirm, dismiss or mark fixed."""

from __future__ import annotations

from typing import Any

from ..assess import Finding
from ..errors import UsageError
from ..workflow.finding_reviews import STATES, record_reviews
from .data import ReportData

LIST_STATES = ("open", "confirmed", "dismissed", "fixed", "all")


def state_of(f: Finding) -> str:
    return f.review["state"] if f.review else "open"


def list_findings(r: ReportData, state: str = "all", unit: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
    if state not in LIST_STATES:
        raise UsageError(f"--state 只能是 {'、'.join(LIST_STATES)}，收到“{state}”。")
    out = []
    for f in r.all_findings:
        if (state != "all" and state_of(f) != state) or (code and f.code != code) or (unit and unit not in (f.unit or "")):
            continue
        out.append({**f.as_dict(), "state": state_of(f)})
    return out


def pick(findings: list[Finding], ids: list[str]) -> list[Finding]:
    """The findings named by id (a unique prefix of at least 4 characters is enough)."""
    chosen: list[Finding] = []
    for wanted in ids:
        hits = [f for f in findings if f.id.startswith(wanted.lower())] if len(wanted) >= 4 else []
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
    chosen = pick(r.all_findings, ids)
    return record_reviews(r.engine, chosen, state, reason, operator, r.round["id"] if r.round else None)
