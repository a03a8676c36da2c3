"""One identity per system across returns and rounds: a new return's systems take the keys of the
unit's previous return, matched by 系统编号, else by name; what is new gets a new key. The same pass
says what changed since that return."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Text, case, cast, select

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


def _canon(values: Any) -> bytes:
    """Values as JSON with keys sorted, so a return read now compares with one stored another way."""
    if isinstance(values, (str, bytes)):
        values = orjson.loads(values)
    return orjson.dumps(orjson.loads(orjson.dumps(values, default=str)), option=orjson.OPT_SORT_KEYS)


def _same(stored: Any, values: dict[str, Any]) -> bool:
    """Whether a stored row holds these values. The store writes rows with orjson in the form's field
    order, so an unchanged row is the same text (a fast comparison for 100k rows); only rows whose text
    differs are parsed and compared with keys sorted (another form version, another writer)."""
    try:
        if isinstance(stored, (str, bytes)) and orjson.dumps(values).decode() == (stored.decode() if isinstance(stored, bytes) else stored):
            return True
    except TypeError:
        pass
    return _canon(stored) == _canon(values)


def _name(text: Any) -> str:
    return clean_text(str(text or ""))


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
    by_no: dict[str, tuple[str, Any]] = {}
    by_name: dict[str, tuple[str, Any]] = {}
    if prior is not None:  # matched on the typed columns; the stored text (as written: json, not jsonb) is kept, not parsed
        out.previous = prior
        q = select(
            SystemRecord.system_key,
            SystemRecord.id,
            SystemRecord.system_no,
            SystemRecord.system_name,
            cast(SystemRecord.data, Text),
        ).where(SystemRecord.submission_id == prior)
        for key, rid, number, name, data in conn.execute(q):
            entry = (key or f"r{rid}", data)
            if number:
                by_no.setdefault(str(number), entry)
            by_name.setdefault(_name(name), entry)
    used: set[str] = set()
    for excel_row, values in rows:
        hit = by_no.get(str(values.get("system_no") or "")) or by_name.get(_name(values.get("system_name")))
        if hit is not None and hit[0] not in used:
            used.add(hit[0])
            out.keys[excel_row] = hit[0]
            if _same(hit[1], values):
                out.unchanged += 1
            else:
                out.changed += 1
        else:
            out.keys[excel_row] = uuid.uuid4().hex[:16]
            out.added += 1 if prior is not None else 0
    if prior is not None:
        out.missing = len({k for k, _ in by_name.values()} | {k for k, _ in by_no.values()}) - len(used)
    return out
