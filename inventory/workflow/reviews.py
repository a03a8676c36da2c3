"""The office's decisions on submissions (accepted, or returned with comments). A decision is
history: the latest one is the submission's review state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..beijing import iso
from ..errors import UsageError
from ..store.models import Decision, IssueRecord, Round, Submission, Unit
from .signoff import void_in
from .states import STATE_NAMES

DECISIONS = ("approved", "returned")
REVIEW_NAMES = {k: STATE_NAMES[k] for k in ("pending", "returned", "approved", "rejected")}  # the one vocabulary


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
        if decision == "returned":  # a return sent back is open again: its signature no longer stands
            void_in(conn, submission_id, comment or "退回修改", reviewer)
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
                "decided_at": iso(d.decided_at, "minutes"),
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
                "decided_at": iso(d.decided_at, "minutes"),
            }
            for d in conn.execute(q)
        ]


def review_state(status: str, decision: dict[str, Any] | None) -> str:
    """pending | returned | approved for a stored return; rejected for one validation sent back. A
    return reopened after approval waits for review again (pending), as on the board (`workflow.states`)."""
    if status == "rejected":
        return "rejected"
    said = decision["decision"] if decision else None
    return said if said in ("approved", "returned") else "pending"


def submission_rows(
    engine: Engine, unit: str | None = None, submission_id: int | None = None, under: str | None = None
) -> list[dict[str, Any]]:
    """The submission history, newest first (for `inventory submissions list`); one unit's, or one
    submission; `under`: only units whose tree path starts with it (an office's part)."""
    q = (
        select(Submission, Unit.name, Round.key)
        .join(Unit, Submission.unit_id == Unit.id, isouter=True)
        .join(Round, Submission.round_id == Round.id, isouter=True)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    )
    if unit:
        q = q.where(Unit.name == unit)
    if submission_id is not None:
        q = q.where(Submission.id == submission_id)
    if under is not None:
        q = q.where(Unit.path.startswith(under, autoescape=True))
    decisions = latest(engine, [submission_id] if submission_id is not None else None)
    with Session(engine) as session:
        out = []
        for s, unit_name, round_key in session.execute(q).all():
            out.append(
                {
                    "id": s.id,
                    "unit": unit_name,
                    "unit_written": s.unit_written,
                    "round": round_key,
                    "file_name": s.file_name,
                    "sha256": s.sha256,
                    "status": s.status,
                    "received_at": iso(s.received_at) if s.received_at else None,
                    "operator": s.operator,
                    "form_version": s.form_version,
                    "systems": s.systems,
                    "errors": s.errors,
                    "warnings": s.warnings,
                    "as_of": s.as_of.isoformat() if s.as_of else None,
                    "filled_on": s.filled_on.isoformat() if s.filled_on else None,
                    "review": review_state(s.status, decisions.get(s.id)),
                    "review_name": REVIEW_NAMES[review_state(s.status, decisions.get(s.id))],
                    "review_comment": (decisions.get(s.id) or {}).get("comment"),
                }
            )
    return out


def previous_return(engine: Engine, sub: dict[str, Any]) -> dict[str, Any] | None:
    """The unit's return before `sub` (a row of `submission_rows`) and what the reviewer said of it (a
    send-back's reason), so a resubmission is read against what was asked of the one before. None for
    a unit's first return."""
    earlier = [r for r in submission_rows(engine, sub["unit"]) if r["id"] < sub["id"]]
    if not earlier:
        return None
    prev = max(earlier, key=lambda r: r["id"])
    last = next(iter(history(engine, prev["id"])), None)  # its final word: a send-back later undone by an approval is not it
    said = last if last is not None and last["decision"] == "returned" else None
    approved = last if last is not None and last["decision"] == "approved" else None
    return {
        "id": prev["id"],
        "received_at": prev["received_at"],
        "status": prev["status"],
        "returned": said,
        "approved": approved,
        "round": prev.get("round") if prev.get("round") != sub.get("round") else None,  # said when it is another round's
    }


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]], titles: dict[str, str]) -> dict[str, Any]:
    """What a return changed against the one before, system by system (matched by 系统编号, else by
    name): systems added and dropped by name, and each changed field as (system, field title, before,
    after). Both lists as the reader may see them (a field hidden at their level is in neither)."""

    def key(row: dict[str, Any]) -> Any:
        return row.get("system_no") or row.get("system_name")

    def text(value: Any) -> Any:
        return "、".join(map(str, value)) if isinstance(value, list) else value

    old, new = {key(r): r for r in before}, {key(r): r for r in after}
    edits = []
    for k in [k for k in new if k in old]:
        a, b = old[k], new[k]
        for field, title in titles.items():
            if a.get(field) != b.get(field):
                edits.append((b.get("system_name") or k, title, text(a.get(field)), text(b.get(field))))
    return {
        "added": [new[k].get("system_name") or k for k in new if k not in old],
        "dropped": [old[k].get("system_name") or k for k in old if k not in new],
        "edits": edits,
    }
