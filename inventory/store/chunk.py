"""What a chunk of an import needs from the database, read in a few queries for all its files, and
what it writes in bulk at the end of its transaction.

`Importer.import_files` stores many files in one transaction. File by file, each would ask the same
questions (its unit's row, locked; whether its bytes were seen before; the unit's current and previous
returns and the systems of the latter) and write its rows with its own COPY. Here those questions are
asked once for the chunk and the rows of every file go in one COPY per table. This holds only while
no two files of the chunk share a unit or bytes (one file's writes would change another's answers):
`read` returns None then, and the files are stored one by one as before. The questions a file asks
(`unit_and_lock`, `take_current`) take their answers from the facts when there are some.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from ..form.model import Form
from ..intake.result import FileReport
from .bulk import bulk_insert, rows_of
from .current import RoundState, lock_reason
from .identity import previous_returns
from .models import ACCEPTED, SUPERSEDED, ChildRecord, IssueRecord, Submission, SystemRecord, Unit


@dataclass
class ChunkFacts:
    units: dict[str, int]  # unit name -> row id (locked for the transaction on PostgreSQL)
    seen: dict[str, list[Any]]  # content key -> submissions stored under it
    current: dict[int, Any]  # unit id -> its accepted return in the round (id, filled_on)
    previous: dict[int, tuple[Any, list[tuple[Any, ...]]]]  # unit id -> previous return and its systems
    ids: list[int] = field(default_factory=list)  # submission ids taken for the chunk, handed out in order
    submissions: list[dict[str, Any]] = field(default_factory=list)  # written at the end, before what refers to them
    systems: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, conn: Connection, units: list[str | None], keys: list[str | None], round_id: int | None) -> ChunkFacts | None:
        """The facts for files of these units with these content keys (each file's sha256 and its key
        in this round); None when two files share a unit or bytes."""
        named = [u for u in units if u is not None]
        if len(set(named)) < len(named) or len(set(keys)) < len(keys) or None in keys:
            return None
        q = select(Unit.id, Unit.name).where(Unit.name.in_(named)).order_by(Unit.id)  # locked in one order: no deadlock
        ids = {name: uid for uid, name in conn.execute(q.with_for_update() if conn.dialect.name == "postgresql" else q)}
        seen: dict[str, list[Any]] = {}
        got = select(Submission.id, Submission.status, Submission.round_id, Submission.sha256).where(Submission.sha256.in_(keys))
        for r in conn.execute(got):
            seen.setdefault(r.sha256, []).append(r)
        in_round = Submission.round_id == round_id if round_id is not None else Submission.round_id.is_(None)
        now = select(Submission.id, Submission.unit_id, Submission.filled_on).where(
            Submission.unit_id.in_(list(ids.values())), Submission.status == ACCEPTED, in_round
        )
        current = {r.unit_id: r for r in conn.execute(now)} if ids else {}
        return cls(
            ids, seen, current, previous_returns(conn, list(ids.values())), _take_ids(conn, len(units))
        )  # one id for each file that may be stored

    def add_submission(self, values: dict[str, Any]) -> int:
        new_id = self.ids.pop(0)
        self.submissions.append({"id": new_id, **values})
        return new_id

    def seen_as(self, *keys: str) -> list[Any]:
        return [r for k in keys for r in self.seen.get(k, [])]

    def add_rows(self, form: Form, submission_id: int, unit_id: int | None, data: Any, keys: dict[int, str] | None) -> None:
        systems, children = rows_of(form, submission_id, unit_id, data, keys)
        self.systems += systems
        self.children += children

    def write(self, conn: Connection) -> None:
        """Everything the chunk's files held back, in the same transaction."""
        if self.submissions:
            conn.execute(insert(Submission), self.submissions)
        if self.issues:
            conn.execute(insert(IssueRecord), self.issues)
        for table, rows in ((SystemRecord.__table__, self.systems), (ChildRecord.__table__, self.children)):
            if rows:
                bulk_insert(conn, table, rows)


def _take_ids(conn: Connection, n: int) -> list[int]:
    """`n` new submission ids: from the sequence on PostgreSQL; past the largest on SQLite, where a
    second writer would collide on the key and the chunk is stored again file by file."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        q = text("SELECT nextval(pg_get_serial_sequence('submissions', 'id')) FROM generate_series(1, :n)")
        return [int(i) for i in conn.execute(q, {"n": n}).scalars()]
    top = conn.scalar(select(func.max(Submission.id))) or 0
    return list(range(top + 1, top + n + 1))


def unit_and_lock(
    conn: Connection, report: FileReport, clean: bool, state: RoundState, facts: ChunkFacts | None = None
) -> tuple[int | None, str | None]:
    """The unit's row id, locked for this transaction (PostgreSQL), and why it may not send a return now
    (asked only of a `clean` return: one with errors is refused anyway)."""
    if report.unit is None:
        return None, None
    if facts is not None:  # read and locked with the chunk's other units
        unit_id = facts.units.get(report.unit.name)
    else:
        q = select(Unit.id).where(Unit.name == report.unit.name)
        unit_id = conn.scalar(q.with_for_update() if conn.dialect.name == "postgresql" else q)
    locked = lock_reason(conn, unit_id, state.id, report.unit.path, state) if unit_id is not None and clean else None
    return unit_id, locked


def take_current(
    conn: Connection, unit_id: int, round_id: int | None, filled_on: dt.date | None, facts: ChunkFacts | None = None
) -> tuple[str, bool, str | None]:
    """One rule for which return is current in its round: its own 填报日期, then arrival; an older return
    never wins. The new return's status, whether it is current, and why not."""
    if facts is not None:
        cur = facts.current.get(unit_id)
    else:
        cur = conn.execute(
            select(Submission.id, Submission.filled_on).where(
                Submission.unit_id == unit_id, Submission.status == ACCEPTED, Submission.round_id == round_id
            )
        ).first()
    if cur is None or filled_on is None or cur.filled_on is None or filled_on >= cur.filled_on:
        if cur is not None:
            conn.execute(update(Submission).where(Submission.id == cur.id).values(status=SUPERSEDED))
        return ACCEPTED, True, None
    return SUPERSEDED, False, f"填报日期 {filled_on} 早于当前报送（报送号 {cur.id}，填报日期 {cur.filled_on}），已存档，不替代当前报送"
