"""Sign-off (承诺书): the unit's responsible person vouches that the return is complete and true.

Signing asks for the account's password again, and records the signer's name and role, the time and
the SHA-256 of the workbook signed. A signed return is locked (`store.current.lock_reason` refuses a
new return while a signature stands). Only the office reopens it, with a reason; that voids the
signature, which stays in the history. Sending a signed return back, or reopening an approved one,
voids it too. Every step goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session

from ..beijing import shown as beijing
from ..errors import UsageError
from ..store import accounts, throttle
from ..store.audit import record
from ..store.current import current_round_id, lock_reason, node_lock, standing_signoff
from ..store.evidence_models import Signoff
from ..store.models import ACCEPTED, Round, Submission, Unit

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 5


def _as_dict(s: Signoff, unit: str | None = None, round_name: str | None = None) -> dict[str, Any]:
    return {
        "id": s.id,
        "unit": unit,
        "round": round_name,
        "submission_id": s.submission_id,
        "account": s.account,
        "signer_name": s.signer_name,
        "signer_role": s.signer_role,
        "sha256": s.sha256,
        "signed_at": beijing(s.signed_at),
        "voided": s.voided_at is not None,
        "voided_at": beijing(s.voided_at),
        "void_reason": s.void_reason,
        "voided_by": s.voided_by,
    }


def _current_return(conn: Connection, unit: str) -> tuple[int, Any, int | None]:
    unit_id = conn.scalar(select(Unit.id).where(Unit.name == unit))
    if unit_id is None:
        raise UsageError(f"名册中没有单位“{unit}”。")
    round_id = current_round_id(conn)
    q = select(Submission).where(Submission.unit_id == unit_id, Submission.status == ACCEPTED)
    q = q.where(Submission.round_id == round_id) if round_id is not None else q.where(Submission.round_id.is_(None))
    return unit_id, conn.execute(q.order_by(Submission.id.desc()).limit(1)).first(), round_id


def sign(engine: Engine, account_id: int, password: str, name: str, role: str, address: str | None = None) -> dict[str, Any]:
    """The signed-in unit's responsible person signs its current return (password asked again)."""
    user = accounts.account(engine, account_id)
    if user is None or user["role"] != "unit" or not user["unit"]:
        raise UsageError("只有单位账号可以签署承诺书。")
    name, role = (name or "").strip()[:100], (role or "").strip()[:100]
    if not name or not role:
        raise UsageError("请填写签署人姓名和职务。", hint="签署人应为本单位负责人或其授权的负责同志。")
    key = f"signoff:{user['username']}"  # taken before the password is checked: parallel guesses cannot pass the limit
    if not throttle.take(engine, key, MAX_FAILURES, WINDOW):
        raise UsageError("密码输错次数过多，请 15 分钟后再签署。")
    if accounts.authenticate(engine, user["username"], password or "") is None:
        record(engine, "signoff_failed", actor=user["username"], role="unit", address=address, target=user["username"])
        raise UsageError("密码不对，没有签署。", hint="请输入登录本平台的密码。")
    throttle.give_back(engine, key)  # only failures count
    with engine.begin() as conn:
        unit_id, sub, round_id = _current_return(conn, user["unit"])
        if sub is None:
            raise UsageError("本轮还没有校验通过的报表，不能签署。", hint="请先上传报表，校验通过后再签署承诺书。")
        standing = standing_signoff(conn, unit_id, round_id)
        if standing is not None:
            raise UsageError(f"本轮报表已于 {beijing(standing.signed_at)} 由{standing.signer_name}签署，无需再签。")
        why = node_lock(conn, unit_id, round_id)  # an approved return may still be vouched for; a frozen part not
        if why:
            raise UsageError(f"{why}，不能签署。")
        now = dt.datetime.now(dt.UTC)
        new_id = conn.execute(
            insert(Signoff).values(
                submission_id=sub.id,
                unit_id=unit_id,
                round_id=round_id,
                account=user["username"],
                signer_name=name,
                signer_role=role,
                sha256=sub.sha256,
                signed_at=now,
            )
        ).inserted_primary_key[0]
    record(
        engine,
        "signoff",
        actor=user["username"],
        role="unit",
        address=address,
        target=str(sub.id),
        detail=f"{name}（{role}）SHA-256 {sub.sha256}",
    )
    return signoff(engine, new_id)


def void_in(conn: Connection, submission_id: int, reason: str, actor: str | None) -> int:
    """Void every standing signature on a submission (inside the caller's transaction): how many."""
    done = conn.execute(
        update(Signoff)
        .where(Signoff.submission_id == submission_id, Signoff.voided_at.is_(None))
        .values(voided_at=dt.datetime.now(dt.UTC), void_reason=reason, voided_by=actor)
    )
    return done.rowcount or 0


def reopen(engine: Engine, unit: str, reason: str, actor: str | None, address: str | None = None) -> dict[str, Any]:
    """The office reopens a signed return (a reason is required): the signature is void, the unit may send again."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise UsageError("重新打开须写明理由。", hint="理由会记入签署记录，并显示给单位。")
    with engine.begin() as conn:
        unit_id, _sub, round_id = _current_return(conn, unit)
        standing = standing_signoff(conn, unit_id, round_id)
        if standing is None:
            raise UsageError(f"“{unit}”本轮的报表没有生效的签署，无需重新打开。")
        void_in(conn, standing.submission_id, reason, actor)
    record(engine, "signoff_void", actor=actor, role="office", address=address, target=unit, detail=reason)
    return signoff(engine, standing.id)


def signoff(engine: Engine, signoff_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        row = session.execute(
            select(Signoff, Unit.name, Round.name)
            .join(Unit, Signoff.unit_id == Unit.id)
            .join(Round, Signoff.round_id == Round.id, isouter=True)
            .where(Signoff.id == signoff_id)
        ).first()
    if row is None:
        raise UsageError(f"没有编号为 {signoff_id} 的签署记录。")
    return _as_dict(*row)


def history(engine: Engine, unit: str | None = None) -> list[dict[str, Any]]:
    """Every signature, standing or void, newest first; one unit's or all."""
    q = (
        select(Signoff, Unit.name, Round.name)
        .join(Unit, Signoff.unit_id == Unit.id)
        .join(Round, Signoff.round_id == Round.id, isouter=True)
        .order_by(Signoff.signed_at.desc(), Signoff.id.desc())
    )
    if unit:
        q = q.where(Unit.name == unit)
    with Session(engine) as session:
        return [_as_dict(*row) for row in session.execute(q)]


def status(engine: Engine, unit: str) -> dict[str, Any]:
    """What the unit's sign-off page shows: the current return, the standing signature, the history."""
    with engine.connect() as conn:
        unit_id, sub, round_id = _current_return(conn, unit)
        standing = standing_signoff(conn, unit_id, round_id)
        why = lock_reason(conn, unit_id, round_id)
    return {
        "submission": {"id": sub.id, "file_name": sub.file_name, "sha256": sub.sha256, "systems": sub.systems} if sub else None,
        "signed": signoff(engine, standing.id) if standing else None,
        "locked": why,
        "history": history(engine, unit),
    }
