"""The submission history: every file imported, its unit, status and counts, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from .models import Submission, Unit


def use_submission(engine: Engine, submission_id: int) -> None:
    """Make an accepted-but-older return its unit's current one (the office's explicit decision)."""
    from sqlalchemy import update

    from ..errors import UsageError
    from .models import ACCEPTED, REJECTED, SUPERSEDED

    with engine.begin() as conn:
        row = conn.execute(select(Submission.id, Submission.unit_id, Submission.status).where(Submission.id == submission_id)).first()
        if row is None:
            raise UsageError(f"没有报送号为 {submission_id} 的报送。", hint="用 `inventory submissions list` 查看报送号。")
        if row.status == REJECTED or row.unit_id is None:
            raise UsageError(f"报送 {submission_id} 有错误被退回，没有入库数据，不能作为当前报送。")
        if row.status != ACCEPTED:
            q = select(Unit.id).where(Unit.id == row.unit_id)
            if conn.dialect.name == "postgresql":
                q = q.with_for_update()
            conn.execute(q)
            conn.execute(
                update(Submission).where(Submission.unit_id == row.unit_id, Submission.status == ACCEPTED).values(status=SUPERSEDED)
            )
            conn.execute(update(Submission).where(Submission.id == submission_id).values(status=ACCEPTED))


def submission_issues(engine: Engine, submission_id: int) -> list[dict[str, Any]]:
    """The issues stored with a submission, in the order validation found them."""
    from .models import IssueRecord

    q = select(IssueRecord).where(IssueRecord.submission_id == submission_id).order_by(IssueRecord.id)
    with engine.connect() as conn:
        return [
            {k: getattr(r, k) for k in ("id", "code", "severity", "sheet", "row", "column", "field", "message", "value", "hint")}
            for r in conn.execute(q)
        ]


def submission_systems(engine: Engine, submission_id: int) -> list[dict[str, Any]]:
    """The stored system rows of a submission (their values as stored), in file order."""
    from .models import SystemRecord

    q = select(SystemRecord.row, SystemRecord.data).where(SystemRecord.submission_id == submission_id).order_by(SystemRecord.row)
    with engine.connect() as conn:
        return [{"row": r.row, **(r.data or {})} for r in conn.execute(q)]


def last_return(engine: Engine, unit: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], str | None] | None:
    """A unit's latest stored return (the current one of the latest round it reported in): its unit
    values, its rows per sheet as stored, and the form version it was filled in. None when it has none."""
    from sqlalchemy import case

    from .models import ACCEPTED, ChildRecord, SystemRecord

    with engine.connect() as conn:
        sub = conn.execute(
            select(Submission.id, Submission.unit_values, Submission.form_version)
            .join(Unit, Submission.unit_id == Unit.id)
            .where(Unit.name == unit, Submission.status == ACCEPTED)
            .order_by(Submission.round_id.desc(), case((Submission.status == ACCEPTED, 0), else_=1), Submission.id.desc())
            .limit(1)
        ).first()
        if sub is None:
            return None
        rows: dict[str, list[dict[str, Any]]] = {}
        for (data,) in conn.execute(select(SystemRecord.data).where(SystemRecord.submission_id == sub.id).order_by(SystemRecord.row)):
            rows.setdefault("", []).append(data)
        for sheet, data in conn.execute(
            select(ChildRecord.sheet, ChildRecord.data)
            .where(ChildRecord.submission_id == sub.id)
            .order_by(ChildRecord.sheet, ChildRecord.row)
        ):
            rows.setdefault(sheet, []).append(data)
    return sub.unit_values or {}, rows, sub.form_version
