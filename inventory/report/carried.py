"""What an earlier round still says about units that have not returned in this one: each one's last
accepted return before the round (its round, systems and the contact it gave), and its systems.
Read by the coverage (催报名单, carried totals) and the reference-list checks (not 漏报)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import String, select, type_coerce

from ..assess import System
from ..store.models import ACCEPTED, IssueRecord, Round, Submission, SystemRecord, Unit


def earlier_returns(r: Any) -> dict[str, dict[str, Any]]:
    """unit -> its last accepted return in an earlier round, for the units in view without an accepted
    return in this round: {"id", "round", "round_name", "systems", "values"}."""
    if not r.round:
        return {}
    waiting = [name for name, st in r.states.items() if not st.accepted]
    if not waiting:
        return {}
    q = (
        select(Unit.name, Submission.id, Round.key, Round.name.label("round_name"), Submission.systems, Submission.unit_values)
        .join(Unit, Submission.unit_id == Unit.id)
        .join(Round, Submission.round_id == Round.id)
        .where(Submission.status == ACCEPTED, Submission.round_id < r.round["id"], Unit.name.in_(waiting))
        .order_by(Submission.round_id, Submission.id)
    )
    out: dict[str, dict[str, Any]] = {}
    with r.engine.connect() as conn:
        for row in conn.execute(q):  # the latest wins
            out[row.name] = {
                "id": row.id,
                "round": row.key,
                "round_name": row.round_name,
                "systems": row.systems or 0,
                "values": row.unit_values or {},
            }
    return out


def carried_systems(r: Any) -> list[System]:
    """The systems of those returns, as they were reported."""
    names = {e["id"]: name for name, e in earlier_returns(r).items()}
    out: list[System] = []
    if not names:
        return out
    q = select(
        SystemRecord.submission_id, SystemRecord.row, type_coerce(SystemRecord.data, String), SystemRecord.system_key, SystemRecord.id
    )
    with r.engine.connect() as conn:
        for sub_id, row, data, key, rid in conn.execute(q.where(SystemRecord.submission_id.in_(list(names)))):
            values = orjson.loads(data) if isinstance(data, (str, bytes)) else data
            out.append(System(unit=names[sub_id], submission_id=sub_id, row=row, values=values, key=key or f"r{rid}"))
    return out


def unconfirmed_returns(engine: Any, round_id: int | None) -> dict[int, str]:
    """The round's accepted returns sent back exactly as before (RETURN_NOT_CONFIRMED), by id, with
    their unit: in, and counted, but not shown to have been checked this round."""
    q = (
        select(IssueRecord.submission_id, Unit.name)
        .join(Submission, IssueRecord.submission_id == Submission.id)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(IssueRecord.code == "RETURN_NOT_CONFIRMED", Submission.status == ACCEPTED)
        .where(Submission.round_id == round_id if round_id is not None else Submission.round_id.is_(None))
    )
    with engine.connect() as conn:
        return dict(conn.execute(q).all())
