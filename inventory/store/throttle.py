"""Counting attempts under a key in one atomic statement, so that a limit holds however many requests
arrive at once, in one process or in several, on SQLite or PostgreSQL.

An attempt is taken *before* the work it guards (checking a password), so forty guesses sent in
parallel cannot all be checked while the count is still low: the statement that raises the count also
says whether the limit was already reached. A key's window restarts once it has passed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, case, delete, or_, update

from .models import LoginLimit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _insert(engine: Engine):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take(engine: Engine, key: str, limit: int, window: dt.timedelta) -> bool:
    """Count one attempt under `key`; False (and nothing counted) when `limit` attempts were already
    counted in the current window."""
    now = _now()
    expired = LoginLimit.window_start < now - window
    with engine.begin() as conn:
        conn.execute(_insert(engine)(LoginLimit).values(key=key[:300], count=0, window_start=now).on_conflict_do_nothing())
        done = conn.execute(
            update(LoginLimit)
            .where(LoginLimit.key == key[:300], or_(expired, LoginLimit.count < limit))
            .values(
                count=case((expired, 1), else_=LoginLimit.count + 1),
                window_start=case((expired, now), else_=LoginLimit.window_start),
            )
        )
        return done.rowcount == 1


def give_back(engine: Engine, key: str) -> None:
    """Un-count one attempt (it succeeded: only failures should hold a key back)."""
    with engine.begin() as conn:
        conn.execute(update(LoginLimit).where(LoginLimit.key == key[:300], LoginLimit.count > 0).values(count=LoginLimit.count - 1))


def clear(engine: Engine, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(LoginLimit).where(LoginLimit.key == key[:300]))


def counted(engine: Engine, key: str, window: dt.timedelta) -> int:
    """The attempts counted under `key` in its current window (0 once the window has passed)."""
    from sqlalchemy import select

    with engine.connect() as conn:
        row = conn.execute(select(LoginLimit.count, LoginLimit.window_start).where(LoginLimit.key == key[:300])).first()
    if row is None:
        return 0
    start = row.window_start if row.window_start.tzinfo else row.window_start.replace(tzinfo=dt.UTC)
    return int(row.count) if start >= _now() - window else 0


def forget_old(engine: Engine, older_than: dt.timedelta) -> int:
    """Drop keys whose window ended long ago (the table stays small)."""
    with engine.begin() as conn:
        return conn.execute(delete(LoginLimit).where(LoginLimit.window_start < _now() - older_than)).rowcount or 0
