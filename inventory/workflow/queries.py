"""Queries on findings and fields (REDCap's data resolution workflow, for a survey's findings): the
office opens a query on a system's finding or field, the unit answers with an explanation (and may
name a file of evidence it sent), the office closes it as accepted or not accepted. A query is kept
by the system's key (`store/identity.py`), so its thread and state follow the system across
resubmissions and rounds; a unit's report lists the queries still waiting on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from ..beijing import shown as beijing
from ..errors import UsageError
from ..store.audit import record
from ..store.current import current_round_id
from ..store.evidence_models import Query, QueryMessage
from ..store.models import ACCEPTED, Submission, SystemRecord, Unit

STATES = {"open": "待单位答复", "answered": "单位已答复", "accepted": "已采纳", "rejected": "未采纳"}
OPEN = ("open", "answered")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(text: str | None, what: str) -> str:
    t = (text or "").strip()[:4000]
    if not t:
        raise UsageError(f"请写明{what}。")
    return t


def _topics(form: Any = None) -> dict[str, str]:
    """What a query may be about, key -> its name in Chinese: each finding kind, each field of the system list."""
    from ..form.assessment import load_findings
    from ..form.load import load_form

    out = {code: meta["title"] for code, meta in load_findings()["findings"].items()}
    out.update({f.key: f.title for f in (form or load_form()).main.fields})
    return out


def topic_key(topic: str, form: Any = None) -> str:
    """The finding code or field key a query is about, from the code, the key or its Chinese name."""
    topics, said = _topics(form), (topic or "").strip()
    if said in topics:
        return said
    by_name = {name.strip("*"): key for key, name in topics.items()}
    if said.strip("*") in by_name:
        return by_name[said.strip("*")]
    near = [name for name in by_name if said and (said in name or name in said)][:5]
    raise UsageError(
        f"“{said}”既不是评估发现，也不是系统清单的字段。",
        hint=("是不是：" + "、".join(near) + "？")
        if near
        else "填评估发现的名称（如“非涉密系统未部署在政务云”）或字段名称（如“等保备案情况”），也可填编码。",
    )


def topic_name(key: str, form: Any = None) -> str:
    return _topics(form).get(key, key)


def open_query(engine: Engine, unit: str, system_no: str, topic: str, text: str, actor: str | None, form: Any = None) -> dict[str, Any]:
    """The office asks about a finding (a FIND_* code) or a field of one of the unit's current systems."""
    topic = topic_key(topic, form)
    text = _text(text, "要单位核实或说明的内容")
    with engine.begin() as conn:
        uid = conn.scalar(select(Unit.id).where(Unit.name == unit))
        if uid is None:
            raise UsageError(f"名册中没有单位“{unit}”。")
        rid = current_round_id(conn)
        row = conn.execute(
            select(SystemRecord.system_key, SystemRecord.system_name)
            .join(Submission, SystemRecord.submission_id == Submission.id)
            .where(Submission.unit_id == uid, Submission.status == ACCEPTED, SystemRecord.system_no == system_no)
            .order_by(Submission.round_id.desc(), Submission.id.desc())
            .limit(1)
        ).first()
        if row is None:
            raise UsageError(f"“{unit}”当前的报表中没有系统编号“{system_no}”。")
        qid = conn.execute(
            insert(Query).values(
                unit_id=uid,
                system_key=row.system_key,
                system_no=system_no,
                system_name=row.system_name,
                topic=topic,
                state="open",
                round_id=rid,
                opened_by=actor,
                opened_at=_now(),
            )
        ).inserted_primary_key[0]
        conn.execute(insert(QueryMessage).values(query_id=qid, author=actor, side="office", text=text, at=_now()))
    record(engine, "query_open", actor=actor, role="office", target=unit, detail=f"{system_no} {topic}：{text}")
    return query(engine, qid)


def answer(engine: Engine, query_id: int, unit: str, text: str, actor: str | None, attachment_id: int | None = None) -> dict[str, Any]:
    """The unit answers an open query of its own (an explanation, and maybe a file it sent)."""
    q = query(engine, query_id)
    if q["unit"] != unit:
        raise UsageError(f"没有编号为 {query_id} 的核实事项。")
    if q["state"] not in OPEN:
        raise UsageError(f"这个核实事项现在是“{STATES[q['state']]}”，不能再答复。")
    text = _text(text, "说明")
    with engine.begin() as conn:
        conn.execute(
            insert(QueryMessage).values(query_id=query_id, author=actor, side="unit", text=text, attachment_id=attachment_id, at=_now())
        )
        conn.execute(update(Query).where(Query.id == query_id).values(state="answered"))
    record(engine, "query_answer", actor=actor, role="unit", target=str(query_id), detail=text)
    return query(engine, query_id)


def close(engine: Engine, query_id: int, accepted: bool, note: str | None, actor: str | None) -> dict[str, Any]:
    """The office closes a query: the answer accepted, or not accepted (a note says why)."""
    q = query(engine, query_id)
    if q["state"] not in OPEN:
        raise UsageError(f"这个核实事项现在是“{STATES[q['state']]}”，不用再处理。")
    note = (note or "").strip()[:4000]
    if not accepted and not note:
        raise UsageError("不采纳时请写明理由。", hint="理由会显示给单位。")
    state = "accepted" if accepted else "rejected"
    with engine.begin() as conn:
        if note:
            conn.execute(insert(QueryMessage).values(query_id=query_id, author=actor, side="office", text=note, at=_now()))
        conn.execute(update(Query).where(Query.id == query_id).values(state=state, closed_by=actor, closed_at=_now()))
    record(engine, "query_close", actor=actor, role="office", target=str(query_id), detail=f"{STATES[state]} {note}")
    return query(engine, query_id)


def _as_dict(q: Query, unit: str, messages: list[QueryMessage]) -> dict[str, Any]:
    return {
        "id": q.id,
        "unit": unit,
        "system_key": q.system_key,
        "system_no": q.system_no,
        "system_name": q.system_name,
        "topic": q.topic,
        "topic_name": topic_name(q.topic),
        "state": q.state,
        "state_name": STATES[q.state],
        "opened_by": q.opened_by,
        "opened_at": beijing(q.opened_at),
        "closed_at": beijing(q.closed_at),
        "thread": [
            {"side": m.side, "author": m.author, "text": m.text, "attachment_id": m.attachment_id, "at": beijing(m.at)} for m in messages
        ],
    }


def listing(engine: Engine, unit: str | None = None, open_only: bool = False, query_id: int | None = None) -> list[dict[str, Any]]:
    """Queries with their threads, newest first: of one unit or all, open ones only if asked. Every
    round's: a query stays with its system until it is closed."""
    q = select(Query, Unit.name).join(Unit, Query.unit_id == Unit.id).order_by(Query.opened_at.desc(), Query.id.desc())
    if unit:
        q = q.where(Unit.name == unit)
    if open_only:
        q = q.where(Query.state.in_(OPEN))
    if query_id is not None:
        q = q.where(Query.id == query_id)
    with Session(engine) as s:
        rows = s.execute(q).all()
        ids = [r[0].id for r in rows]
        messages: dict[int, list[QueryMessage]] = {}
        if ids:
            for m in s.scalars(select(QueryMessage).where(QueryMessage.query_id.in_(ids)).order_by(QueryMessage.at, QueryMessage.id)):
                messages.setdefault(m.query_id, []).append(m)
        return [_as_dict(qq, name, messages.get(qq.id, [])) for qq, name in rows]


def query(engine: Engine, query_id: int) -> dict[str, Any]:
    found = listing(engine, query_id=query_id)
    if not found:
        raise UsageError(f"没有编号为 {query_id} 的核实事项。")
    return found[0]
