"""Coverage: who has returned, who was sent back, who has not; per unit, per group, in total; and
the 催报名单, the units to chase with whom to call."""

from __future__ import annotations

import math
from typing import Any

from .data import ReportData, UnitState

CHASE_STATUSES = ("not_submitted", "rejected")


def share(done: float, total: float, digits: int = 3) -> float:
    """done/total rounded down to 0.1%, so that a share never reads (or, formatted in Excel, shows) as
    complete before it is."""
    if not total:
        return 0.0
    step = 10**digits
    return math.floor(round(done / total * step, 6)) / step


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
                "completeness": share(basis.completeness or 0.0, 1) if basis else 0.0,
                "completeness_recommended": share(basis.completeness_recommended or 0.0, 1) if basis else 0.0,
                "errors": latest.errors if latest else 0,
                "warnings": latest.warnings if latest else 0,
                "submissions": len(st.submissions),
                "last_submitted_at": latest.received_at.replace(microsecond=0).isoformat() if latest else None,
            }
        )
    deadline = r.deadline
    return {
        "generated_at": r.generated_at,
        "scope": r.scope,
        "round": {"key": r.round["key"], "name": r.round["name"]} if r.round else None,
        "as_of": r.as_of.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "days_to_deadline": (deadline - r.today).days if deadline else None,
        "units": units,
        "totals": _totals(units),
        "by_group": {g: _totals([u for u in units if u["group"] == g]) for g in sorted({u["group"] for u in units})},
        "chase": [_chase(st, u) for st, u in zip(r.states.values(), units, strict=True) if u["status"] in CHASE_STATUSES],
    }


def _totals(units: list[dict[str, Any]]) -> dict[str, Any]:
    submitted = [u for u in units if u["status"] != "not_submitted"]
    accepted = sum(1 for u in units if u["status"] == "accepted")
    return {
        "units_expected": len(units),
        "units_submitted": len(submitted),
        "units_accepted": accepted,
        "units_rejected": sum(1 for u in units if u["status"] == "rejected"),
        "units_not_submitted": len(units) - len(submitted),
        "accepted_share": share(accepted, len(units)),
        "systems": sum(u["systems"] for u in units),
        "completeness": share(sum(u["completeness"] for u in submitted), len(submitted)),
        "completeness_recommended": share(sum(u["completeness_recommended"] for u in submitted), len(submitted)),
    }


def _chase(st: UnitState, u: dict[str, Any]) -> dict[str, Any]:
    """One line of the 催报名单: the unit, why it is chased, and whom to contact (the roster's contact
    first, else the contact its last return gave)."""
    latest = st.latest
    given = (latest.unit_values or {}) if latest else {}
    roster = st.unit
    contact = {
        "name": roster.contact_name or given.get("contact_name"),
        "phone": roster.contact_phone or given.get("contact_phone"),
        "email": roster.contact_email or given.get("contact_email"),
    }
    reason = "未报送" if u["status"] == "not_submitted" else f"已退回：最近一次报送有 {u['errors']} 处错误，待修改后重报"
    return {
        "unit": u["unit"],
        "short_name": u["short_name"],
        "group": u["group"],
        "status": u["status"],
        "reason": reason,
        "last_submitted_at": u["last_submitted_at"],
        "contact": {k: (str(v) if v not in (None, "") else None) for k, v in contact.items()},
        "contact_source": "名册" if any((roster.contact_name, roster.contact_phone)) else ("最近报送" if given else None),
    }
