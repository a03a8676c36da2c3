"""Survey rounds: open one, close it, pick one. A round's settings (reference date, deadline,
scope, form version) are data in the database, so the same tool serves the pilot, the province-wide
roll-out and every yearly update."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select, update

from ..beijing import local_text, today
from ..errors import UsageError
from ..form.model import live_deadline
from ..store.current import current_round_id
from ..store.models import Round

SCOPES = ("all", "pilot")


def as_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "key": r.key,
        "name": r.name,
        "form_version": r.form_version,
        "scope": r.scope,
        "as_of": r.as_of.isoformat() if r.as_of else None,
        "deadline": r.deadline.isoformat() if r.deadline else None,
        "status": r.status,
        "opened_at": beijing(r.opened_at),
        "closed_at": beijing(r.closed_at),
    }


def beijing(t: dt.datetime | None) -> str | None:
    """A stored moment as Beijing time to the minute, the same text from PostgreSQL (which gives it back
    with its zone) and SQLite (which gives back the UTC it was written in, without one)."""
    return local_text(t) if t is not None else None


def rounds(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [as_dict(r) for r in conn.execute(select(Round).order_by(Round.id))]


def pick(engine: Engine, key: str | None = None) -> dict[str, Any] | None:
    """A round by its key; without one, the open round (or the latest). None in a database without rounds."""
    with engine.connect() as conn:
        if key is None:
            rid = current_round_id(conn)
            row = conn.execute(select(Round).where(Round.id == rid)).first() if rid is not None else None
        else:
            row = conn.execute(select(Round).where(Round.key == key)).first()
            if row is None:
                known = "、".join(conn.scalars(select(Round.key).order_by(Round.id)))
                raise UsageError(f"没有调查轮次“{key}”。", hint=f"已有的轮次：{known or '无'}（`inventory round list`）。")
    return as_dict(row) if row is not None else None


def reference_date(engine: Engine) -> dt.date | None:
    """The open round's 数据统计截止日期: what new returns are checked against."""
    r = pick(engine)
    return dt.date.fromisoformat(r["as_of"]) if r and r["as_of"] else None


def previous(engine: Engine, round_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(Round).where(Round.id < round_id).order_by(Round.id.desc())).first()
    return as_dict(row) if row is not None else None


def open_round(
    engine: Engine,
    key: str,
    name: str,
    as_of: dt.date | None,
    deadline: dt.date | None = None,
    scope: str = "all",
    form_version: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Open a new round; the round open until now is closed (returns go to one round at a time), and
    is named under `closed` in what is returned. A round still before its deadline is closed early only
    with `force`: one opened by mistake would end the collection everywhere (`reopen_round` undoes it)."""
    key = key.strip()
    if not key or len(key) > 60:
        raise UsageError("轮次代号不能为空，最长 60 个字符，例如 2026。")
    if scope not in SCOPES:
        raise UsageError(f"--scope 只能是 {'、'.join(SCOPES)}。")
    if as_of and deadline and deadline < as_of:
        raise UsageError("报送截止日期不能早于数据统计截止日期。")
    if deadline and deadline < today():  # it would count as unset (`live_deadline`): never accepted silently
        raise UsageError(
            f"报送截止日期 {deadline} 已经过去（今天是 {today()}，北京时间）。",
            hint="请写今后的日期；也可以先不写，以后用 `inventory round deadline 日期` 设置。",
        )
    now = dt.datetime.now(dt.UTC)
    values = {
        "key": key,
        "name": name,
        "form_version": form_version,
        "scope": scope,
        "as_of": as_of,
        "deadline": deadline,
        "status": "open",
        "opened_at": now,
        "closed_at": None,
    }
    with engine.begin() as conn:
        if conn.scalar(select(Round.id).where(Round.key == key)) is not None:
            raise UsageError(
                f"轮次“{key}”已经存在。",
                hint=f"新一轮请换一个代号；要回到“{key}”这一轮，用 `inventory round reopen {key}`（`inventory round list` 列出全部轮次）。",
            )
        closed = None
        if (first := _empty_first(conn)) is not None:  # this one takes its place
            conn.execute(update(Round).where(Round.id == first).values(**values))
        else:
            closed = _still_open(conn)
            if closed is not None and not force:
                _refuse_early(closed, f"开启“{key}”")
            conn.execute(update(Round).where(Round.status == "open").values(status="closed", closed_at=now))
            conn.execute(Round.__table__.insert().values(**values))
    made = pick(engine, key)
    assert made is not None
    return {**made, "closed": closed}


def closed_by_opening(engine: Engine) -> dict[str, Any] | None:
    """The round that opening a new one would close: None when none is open, or when the open one is a
    new database's empty first round (the new one takes its place)."""
    with engine.connect() as conn:
        return None if _empty_first(conn) is not None else _still_open(conn)


def _empty_first(conn: Any) -> int | None:
    """A new database's first round, when nothing is stored in it yet (a round opened takes its place)."""
    rounds = conn.scalars(select(Round.id)).all()
    return rounds[0] if len(rounds) == 1 and not _used(conn, rounds[0]) else None


def _still_open(conn: Any) -> dict[str, Any] | None:
    row = conn.execute(select(Round).where(Round.status == "open")).first()
    return as_dict(row) if row is not None else None


def _refuse_early(open_: dict[str, Any], doing: str) -> None:
    """A round collecting before its deadline is not closed without being asked twice."""
    deadline = live_deadline(open_)
    if deadline is None or deadline < today():
        return
    days = (deadline - today()).days
    raise UsageError(
        f"轮次“{open_['key']}”（{open_['name']}）还在收集：报送截止 {deadline}，还有 {days} 天。{doing}会关闭它，"
        "此后各级上传和入库的报表都算新一轮的。",
        hint="确实要提前结束本轮，请加 --force（填报平台上会先请您确认）；开错了可用 `inventory round reopen 代号` 重新打开原来的轮次。",
    )


def reopen_round(engine: Engine, key: str, force: bool = False) -> dict[str, Any]:
    """Open a closed round again (undoing a new round opened by mistake, or taking a late return into
    the round it belongs to); the round open until now is closed, named under `closed`."""
    r = pick(engine, key)
    assert r is not None
    if r["status"] == "open":
        raise UsageError(f"轮次“{r['key']}”现在就是开放的，不需要重新打开。")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        closed = _still_open(conn)
        if closed is not None and not force:
            _refuse_early(closed, f"重新打开“{r['key']}”")
        conn.execute(update(Round).where(Round.status == "open").values(status="closed", closed_at=now))
        conn.execute(update(Round).where(Round.id == r["id"]).values(status="open", closed_at=None))
    made = pick(engine, key)
    assert made is not None
    return {**made, "closed": closed}


def _used(conn: Any, round_id: int) -> bool:
    """Whether anything is stored in the round (a return, a review, a step, evidence, ...): every table
    that points at a round is asked."""
    from ..store import evidence_models  # noqa: F401  (its tables point at rounds too)

    pointing = [
        c for t in Round.metadata.sorted_tables for c in t.columns if any(fk.column.table is Round.__table__ for fk in c.foreign_keys)
    ]
    return any(conn.scalar(select(c).where(c == round_id).limit(1)) is not None for c in pointing)


def close_round(engine: Engine, key: str | None = None) -> dict[str, Any]:
    r = pick(engine, key)
    if r is None:
        raise UsageError("数据库里还没有调查轮次。")
    with engine.begin() as conn:
        conn.execute(update(Round).where(Round.id == r["id"]).values(status="closed", closed_at=dt.datetime.now(dt.UTC)))
    return pick(engine, r["key"])


def set_deadline(engine: Engine, deadline: dt.date | None, key: str | None = None) -> dict[str, Any]:
    """Move (or clear) a round's deadline for returns: the open round unless one is named."""
    r = pick(engine, key)
    if r is None:
        raise UsageError("还没有调查轮次，请先开启一轮（填写名称、数据统计截止日期和报送截止日期）。")
    if deadline and r["as_of"] and deadline < dt.date.fromisoformat(r["as_of"]):
        raise UsageError("报送截止日期不能早于数据统计截止日期。")
    if deadline and r["opened_at"] and deadline < dt.datetime.fromisoformat(r["opened_at"]).date():
        raise UsageError(f"报送截止日期不能早于本轮开启的日期（{r['opened_at'][:10]}）。")
    with engine.begin() as conn:
        conn.execute(update(Round).where(Round.id == r["id"]).values(deadline=deadline))
    return pick(engine, r["key"])
