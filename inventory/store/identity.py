"""One identity per system across returns and rounds: a new return's systems take the keys of the
unit's previous return, matched by 系统编号, else by name; what is new gets a new key. The same pass
says what changed since that return."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, String, case, select, type_coerce

from ..form.normalize import clean_text
from .models import ACCEPTED, SUPERSEDED, Submission, SystemRecord


@dataclass
class Matched:
    keys: dict[int, str] = field(default_factory=dict)  # Excel row -> system key
    previous: int | None = None  # the submission compared with
    unchanged: int = 0
    changed: int = 0
    added: int = 0
    missing: int = 0  # systems of the previous return this one no longer lists

    def note(self) -> str | None:
        if self.previous is None:
            return None
        if not (self.changed or self.added or self.missing):
            return f"与上一次报送（报送号 {self.previous}）相同：{self.unchanged} 个系统均已确认无变化"
        return f"与上一次报送（报送号 {self.previous}）相比：无变化 {self.unchanged} 个，有变化 {self.changed} 个，新增 {self.added} 个，未再填报 {self.missing} 个"


def _canon(values: dict[str, Any]) -> bytes:
    """Values as stored (JSON, keys sorted), so a return read now compares with one stored before."""
    return orjson.dumps(orjson.loads(orjson.dumps(values, default=str)), option=orjson.OPT_SORT_KEYS)


def _name(values: dict[str, Any]) -> str:
    return clean_text(str(values.get("system_name") or ""))


def match_systems(conn: Connection, unit_id: int | None, rows: list[tuple[int, dict[str, Any]]]) -> Matched:
    out = Matched()
    prior = None
    if unit_id is not None:
        prior = conn.scalar(
            select(Submission.id)
            .where(Submission.unit_id == unit_id, Submission.status.in_((ACCEPTED, SUPERSEDED)))
            .order_by(Submission.round_id.desc(), case((Submission.status == ACCEPTED, 0), else_=1), Submission.id.desc())
            .limit(1)
        )
    by_no: dict[str, tuple[str, bytes]] = {}
    by_name: dict[str, tuple[str, bytes]] = {}
    if prior is not None:
        out.previous = prior
        q = select(SystemRecord.system_key, SystemRecord.id, type_coerce(SystemRecord.data, String)).where(
            SystemRecord.submission_id == prior
        )
        for key, rid, data in conn.execute(q):
            values = orjson.loads(data) if isinstance(data, (str, bytes)) else data
            entry = (key or f"r{rid}", _canon(values))
            if values.get("system_no"):
                by_no.setdefault(str(values["system_no"]), entry)
            by_name.setdefault(_name(values), entry)
    used: set[str] = set()
    for excel_row, values in rows:
        hit = by_no.get(str(values.get("system_no") or "")) or by_name.get(_name(values))
        if hit is not None and hit[0] not in used:
            used.add(hit[0])
            out.keys[excel_row] = hit[0]
            if hit[1] == _canon(values):
                out.unchanged += 1
            else:
                out.changed += 1
        else:
            out.keys[excel_row] = uuid.uuid4().hex[:16]
            out.added += 1 if prior is not None else 0
    if prior is not None:
        out.missing = len({k for k, _ in by_name.values()} | {k for k, _ in by_no.values()}) - len(used)
    return out
