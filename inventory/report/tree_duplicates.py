"""Duplicates across the whole tree, for a report of one office's part.

A county's system may duplicate one built in the next county, or be the copy of a 省垂 system the
province reports: an office's report shows every duplicate finding that touches its part, whoever
the other members are. Detection needs every system of the round, but only a few fields of each
(name, owner, 业务功能, 建设方式, 使用范围, 运行状态, 系统类别, 系统编号): those are read straight from the
stored JSON by the database. The round's result is kept in this process and in the database (the
`settings` table, under the round) until a return changes the round, the tree, the rules or the
encoder: the portal's next page, and the next office's report from the command line, answer from it
at the cost of their own part.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from ..assess import Finding, System, duplicate_findings
from ..meaning import encoder_name
from ..store.models import ACCEPTED, Setting, Submission, SystemRecord, Unit

FIELDS = ("system_no", "system_name", "owner_unit", "functions", "build_mode", "scope", "status", "category")
_held: dict[tuple[Any, ...], list[Finding]] = {}


def _stamp(engine: Engine, round_id: int | None, rules: dict[str, Any]) -> str:
    """What the round's duplicates depend on: its current returns, the tree, the rules and the encoder."""
    q = select(func.count(Submission.id), func.max(Submission.id)).where(Submission.status == ACCEPTED)
    q = q.where(Submission.round_id == round_id) if round_id is not None else q
    with engine.connect() as conn:
        count, last = conn.execute(q).one()
        tree = conn.scalar(select(Setting.value).where(Setting.key == "units_version"))
    return f"{count}:{last}:{tree}:{_rules_hash(orjson.dumps(rules, option=orjson.OPT_SORT_KEYS))}:{encoder_name()}"


@lru_cache(maxsize=4)
def _rules_hash(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def _dump(findings: list[Finding]) -> str:
    def system(s: System) -> list[Any]:  # only the fields detection reads: the part's own systems are read in full
        return [s.unit, s.submission_id, s.row, {k: s.values.get(k) for k in FIELDS}, s.findings, s.counted, s.key]

    rows = [[f.code, f.severity, f.unit, f.system, f.message, f.evidence, list(f.subject), [system(s) for s in f.about]] for f in findings]
    return orjson.dumps(rows, default=str).decode()


def _load(raw: str) -> list[Finding]:
    out = []
    for code, severity, unit, system, message, evidence, subject, about in orjson.loads(raw):
        members = []
        for s_unit, sub, row, values, codes, counted, key in about:
            member = System(unit=s_unit, submission_id=sub, row=row, values=values, key=key)
            member.findings, member.counted = codes, counted
            members.append(member)
        out.append(Finding(code, severity, unit, system, message, evidence, tuple(subject), about=members))
    return out


def _stored(engine: Engine, name: str, stamp: str) -> list[Finding] | None:
    with engine.connect() as conn:
        raw = conn.scalar(select(Setting.value).where(Setting.key == name))
    if not raw or not raw.startswith(stamp + "\n"):
        return None
    return _load(raw[len(stamp) + 1 :])


def _remember(engine: Engine, name: str, value: str) -> None:
    """Best effort: a database this process may only read still gets its report."""
    try:
        with engine.begin() as conn:
            conn.execute(delete(Setting).where(Setting.key == name))
            conn.execute(insert(Setting).values(key=name, value=value))
    except SQLAlchemyError:
        pass


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


def _where(engine: Engine, round_id: int | None, rules: dict[str, Any]) -> tuple[tuple[Any, ...], str, str]:
    stamp = _stamp(engine, round_id, rules)
    return (engine.url.render_as_string(hide_password=False), round_id, stamp), f"duplicates:{round_id}", stamp


def kept(engine: Engine, round_id: int | None, rules: dict[str, Any]) -> list[Finding] | None:
    """The round's duplicate findings when they were worked out for its present state (in this
    process or, by any process, in the database), else None."""
    key, name, stamp = _where(engine, round_id, rules)
    held = _held.get(key)
    if held is None and (held := _stored(engine, name, stamp)) is not None:
        _held.clear()  # one round's result at a time: it is the one being worked on
        _held[key] = held
    return held


def keep(engine: Engine, round_id: int | None, rules: dict[str, Any], findings: list[Finding]) -> list[Finding]:
    """Keep the round's duplicate findings, worked out over all its systems by the caller (the
    province's report does it beside its other work); returns them unchanged."""
    key, name, stamp = _where(engine, round_id, rules)
    raw = _dump(findings)
    _remember(engine, name, f"{stamp}\n{raw}")
    _held.clear()
    _held[key] = _load(raw)  # a copy: the caller's findings go on to carry its reviews
    return findings


def whole_round(engine: Engine, round_id: int | None, rules: dict[str, Any], roster: Any) -> list[Finding]:
    """The round's duplicate findings over every unit, worked out once per state of the round."""
    held = kept(engine, round_id, rules)
    if held is None:
        keep(engine, round_id, rules, duplicate_findings(round_systems(engine, round_id), rules, roster))
        held = kept(engine, round_id, rules)
        assert held is not None
    return held


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
