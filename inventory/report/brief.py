"""The leaders' brief: the round on one or two printed pages, for the 专班 and the leadership.

The round's numbers, systems by deployment, 等保 level and recommendation, the top findings by kind
and by unit, duplicate groups with their money, and the units with the most to fix.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .coverage import coverage_report, share
from .data import ReportData, settled
from .unit import DUPLICATES, RECOMMENDATIONS, UnitReports

TOP = 10
COMPARED = ("systems_counted", "cloud_share", "findings", "mlps_levels", "recommendations", "findings_by_kind", "duplicate_totals")


def _amount(v: Any) -> float:
    try:
        return float(v) if v not in (None, "") and not isinstance(v, bool) else 0.0
    except (TypeError, ValueError):
        return 0.0


def brief_report(r: ReportData, units: UnitReports | None = None) -> dict[str, Any]:
    units = units or UnitReports(r)
    cov = coverage_report(r)
    rows = [s for per in units.systems.values() for s in per]
    counted = [s for s in rows if s["counted"]]
    values = [s["values"] for s in counted]
    outgoing = settled(r)
    groups = _groups(r, outgoing)
    groups.sort(key=lambda g: (-g["amount"], g["id"]))
    figures = compared(r, units)
    states = r.states
    to_fix = []
    for name, st in states.items():
        mine = units.systems.get(name, [])
        act = sum(1 for s in mine if s["recommendation"] != "保留")
        found = len(units.findings.get(name, []))
        errors = st.latest.errors if st.latest and st.status == "rejected" else 0
        if act or found or errors:
            to_fix.append(
                {
                    "unit": name,
                    "short_name": st.unit.short_name,
                    "status": st.status,
                    "systems": len(mine),
                    "systems_to_act": act,
                    "findings": found,
                    "errors": errors,
                }
            )
    to_fix.sort(key=lambda u: (-u["systems_to_act"], -u["findings"], -u["errors"], u["unit"]))
    deploy = Counter(str(v.get("deploy_location") or "未填写") for v in values)
    return {
        "generated_at": r.generated_at,
        "as_of": r.as_of.isoformat(),
        "round": r.round_name,
        "deadline": cov["deadline"],
        "days_to_deadline": cov["days_to_deadline"],
        "coverage": {"totals": cov["totals"], "by_group": cov["by_group"], "by_level": cov["by_level"], "under": cov["under"]},
        "systems": len(rows),
        "systems_counted": figures["systems_counted"],
        "cloud_share": figures["cloud_share"],
        "deployment": dict(deploy.most_common()),
        **{k: figures[k] for k in ("mlps_levels", "recommendations", "findings", "findings_by_kind")},
        "findings_by_unit": sorted(
            ({"unit": n, "short_name": states[n].unit.short_name, "findings": len(fs)} for n, fs in units.findings.items() if n in states),
            key=lambda u: (-u["findings"], u["unit"]),
        )[:TOP],
        "duplicate_groups": groups[:TOP],
        "duplicate_totals": figures["duplicate_totals"],
        "units_to_fix": to_fix[:TOP],
    }


def compared(r: ReportData, units: UnitReports, keep: set[str] | None = None) -> dict[str, Any]:
    """The figures the round-over-round comparison reads (`COMPARED`), over every unit in view or, with
    `keep`, over those units only: their systems, and the findings and duplicate groups whose units in
    view are all among them (a group with a unit outside `keep` is not theirs alone)."""
    rows = [s for name, per in units.systems.items() if keep is None or name in keep for s in per]
    counted = [s for s in rows if s["counted"]]
    values = [s["values"] for s in counted]
    # 政务云部署率: the 政务云 locations only (a higher department's machine room counts as not off-cloud
    # for the finding, but is not 政务云: the headline must agree with the deployment chart beside it)
    cloud = {k for k in r.rules["thresholds"]["cloud_locations"] if "政务云" in k}
    meta = r.rules["findings"]
    outgoing = settled(r)
    if keep is not None:
        outgoing = [f for f in outgoing if _within(f, keep, r.states)]
    by_kind = Counter(f.code for f in outgoing)
    units_of: dict[str, set[str]] = {}
    for f in outgoing:
        units_of.setdefault(f.code, set()).update(s.unit for s in f.about)
    kinds = [
        {"code": c, "title": meta[c]["title"], "severity": meta[c]["severity"], "count": n, "units": len(units_of[c])}
        for c, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    deploy = Counter(str(v.get("deploy_location") or "未填写") for v in values)
    mlps = Counter(str(v.get("mlps_level") or "未填写") for v in values)
    recs = Counter(s["recommendation"] for s in counted)
    groups = [f for f in outgoing if f.code in DUPLICATES]
    build, om = _money({(s.submission_id, s.row): s for f in groups for s in _sure(f)}.values())
    return {
        "systems_counted": len(counted),
        "cloud_share": share(sum(n for k, n in deploy.items() if k in cloud), len(values)),
        "findings": len(outgoing),
        "mlps_levels": dict(mlps.most_common()),
        "recommendations": {k: recs[k] for k in RECOMMENDATIONS if recs.get(k)},
        "findings_by_kind": kinds,
        # each system once, however many groups it is in; a copy not counted adds nothing (as in 系统数)
        "duplicate_totals": {"groups": len(groups), "build_amount": round(build, 2), "om_amount": round(om, 2)},
    }


def _within(f: Any, keep: set[str], view: dict[str, Any]) -> bool:
    """A finding of `keep`'s units alone: it touches one of them and no other unit in view."""
    mine = {s.unit for s in f.about} if f.about else {f.unit}
    mine &= view.keys()
    return bool(mine) and mine <= keep


def _sure(f: Any) -> list[Any]:
    """A group's systems whose money counts: the copy counted of a system reported twice (the others
    add nothing, as in the system count), less an amount typed in 元 (it would swamp the sum)."""
    return [s for s in f.about if s.counted and "FIND_AMOUNT_YUAN" not in s.findings]


def _money(systems: Any) -> tuple[float, float]:
    build = om = 0.0
    for s in systems:
        build += _amount(s.values.get("build_amount"))
        om += _amount(s.values.get("om_amount"))
    return build, om


def _groups(r: ReportData, outgoing: list[Any]) -> list[dict[str, Any]]:
    meta = r.rules["findings"]
    groups = []
    for f in outgoing:
        if f.code not in DUPLICATES:
            continue
        sure = _sure(f)
        build, om = _money(sure)
        groups.append(
            {
                "id": f.id,
                "code": f.code,
                "title": meta[f.code]["title"],
                "units": sorted({s.unit for s in f.about}),
                "systems": [s.name for s in f.about],
                "members": [{"unit": s.unit, "system_name": s.name, "row": s.row} for s in f.about],
                "build_amount": round(build, 2),
                "om_amount": round(om, 2),
                "amount": round(build + om, 2),
                "amounts_left_out": sum(1 for s in f.about if s.counted and "FIND_AMOUNT_YUAN" in s.findings),
            }
        )
    return groups
