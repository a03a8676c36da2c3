"""The submission history: every file imported, its unit, status and counts, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .models import Submission, Unit


def submission_rows(engine: Engine, unit: str | None = None) -> list[dict[str, Any]]:
    """The submission history, newest first (for `inventory submissions list`)."""
    q = (
        select(Submission, Unit.name)
        .join(Unit, Submission.unit_id == Unit.id, isouter=True)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    )
    if unit:
        q = q.where(Unit.name == unit)
    with Session(engine) as session:
        out = []
        for s, unit_name in session.execute(q).all():
            out.append(
                {
                    "id": s.id,
                    "unit": unit_name,
                    "unit_written": s.unit_written,
                    "file_name": s.file_name,
                    "sha256": s.sha256,
                    "status": s.status,
                    "received_at": s.received_at.isoformat() if s.received_at else None,
                    "operator": s.operator,
                    "form_version": s.form_version,
                    "systems": s.systems,
                    "errors": s.errors,
                    "warnings": s.warnings,
                    "as_of": s.as_of.isoformat() if s.as_of else None,
                }
            )
    return out
