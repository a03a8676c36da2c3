"""The consolidated inventory: every current system with its findings, scores and recommendation."""

from __future__ import annotations

from typing import Any

from ..assess import assess
from .data import ReportData


def inventory_report(r: ReportData) -> dict[str, Any]:
    from ..workflow.dispositions import latest

    _ = r.findings  # attaches finding codes to every system
    decided = latest(r.engine, r.round["id"] if r.round else None)
    titles = {f.key: f.title for f in r.form.main.fields}
    rows = []
    for s in r.systems:
        scores, overall, recommendation, why = assess(s, r.rules)
        rows.append(
            {
                "unit": s.unit,
                "submission_id": s.submission_id,
                "row": s.row,
                "values": s.values,
                "findings": sorted(set(s.findings)),
                "scores": scores,
                "score": overall,
                "recommendation": recommendation,
                "why": why,
                "counted": s.counted,
                "disposition": decided.get(s.key),  # the office's decision, beside the recommendation
            }
        )
    return {
        "generated_at": r.generated_at,
        "as_of": r.as_of.isoformat(),
        "round": {"key": r.round["key"], "name": r.round["name"]} if r.round else None,
        "fields": titles,
        "systems": rows,
        "summary": _recommendation_summary(rows),
        "systems_counted": sum(1 for row in rows if row["counted"]),
    }


def _recommendation_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r["recommendation"]] = out.get(r["recommendation"], 0) + 1
    return out
