"""The key a return's content is stored under: the file's sha256, or, for the same bytes received in
an earlier round or refused before, a key of its own (so that they can be this round's return)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select

from .models import REJECTED, Submission


def round_key(sha: str, round_id: int | None) -> str:
    """The key of a file whose same bytes were received in an earlier round: in this round it is a
    new return (a unit confirming that nothing changed may send last year's file again)."""
    return hashlib.sha256(f"{sha}:round:{round_id}".encode()).hexdigest()


def content_key(conn: Connection, facts: Any, sha: str, round_id: int | None, passes: bool) -> tuple[Any, str]:
    """(the submission these bytes already are in this round, or None; the key to store them under).
    The same bytes sent again in a later round are that round's return; refused before for what has
    changed since (the roster, a rule), bytes that pass now are a return of their own."""
    key = round_key(sha, round_id)
    seen = facts.seen_as(sha, key) if facts is not None else seen_under(conn, sha, key)
    existing = next((r for r in seen if r.round_id == round_id or r.sha256 == key), None)
    if existing and existing.status == REJECTED and passes:
        again = hashlib.sha256(f"{sha}:after:{existing.id}".encode()).hexdigest()
        return next(iter(seen_under(conn, again)), None), again
    return existing, key if seen else sha


def seen_under(conn: Connection, *keys: str) -> list[Any]:
    """The submissions stored under these content keys."""
    q = select(Submission.id, Submission.status, Submission.round_id, Submission.sha256).where(Submission.sha256.in_(keys))
    return list(conn.execute(q).all())
