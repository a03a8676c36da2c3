"""处置决定: what the office decided for each system, beside (never over) the tool's recommendation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from ..errors import UsageError
from ..form.normalize import clean_text
from ..store.models import ACCEPTED, Disposition, Submission, SystemRecord, Unit
from .rounds import pick

DECISIONS = ("保留", "整合", "迁移上云", "升级改造", "关停下线")


def find_system(engine: Engine, unit: str, system: str, round_key: str | None = None) -> dict[str, Any]:
    """A current system of a unit in a round, by its 系统编号 or its name."""
    r = pick(engine, round_key)
    q = (
        select(SystemRecord.id, SystemRecord.system_key, SystemRecord.system_no, SystemRecord.system_name)
        .join(Submission, SystemRecord.submission_id == Submission.id)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Unit.name == unit, Submission.status == ACCEPTED)
    )
    if r is not None:
        q = q.where(Submission.round_id == r["id"])
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    hits = [x for x in rows if x.system_no == system] or [x for x in rows if clean_text(x.system_name or "") == clean_text(system)]
    if not hits:
        raise UsageError(
            f"{unit}当前的报送里没有系统“{system}”。", hint="用系统编号或系统全称；`inventory report unit --unit 单位` 可以查看。"
        )
    if len(hits) > 1:
        raise UsageError(f"{unit}有 {len(hits)} 个系统叫“{system}”。", hint="请用系统编号指定。")
    x = hits[0]
    return {
        "system_key": x.system_key or f"r{x.id}",
        "system_no": x.system_no,
        "system_name": x.system_name,
        "round_id": r["id"] if r else None,
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


def latest(engine: Engine, round_id: int | None = None) -> dict[str, dict[str, Any]]:
    """system key -> the latest decision (in a round, or in any)."""
    q = select(Disposition).order_by(Disposition.decided_at, Disposition.id)
    if round_id is not None:
        q = q.where(Disposition.round_id == round_id)
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for d in conn.execute(q):
            out[d.system_key] = {
                "decision": d.decision,
                "due": d.due.isoformat() if d.due else None,
                "responsible": d.responsible,
                "note": d.note,
                "operator": d.operator,
                "decided_at": d.decided_at.isoformat(timespec="minutes"),
                "unit": d.unit,
                "system_name": d.system_name,
            }
    return out
