"""Coverage: who has returned, who was sent back, who has not; per unit, per group, in total."""

from __future__ import annotations

from typing import Any

from .data import ReportData


def coverage_report(r: ReportData) -> dict[str, Any]:
    units = []
    for name, st in r.states.items():
        u, acc, latest = st.unit, st.accepted, st.latest
        basis = acc or latest
        units.append(
            {
                "unit": name,
                "short_name": u.short_name,
                "kind": u.kind,
                "group": u.group,
                "pilot": u.pilot,
                "status": st.status,
                "systems": acc.systems if acc else 0,
                "completeness": round(basis.completeness or 0.0, 4) if basis else 0.0,
                "completeness_recommended": round(basis.completeness_recommended or 0.0, 4) if basis else 0.0,
                "errors": latest.errors if latest else 0,
                "warnings": latest.warnings if latest else 0,
                "submissions": len(st.submissions),
                "last_submitted_at": latest.received_at.replace(microsecond=0).isoformat() if latest else None,
            }
        )
    return {
        "generated_at": r.generated_at,
        "scope": r.scope,
        "as_of": r.as_of.isoformat(),
        "units": units,
        "totals": _totals(units),
        "by_group": {g: _totals([u for u in units if u["group"] == g]) for g in sorted({u["group"] for u in units})},
    }


def _totals(units: list[dict[str, Any]]) -> dict[str, Any]:
    submitted = [u for u in units if u["status"] != "not_submitted"]
    return {
        "units_expected": len(units),
        "units_submitted": len(submitted),
        "units_accepted": sum(1 for u in units if u["status"] == "accepted"),
        "systems": sum(u["systems"] for u in units),
        "completeness": round(sum(u["completeness"] for u in submitted) / len(submitted), 4) if submitted else 0.0,
        "completeness_recommended": round(sum(u["completeness_recommended"] for u in submitted) / len(submitted), 4) if submitted else 0.0,
    }
