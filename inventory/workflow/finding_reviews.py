"""Reviews of findings: the office confirms, dismisses (with a reason) or marks a finding fixed.

The history is kept; the latest review of a finding is its state, and it holds only while the
finding's evidence is the one the reviewer saw (the fingerprint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, insert, or_, select

from ..beijing import iso
from ..store.models import FindingReview

STATES = {"confirmed": "已确认", "dismissed": "已排除", "fixed": "已整改"}


def record_reviews(
    engine: Engine, findings: Iterable[Any], state: str, reason: str | None, operator: str | None, round_id: int | None = None
) -> list[dict[str, Any]]:
    """Store one review per finding, all or nothing, in the round whose findings were reviewed; returns
    what was recorded."""
    if state not in STATES:
        raise ValueError(state)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "finding_id": f.id,
            "fingerprint": f.fingerprint,
            "code": f.code,
            "unit": f.unit,
            "system": f.system,
            "state": state,
            "reason": reason,
            "operator": operator,
            "reviewed_at": now,
            "round_id": round_id,
        }
        for f in findings
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(FindingReview), rows)
    return [{k: iso(v) if isinstance(v, dt.datetime) else v for k, v in r.items()} for r in rows]


def latest_reviews(engine: Engine, round_id: int | None = None) -> dict[str, dict[str, Any]]:
    """Finding id -> its latest review, as it stood in round `round_id`: a review made in that round or
    an earlier one carries on (while the evidence is the same); one made later does not reach back."""
    q = select(FindingReview).order_by(FindingReview.reviewed_at, FindingReview.id)
    if round_id is not None:
        q = q.where(or_(FindingReview.round_id.is_(None), FindingReview.round_id <= round_id))
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for r in conn.execute(q).mappings():
            out[r["finding_id"]] = {
                "state": r["state"],
                "reason": r["reason"],
                "operator": r["operator"],
                "reviewed_at": iso(r["reviewed_at"]) if r["reviewed_at"] else None,
                "fingerprint": r["fingerprint"],
                "round_id": r["round_id"],
            }
    return out
