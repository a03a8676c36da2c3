"""Questions units ask the office when the FAQ has no answer, and the office's answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from ..beijing import iso
from ..errors import UsageError
from .models import Question, Unit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ask(engine: Engine, unit: str | None, asked_by: str | None, question: str) -> int:
    question = question.strip()
    if not question:
        raise UsageError("问题不能为空。")
    with engine.begin() as conn:
        unit_id = conn.scalar(select(Unit.id).where(Unit.name == unit)) if unit else None
        row = conn.execute(
            Question.__table__.insert().values(unit_id=unit_id, asked_by=asked_by, question=question[:2000], asked_at=_now())
        )
        return int(row.inserted_primary_key[0])


def answer(engine: Engine, question_id: int, text: str, answered_by: str | None) -> None:
    if not text.strip():
        raise UsageError("答复不能为空。")
    with engine.begin() as conn:
        done = conn.execute(
            Question.__table__.update()
            .where(Question.id == question_id)
            .values(answer=text.strip(), answered_by=answered_by, answered_at=_now())
        )
        if not done.rowcount:
            raise UsageError("没有这个问题。")


def questions(engine: Engine, unit: str | None = None) -> list[dict[str, Any]]:
    q = select(Question, Unit.name).join(Unit, Question.unit_id == Unit.id, isouter=True).order_by(Question.asked_at.desc())
    if unit is not None:
        q = q.where(Unit.name == unit)
    with engine.connect() as conn:
        return [
            {
                "id": r.id,
                "unit": r.name,
                "asked_by": r.asked_by,
                "question": r.question,
                "asked_at": iso(r.asked_at, "minutes"),
                "answer": r.answer,
                "answered_by": r.answered_by,
                "answered_at": iso(r.answered_at, "minutes") if r.answered_at else None,
            }
            for r in conn.execute(q)
        ]
