"""What is current, read inside a transaction: the open round, and whether a unit's return is locked.

A return is locked once its reviewer approved it (审核通过) or the unit signed it (承诺书, until the
office reopens it), and a unit's whole part of the tree is
locked while the unit, or any office above it, has been submitted upward or approved by the level
above, until someone reopens or sends it back (`inventory.workflow` records those steps). The
importer asks here before it stores a return, inside the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, exists, select

from .evidence_models import Signoff
from .models import ACCEPTED, Decision, NodeApproval, Round, Submission, Unit

LOCKING = ("submitted", "approved")  # node steps that freeze the node's part of the tree


def current_round_id(conn: Connection) -> int | None:
    """The open round (new returns go there); the latest round when all are closed."""
    open_id = conn.scalar(select(Round.id).where(Round.status == "open").order_by(Round.id.desc()))
    return open_id if open_id is not None else conn.scalar(select(Round.id).order_by(Round.id.desc()))


@dataclass(frozen=True, slots=True)
class RoundState:
    """The open round, and whether anything in it can lock a return yet (a batch of imports reads
    this once and skips the per-unit lock queries while nothing has been approved or sent up)."""

    id: int | None
    approvals: bool  # some return of the round has been approved
    node_steps: bool  # some node of the round has been submitted upward or approved
    signoffs: bool = False  # some unit's signature stands on its return in the round
    closed: str | None = None  # the round's key when it is closed (returns land there until a new one opens)


def round_state(conn: Connection) -> RoundState:
    rid = current_round_id(conn)
    in_round = NodeApproval.round_id == rid if rid is not None else NodeApproval.round_id.is_(None)
    approved = (
        exists()
        .where(Decision.submission_id == Submission.id, Decision.decision == "approved")
        .where(Submission.round_id == rid if rid is not None else Submission.round_id.is_(None))
    )
    signed = exists().where(Signoff.voided_at.is_(None), Signoff.round_id == rid if rid is not None else Signoff.round_id.is_(None))
    approvals, steps, signoffs = conn.execute(select(approved, exists().where(in_round), signed)).one()
    closed = conn.scalar(select(Round.key).where(Round.id == rid, Round.status != "open")) if rid is not None else None
    return RoundState(rid, bool(approvals), bool(steps), bool(signoffs), closed)


def lock_reason(
    conn: Connection, unit_id: int, round_id: int | None, path: str | None = None, state: RoundState | None = None
) -> str | None:
    """Why a unit may not send a new return in a round now (None when it may). `path`: the unit's path
    in the tree, when the caller has it (one query fewer); `state`: the round's, read once for a batch."""
    if state is None or state.approvals:
        last = conn.execute(
            select(Decision.decision)
            .join(Submission, Decision.submission_id == Submission.id)
            .where(Submission.unit_id == unit_id, Submission.status == ACCEPTED, Submission.round_id == round_id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
            .limit(1)
        ).scalar()
        if last == "approved":
            return "本轮的报表已审核通过并锁定"
    if (state is None or state.signoffs) and standing_signoff(conn, unit_id, round_id) is not None:
        return "本轮的报表已签署承诺书并锁定"
    return node_lock(conn, unit_id, round_id, path) if state is None or state.node_steps else None


def standing_signoff(conn: Connection, unit_id: int, round_id: int | None) -> Signoff | None:
    """The signature that stands on a unit's return in a round (None when none does)."""
    q = select(Signoff).where(Signoff.unit_id == unit_id, Signoff.voided_at.is_(None))
    q = q.where(Signoff.round_id == round_id) if round_id is not None else q.where(Signoff.round_id.is_(None))
    return conn.execute(q.order_by(Signoff.id.desc()).limit(1)).first()


def node_lock(conn: Connection, unit_id: int, round_id: int | None, path: str | None = None) -> str | None:
    """Why a unit's part of the tree is frozen in a round: it, or an office above it, has been
    submitted upward or approved by the level above (None when it is not)."""
    path = path or conn.scalar(select(Unit.path).where(Unit.id == unit_id))
    if not path:
        return None
    codes = path.strip("/").split("/")
    steps = conn.execute(
        select(NodeApproval.unit_id, NodeApproval.action, Unit.name)
        .join(Unit, NodeApproval.unit_id == Unit.id)
        .where(NodeApproval.round_id == round_id if round_id is not None else NodeApproval.round_id.is_(None))
        .where(Unit.code.in_(codes))
        .order_by(NodeApproval.at, NodeApproval.id)
    ).all()
    last_step = {uid: (action, name) for uid, action, name in steps}
    for action, name in last_step.values():
        if action in LOCKING:  # named, with who may unlock it: whoever reads this may be at any level
            above = _parent_name(conn, name)
            if action == "submitted":
                return f"“{name}”本轮已报上级审核，已锁定（要改动，须由它撤回上报，或由“{above}”退回）"
            return f"“{name}”本轮已经上级审核通过，已锁定（要改动，须由“{above}”先重新打开）"
    return None


def _parent_name(conn: Connection, name: str) -> str:
    """The name of the office above a node (who reviews its part)."""
    parent = conn.scalar(select(Unit.parent_id).where(Unit.name == name))
    return (conn.scalar(select(Unit.name).where(Unit.id == parent)) if parent is not None else None) or "上级项目办"
