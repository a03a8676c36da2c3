"""The audit log: who did what, when and from where, for every action on the portal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select

from .models import AuditEntry


def record(
    engine: Engine,
    action: str,
    actor: str | None = None,
    role: str | None = None,
    address: str | None = None,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            AuditEntry.__table__.insert().values(
                at=dt.datetime.now(dt.UTC),
                actor=actor,
                role=role,
                address=address,
                action=action,
                target=target,
                detail=(detail or "")[:2000] or None,
            )
        )


def failures(engine: Engine, action: str, since: dt.datetime, address: str | None = None, target: str | None = None) -> int:
    """How many `action` entries since a time, from an address or about a target (the login rate limit)."""
    q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action, AuditEntry.at >= since)
    if address is not None:
        q = q.where(AuditEntry.address == address)
    if target is not None:
        q = q.where(AuditEntry.target == target)
    with engine.connect() as conn:
        return int(conn.scalar(q) or 0)


def entries(engine: Engine, limit: int = 500) -> list[dict[str, Any]]:
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [
            {
                "at": r.at.isoformat(timespec="seconds"),
                "actor": r.actor,
                "role": r.role,
                "address": r.address,
                "action": r.action,
                "target": r.target,
                "detail": r.detail,
            }
            for r in conn.execute(q)
        ]
