"""The office's decisions on submissions (accepted, or returned with comments), and questions units
ask the office. A decision is history: the latest one is the submission's review state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from ..errors import UsageError
from .models import Decision, IssueRecord, Question, Submission, Unit

DECISIONS = ("approved", "returned")
REVIEW_NAMES = {"pending": "待审", "returned": "退回修改", "approved": "已通过", "rejected": "校验未通过"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def decide(
    engine: Engine,
    submission_id: int,
    decision: str,
    comment: str | None,
    reviewer: str | None,
    issue_comments: dict[str, str] | None = None,
) -> dict[str, Any]:
    if decision not in DECISIONS:
        raise UsageError(f"审核结论只能是 {'、'.join(DECISIONS)}。")
    comment = (comment or "").strip() or None
    notes = {str(k): v.strip() for k, v in (issue_comments or {}).items() if v and v.strip()}
    if decision == "returned" and not comment and not notes:
        raise UsageError("退回修改时请写明意见（总体意见或针对某条问题的意见）。")
    with engine.begin() as conn:
        sub = conn.execute(select(Submission.id, Submission.status).where(Submission.id == submission_id)).first()
        if sub is None:
            raise UsageError(f"没有报送号为 {submission_id} 的报送。")
        if sub.status == "rejected" and decision == "approved":
            raise UsageError("这份报送有校验错误，不能审核通过；请退回修改。")
        known = {str(i) for i in conn.scalars(select(IssueRecord.id).where(IssueRecord.submission_id == submission_id))}
        if set(notes) - known:
            raise UsageError("意见针对的问题不属于这份报送。")
        conn.execute(
            Decision.__table__.insert().values(
                submission_id=submission_id,
                decision=decision,
                comment=comment,
                issue_comments=notes or None,
                reviewer=reviewer,
                decided_at=_now(),
            )
        )
    return latest(engine, [submission_id])[submission_id]


def latest(engine: Engine, submission_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Submission id -> its latest decision."""
    q = select(Decision).order_by(Decision.decided_at, Decision.id)
    if submission_ids is not None:
        q = q.where(Decision.submission_id.in_(submission_ids))
    out: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:
        for d in conn.execute(q):
            out[d.submission_id] = {
                "decision": d.decision,
                "comment": d.comment,
                "issue_comments": d.issue_comments or {},
                "reviewer": d.reviewer,
                "decided_at": d.decided_at.isoformat(timespec="minutes"),
            }
    return out


def history(engine: Engine, submission_id: int) -> list[dict[str, Any]]:
    q = select(Decision).where(Decision.submission_id == submission_id).order_by(Decision.decided_at.desc(), Decision.id.desc())
    with engine.connect() as conn:
        return [
            {
                "decision": d.decision,
                "comment": d.comment,
                "issue_comments": d.issue_comments or {},
                "reviewer": d.reviewer,
                "decided_at": d.decided_at.isoformat(timespec="minutes"),
            }
            for d in conn.execute(q)
        ]


def review_state(status: str, decision: dict[str, Any] | None) -> str:
    """pending | returned | approved for a stored return; rejected for one validation sent back."""
    if status == "rejected":
        return "rejected"
    return decision["decision"] if decision else "pending"


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
                "asked_at": r.asked_at.isoformat(timespec="minutes"),
                "answer": r.answer,
                "answered_by": r.answered_by,
                "answered_at": r.answered_at.isoformat(timespec="minutes") if r.answered_at else None,
            }
            for r in conn.execute(q)
        ]
