"""Coverage: who has returned, who was sent back, who has not; per unit, per level, per 市(州) and
per 区(县), in total; the offices' approval states; and the 催报名单, the units to chase with whom to call."""

from __future__ import annotations

import math
from typing import Any

from ..beijing import iso
from ..form.roster import CITY, COUNTY, LEVEL_NAMES
from .carried import earlier_returns, unconfirmed_returns
from .data import ReportData, UnitState

CHASE_STATUSES = ("not_submitted", "rejected")
CHASE_STATES = ("not_submitted", "rejected", "returned")


UNCONFIRMED = "上一次的报表原样重报（填报日期也没改），看不出本轮是否核对过"


def share(done: float, total: float, digits: int = 3) -> float:
    """done/total rounded down to 0.1%, so that a share never reads (or, formatted in Excel, shows) as
    complete before it is."""
    if not total:
        return 0.0
    step = 10**digits
    return math.floor(round(done / total * step, 6)) / step


def coverage_report(r: ReportData) -> dict[str, Any]:
    board, deadline = r.board, r.deadline
    earlier = earlier_returns(r)
    stale = unconfirmed_returns(r.engine, r.round["id"] if r.round else None)
    units = []
    for name, st in r.states.items():
        u, acc, latest = st.unit, st.accepted, st.latest
        basis = acc or latest
        reviewer = board.scope.reviewer(u)
        units.append(
            {
                "unit": name,
                "short_name": u.short_name,
                "kind": u.kind,
                "kind_name": u.kind_name,
                "group": u.group,
                "level": u.level,
                "code": u.code,
                "parent": u.parent,
                "reviewer": reviewer.name if reviewer else None,
                "pilot": u.pilot,
                "status": st.status,
                "state": st.state,
                "state_name": st.state_name,
                "reason": st.reason or (UNCONFIRMED if acc is not None and acc.id in stale else None),
                "unconfirmed": acc is not None and acc.id in stale,
                "late": board.late(st, deadline),
                "systems": acc.systems if acc else 0,
                "completeness": share(basis.completeness or 0.0, 1) if basis else 0.0,
                "completeness_recommended": share(basis.completeness_recommended or 0.0, 1) if basis else 0.0,
                "errors": latest.errors if latest else 0,
                "warnings": latest.warnings if latest else 0,
                "submissions": len(st.submissions),
                "last_submitted_at": iso(latest.received_at, "seconds") if latest else None,
            }
        )
    by_code = {u["code"]: u for u in units}
    offices = [
        {
            "unit": st.unit.name,
            "short_name": st.unit.short_name,
            "code": st.unit.code,
            "level": st.unit.level,
            "state": st.state,
            "state_name": st.state_name,
            "reason": st.reason,
            "children_total": st.children_total,
            "children_done": st.children_done,
        }
        for st in board.statuses.values()
        if st.office
    ]
    return {
        "generated_at": r.generated_at,
        "scope": board.scope.kind,
        "under": {
            "unit": r.under.name,
            "short_name": r.under.short_name,
            "code": r.under.code,
            "level": r.under.level,
            "root": r.under.parent is None,
        },
        "round": {"key": r.round["key"], "name": r.round["name"]} if r.round else None,
        "as_of": r.as_of.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "days_to_deadline": (deadline - r.today).days if deadline else None,
        "units": units,
        "totals": _totals(units),
        "by_group": {g: _totals([u for u in units if u["group"] == g]) for g in sorted({u["group"] for u in units})},
        "by_level": {
            lv: _totals([u for u in units if u["level"] == lv]) for lv in LEVEL_NAMES.values() if any(u["level"] == lv for u in units)
        },
        "by_city": _rollup(r, by_code, CITY),
        "by_county": _rollup(r, by_code, COUNTY),
        "offices": offices,
        "carried": _carried(units, earlier),
        "chase": [
            _chase(st, u, earlier.get(u["unit"])) for st, u in zip(r.states.values(), units, strict=True) if _own(st, u) in CHASE_STATES
        ],
    }


def _carried(units: list[dict[str, Any]], earlier: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The units that reported in an earlier round and not (yet) in this one: their systems are not in
    this round's totals but are kept, as last reported."""
    gone = [u["unit"] for u in units if u["status"] == "not_submitted" and u["state"] != "exempt" and u["unit"] in earlier]
    return {
        "units": len(gone),
        "systems": sum(earlier[u]["systems"] for u in gone),
        "by_unit": [{"unit": u, "round": earlier[u]["round"], "systems": earlier[u]["systems"]} for u in gone],
    }


def _rollup(r: ReportData, by_code: dict[str, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Totals per 市(州) or per 区(县) node in view: its units' figures (its own return included).
    Each unit is filed under the nodes on its path, so the cost follows the units, not nodes × units."""
    nodes = [n for n in r.board.scope.units if n.kind == kind]
    wanted = {n.code for n in nodes}
    inside: dict[str, list[dict[str, Any]]] = {}
    for code, u in by_code.items():
        for step in r.roster.by_code[code].path.strip("/").split("/"):
            if step in wanted:
                inside.setdefault(step, []).append(u)
    out = []
    for node in nodes:
        if node.code in inside:
            st = r.board.statuses.get(node.name)
            out.append(
                {
                    "unit": node.name,
                    "short_name": node.short_name,
                    "code": node.code,
                    "parent": node.parent,
                    "state": st.state if st else None,
                    "state_name": st.state_name if st else None,
                    **_totals(inside[node.code]),
                }
            )
    return out


def _totals(units: list[dict[str, Any]]) -> dict[str, Any]:
    counted = [u for u in units if u["state"] != "exempt"]  # an exempted unit is not expected
    submitted = [u for u in counted if u["status"] != "not_submitted"]
    accepted = sum(1 for u in counted if u["status"] == "accepted")
    approved = sum(1 for u in counted if u["state"] == "approved")
    late_in = sum(1 for u in counted if u["late"] and u["status"] == "accepted")  # its first valid return came after the deadline
    late = sum(1 for u in counted if u["late"])  # and those with no valid return yet, the deadline past
    return {
        "units_expected": len(counted),
        "units_submitted": len(submitted),
        "units_accepted": accepted,
        "units_rejected": sum(1 for u in counted if u["status"] == "rejected"),
        "units_not_submitted": len(counted) - len(submitted),
        "units_approved": approved,
        "units_returned": sum(1 for u in counted if u["state"] == "returned"),
        "units_exempt": len(units) - len(counted),
        "units_on_time": sum(1 for u in submitted if not u["late"]),
        "units_unconfirmed": sum(1 for u in counted if u.get("unconfirmed")),
        "units_late": late,
        "units_late_submitted": late_in,
        "units_overdue": late - late_in,
        "accepted_share": share(accepted, len(counted)),
        "approved_share": share(approved, len(counted)),
        "systems": sum(u["systems"] for u in counted),
        "completeness": share(sum(u["completeness"] for u in submitted), len(submitted)),
        "completeness_recommended": share(sum(u["completeness_recommended"] for u in submitted), len(submitted)),
    }


def _own(st: UnitState, u: dict[str, Any]) -> str:
    """The state of the unit's own return: a department with 下属单位 is 汇总中 as an office, and is still
    chased for the return it owes itself."""
    return (st.return_state or u["state"]) if st.office else u["state"]


def _chase(st: UnitState, u: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of the 催报名单: the unit, why it is chased, and whom to contact (the roster's contact
    first, else the contact its last return gave, in this round or, failing that, an earlier one)."""
    latest = st.latest
    given = (latest.unit_values or {}) if latest else {}
    from_before = not given and before is not None and bool(before["values"])
    if from_before:
        given = before["values"]
    roster = st.unit
    contact = {
        "name": roster.contact_name or given.get("contact_name"),
        "phone": roster.contact_phone or given.get("contact_phone"),
        "email": roster.contact_email or given.get("contact_email"),
    }
    own = _own(st, u)
    if own == "returned":
        said = (st.decision or {}).get("comment") if st.office else u["reason"]
        reason = f"退回修改：{said or '见审核意见'}"
    elif u["status"] == "not_submitted" and st.exempt_before is not None:
        reason = f"未报送（上一轮免报：{st.exempt_before}）"
    elif u["status"] == "not_submitted":
        reason = f"未报送（上一轮已报，{before['systems']} 个系统）" if before is not None else "未报送"
    else:
        reason = f"未通过校验：最近一次报送有 {u['errors']} 处错误，待修改后重报"
    if st.office:
        reason = f"{reason}（指本单位自己的报表，不是下属单位的）"
    return {
        "unit": u["unit"],
        "short_name": u["short_name"],
        "kind": u["kind"],
        "kind_name": u["kind_name"],
        "group": u["group"],
        "level": u["level"],
        "reviewer": u["reviewer"],
        "status": u["status"],
        "state": own,
        "reason": reason,
        "late": u["late"],
        "last_submitted_at": u["last_submitted_at"],
        "contact": {k: (str(v) if v not in (None, "") else None) for k, v in contact.items()},
        "contact_source": "名册"
        if any((roster.contact_name, roster.contact_phone))
        else ("上一轮报送" if from_before else ("最近报送" if given else None)),
        "reported_before": before["round"] if before is not None else None,
    }


def parts_below(cov: dict[str, Any], node: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """("市（州）" or "区（县）", their rows of `cov`) for the level below `node` that has offices of its
    own: the province's cities, a city's counties; None for a county (its part has no such level)."""
    for label, rows in (("市（州）", cov["by_city"]), ("区（县）", cov["by_county"])):
        below = [row for row in rows if row["code"] != node.code]
        if below:
            return label, below
    return None


def chased_below(r: Any, chase: list[dict[str, Any]]) -> list[tuple[Any, int]]:
    """(a direct lower office, how many of its part's units are to chase), most first: each lower office
    chases its own units, so the top of a big tree sees a line per part rather than thousands of names."""
    depth = r.under.depth + 1
    counts: dict[str, int] = {}
    for c in chase:
        unit = r.roster.get(c["unit"]) if c["reviewer"] != r.under.name else None
        codes = unit.path.split("/") if unit is not None else []
        if len(codes) > depth + 1:
            counts[codes[depth]] = counts.get(codes[depth], 0) + 1
    return sorted(((r.roster.by_code[code], n) for code, n in counts.items()), key=lambda item: -item[1])
