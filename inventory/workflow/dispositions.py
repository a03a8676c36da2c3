"""处置决定: what the office decided for each system, beside (never over) the tool's recommendation.

A decision belongs to the system (its stable key, `store/identity.py`), not to one round: the latest
decision made in a round or any earlier one holds until the office decides again, so an open decision
is carried into every later round, shown wherever the system is, and can be changed whether or not
the unit has returned this round (its systems are then those of its last accepted return)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from ..beijing import BEIJING
from ..errors import UsageError
from ..form.normalize import clean_text
from ..store.models import ACCEPTED, Disposition, Round, Submission, SystemRecord, Unit
from .rounds import beijing, pick

DECISIONS = ("保留", "整合", "迁移上云", "升级改造", "关停下线")


def _last_accepted(conn: Any, unit: str, round_id: int | None) -> tuple[int, int | None] | None:
    """(submission id, its round) of the unit's accepted return in the round, else in the latest earlier round."""
    q = (
        select(Submission.id, Submission.round_id)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Unit.name == unit, Submission.status == ACCEPTED)
        .order_by(Submission.round_id.desc(), Submission.id.desc())
        .limit(1)
    )
    if round_id is not None:
        q = q.where(Submission.round_id <= round_id)
    row = conn.execute(q).first()
    return (row.id, row.round_id) if row is not None else None


def find_system(engine: Engine, unit: str, system: str, round_key: str | None = None) -> dict[str, Any]:
    """A system of a unit, by its 系统编号 or its name: from the unit's current return in the round, or,
    when the unit has not returned this round, from its last accepted return (`carried_from`)."""
    r = pick(engine, round_key)
    with engine.connect() as conn:
        last = _last_accepted(conn, unit, r["id"] if r else None)
        rows = []
        if last is not None:
            q = select(SystemRecord.id, SystemRecord.system_key, SystemRecord.system_no, SystemRecord.system_name).where(
                SystemRecord.submission_id == last[0]
            )
            rows = conn.execute(q).all()
    hits = [x for x in rows if x.system_no == system] or [x for x in rows if clean_text(x.system_name or "") == clean_text(system)]
    if last is None:
        raise UsageError(f"{unit}还没有已接收的报送，无从指定系统。", hint="单位的报表入库后才能对其系统作出处置决定。")
    if not hits:
        raise UsageError(
            f"{unit}最近一次已接收的报送里没有系统“{system}”。",
            hint="用系统编号或系统全称；`inventory report unit --unit 单位` 可以查看。",
        )
    if len(hits) > 1:
        raise UsageError(f"{unit}有 {len(hits)} 个系统叫“{system}”。", hint="请用系统编号指定。")
    x = hits[0]
    return {
        "system_key": x.system_key or f"r{x.id}",
        "system_no": x.system_no,
        "system_name": x.system_name,
        "round_id": r["id"] if r else None,
        "carried_from": None if r is None or last[1] == r["id"] else last[1],  # the unit has not returned this round
    }


def decide(
    engine: Engine,
    unit: str,
    system: str,
    decision: str,
    due: dt.date | None,
    responsible: str | None,
    note: str | None,
    operator: str | None,
) -> dict[str, Any]:
    if decision not in DECISIONS:
        raise UsageError(f"处置决定只能是 {'、'.join(DECISIONS)}，收到“{decision}”。")
    found = find_system(engine, unit, system)
    with engine.begin() as conn:
        conn.execute(
            Disposition.__table__.insert().values(
                round_id=found["round_id"],
                system_key=found["system_key"],
                unit=unit,
                system_name=found["system_name"],
                decision=decision,
                due=due,
                responsible=(responsible or "").strip() or None,
                note=(note or "").strip() or None,
                operator=operator,
                decided_at=dt.datetime.now(dt.UTC),
            )
        )
    return {**found, "unit": unit, "decision": decision, "due": due.isoformat() if due else None, "responsible": responsible, "note": note}


def latest(engine: Engine, round_id: int | None = None, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """system key -> the decision that holds in a round: the latest made in it or in any earlier round
    (`carried` when made in an earlier one); in every round when none is given. `overdue`: its 完成期限
    has passed (Beijing time) and it asks for a change (not 保留); whether it was carried out is for the
    change report to judge from the return."""
    today = today or beijing_today()
    q = select(Disposition, Round.key).outerjoin(Round, Disposition.round_id == Round.id).order_by(Disposition.decided_at, Disposition.id)
    if round_id is not None:
        q = q.where((Disposition.round_id <= round_id) | Disposition.round_id.is_(None))
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for d in conn.execute(q):
            out[d.system_key] = {
                "decision": d.decision,
                "due": d.due.isoformat() if d.due else None,
                "responsible": d.responsible,
                "note": d.note,
                "operator": d.operator,
                "decided_at": beijing(d.decided_at),
                "unit": d.unit,
                "system_name": d.system_name,
                "system_key": d.system_key,
                "round": d.key,
                "carried": round_id is not None and d.round_id is not None and d.round_id != round_id,
                "overdue": bool(d.due and d.due < today and d.decision != "保留"),
            }
    return out


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()
