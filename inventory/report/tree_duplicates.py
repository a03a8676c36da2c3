"""Duplicates across the whole tree, for a report of one office's part.

A county's system may duplicate one built in the next county, or be the copy of a 省垂 system the
province reports: an office's report shows every duplicate finding that touches its part, whoever
the other members are. Detection needs every system of the round, but only a few fields of each
(name, owner, 业务功能, 建设方式, 使用范围, 运行状态, 系统类别, 系统编号): those are read straight from the
stored JSON by the database, and the round's result is kept in this process until a return changes
the round (the portal's next page of any office answers from it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Engine, func, select

from ..assess import Finding, System, duplicate_findings
from ..store.models import ACCEPTED, Submission, SystemRecord, Unit

FIELDS = ("system_no", "system_name", "owner_unit", "functions", "build_mode", "scope", "status", "category")
_held: dict[tuple[Any, ...], tuple[list[System], list[Finding]]] = {}


def _stamp(engine: Engine, round_id: int | None) -> tuple[Any, ...]:
    q = select(func.count(Submission.id), func.max(Submission.id)).where(Submission.status == ACCEPTED)
    q = q.where(Submission.round_id == round_id) if round_id is not None else q
    with engine.connect() as conn:
        return tuple(conn.execute(q).one())


def round_systems(engine: Engine, round_id: int | None) -> list[System]:
    """Every current system of the round, with only the fields duplicate detection reads."""
    cols = [SystemRecord.data[k].as_string() for k in FIELDS]
    q = (
        select(SystemRecord.id, SystemRecord.submission_id, SystemRecord.row, SystemRecord.system_key, Unit.name, *cols)
        .join(Submission, SystemRecord.submission_id == Submission.id)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.status == ACCEPTED)
        .order_by(SystemRecord.submission_id, SystemRecord.row)
    )
    if round_id is not None:
        q = q.where(Submission.round_id == round_id)
    out = []
    with engine.connect() as conn:
        for rid, sub, row, key, unit, *values in conn.execute(q):
            out.append(System(unit=unit, submission_id=sub, row=row, values=dict(zip(FIELDS, values, strict=True)), key=key or f"r{rid}"))
    return out


def whole_round(engine: Engine, round_id: int | None, rules: dict[str, Any], roster: Any) -> list[Finding]:
    """The round's duplicate findings over every unit, worked out once per state of the round."""
    key = (engine.url.render_as_string(hide_password=False), round_id, _stamp(engine, round_id), id(rules))
    held = _held.get(key)
    if held is None:
        systems = round_systems(engine, round_id)
        held = (systems, duplicate_findings(systems, rules, roster))
        _held.clear()  # one round's result at a time: it is the one being worked on
        _held[key] = held
    return held[1]


def part_duplicates(part: list[System], engine: Engine, round_id: int | None, rules: dict[str, Any], roster: Any) -> list[Finding]:
    """The duplicate findings touching `part` (an office's systems, read in full): their members in the
    part are the part's own systems, which take the findings' codes; the others are named as found."""
    own = {s.key: s for s in part}
    out = []
    for f in whole_round(engine, round_id, rules, roster):
        mine = [own.get(s.key) for s in f.about]
        if not any(mine):
            continue
        for s, light in zip(mine, f.about, strict=True):
            if s is not None:
                s.findings.append(f.code)
                s.counted = s.counted and light.counted
        out.append(dataclasses.replace(f, about=[s or light for s, light in zip(mine, f.about, strict=True)]))
    return out
