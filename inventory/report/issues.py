"""Issues and findings: validation problems of each unit's latest return and the assessment findings."""

from __future__ import annotations

from typing import Any

from ..assess import Finding
from .data import ReportData


def issues_report(r: ReportData) -> dict[str, Any]:
    issues = r.latest_issues()
    return {
        "generated_at": r.generated_at,
        "scope": r.board.scope.kind,
        "round": {"key": r.round["key"], "name": r.round["name"]} if r.round else None,
        "as_of": r.as_of.isoformat(),
        "issues": issues,
        "findings": [f.as_dict() for f in r.findings],
        "summary": _finding_summary(r.findings, r.rules),
        "dismissed": [f.as_dict() for f in r.all_findings if f.review and f.review["state"] == "dismissed"],
        **_part(r),
    }


def _part(r: ReportData) -> dict[str, Any]:
    """Below the root: the part's node, and the units outside it that its duplicate findings name (the
    same kind of system elsewhere in the tree: shown for reference, never counted as the part's)."""
    if r.under.parent is None:
        return {}
    named = {m["单位"] for f in r.findings for m in f.evidence.get("系统", []) if isinstance(m, dict) and m.get("单位")}
    outside = sorted(n for n in named if (u := r.roster.get(n)) is None or not u.within(r.under))
    return {"under": {"unit": r.under.name, "outside": outside}}


def _finding_summary(findings: list[Finding], rules: dict[str, Any]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return [
        {"code": c, "title": rules["findings"][c]["title"], "severity": rules["findings"][c]["severity"], "count": counts[c]}
        for c in rules["findings"]
        if c in counts
    ]
