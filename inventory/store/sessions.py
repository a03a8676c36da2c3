"""Signed-in browsers, held in the database: a session is a random token the browser keeps (only its
hash is stored), ended at logout, after an idle spell, after an absolute lifetime, and when the
account's password changes or the account is closed. A copied cookie stops working the moment its
session ends, on every worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, select, update

from .models import WebSession

IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=8)
TOUCH = dt.timedelta(seconds=60)  # `seen_at` is written at most once a minute per session


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(engine: Engine, account_id: int, address: str | None = None) -> str:
    """A new session for the account: its token (for the cookie), never stored as such."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            WebSession.__table__.insert().values(
                token_hash=_hash(token), account_id=account_id, created_at=now, seen_at=now, address=address
            )
        )
    return token


def holder(engine: Engine, token: str, idle: dt.timedelta = IDLE, lifetime: dt.timedelta = LIFETIME) -> int | None:
    """The account a live session belongs to (its idle clock restarted); None when the session was
    ended, sat idle too long, or has outlived its lifetime (it is then ended for good)."""
    if not isinstance(token, str) or not token:
        return None
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(
            select(WebSession.id, WebSession.account_id, WebSession.created_at, WebSession.seen_at, WebSession.ended_at).where(
                WebSession.token_hash == _hash(token)
            )
        ).first()
        if row is None or row.ended_at is not None:
            return None
        if now - _aware(row.seen_at) > idle or now - _aware(row.created_at) > lifetime:
            conn.execute(update(WebSession).where(WebSession.id == row.id).values(ended_at=now))
            return None
        if now - _aware(row.seen_at) > TOUCH:
            conn.execute(update(WebSession).where(WebSession.id == row.id).values(seen_at=now))
        return int(row.account_id)


def end(engine: Engine, token: str) -> None:
    if isinstance(token, str) and token:
        with engine.begin() as conn:
            conn.execute(
                update(WebSession).where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None)).values(ended_at=_now())
            )


def end_all(engine: Engine, account_id: int, keep: str | None = None) -> int:
    """End every session of an account (a password change, a closed account), but `keep`'s."""
    q = update(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
    if keep:
        q = q.where(WebSession.token_hash != _hash(keep))
    with engine.begin() as conn:
        return conn.execute(q.values(ended_at=_now())).rowcount or 0


def forget_old(engine: Engine, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Drop sessions that ended (or began) long ago; the audit log keeps the sign-ins."""
    with engine.begin() as conn:
        return conn.execute(delete(WebSession).where(WebSession.created_at < _now() - older_than)).rowcount or 0
