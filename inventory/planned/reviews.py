"""The 预审 record: each checked project kept with its check, the reviewer's decisions (the latest
holds), and the follow-up in a later round: was it built, as planned, and is it now a duplicate?"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from ..beijing import iso
from ..errors import UsageError
from ..form.normalize import clean_text
from ..store.planned import PlannedProject, PlannedReview
from ..workflow.rounds import pick
from .check import DUPLICATE, OVERLAP, nearest
from .query import query_of

DECISIONS = ("同意立项", "核减后立项", "不予立项", "暂缓")


def project_key(project: dict[str, Any]) -> str:
    return f"{clean_text(project.get('owner_unit') or '')}|{clean_text(project.get('project_name') or '')}"


def save_checks(engine: Engine, results: list[dict[str, Any]], source: str, round_key: str | None = None) -> list[int]:
    """Keep each checked project with its check (a project checked again in the same round is updated,
    its decisions kept); all or nothing. Returns the projects' ids in order."""
    r = pick(engine, round_key)
    rid = r["id"] if r else None
    now = dt.datetime.now(dt.UTC)
    ids = []
    with engine.begin() as conn:
        table = PlannedProject.__table__
        for res in results:
            p = res["project"]
            key = project_key(p)
            row = {
                "round_id": rid,
                "project_key": key,
                "project_name": str(p.get("project_name") or ""),
                "owner_unit": p.get("owner_unit"),
                "budget": p.get("budget"),
                "data": p,
                "outcome": res["outcome"],
                "result": res,
                "source": source,
                "checked_at": now,
            }
            q = select(table.c.id).where(table.c.project_key == key)
            q = q.where(table.c.round_id == rid) if rid is not None else q.where(table.c.round_id.is_(None))
            found = conn.execute(q).scalar()
            if found is None:
                found = conn.execute(table.insert().values(**row)).inserted_primary_key[0]
            else:
                conn.execute(table.update().where(table.c.id == found).values(**row))
            ids.append(int(found))
    return ids


def find_project(engine: Engine, which: str, round_key: str | None = None) -> dict[str, Any]:
    """A stored project by its number or its name (in the round, else in any)."""
    r = pick(engine, round_key)
    with engine.connect() as conn:
        q = select(PlannedProject).order_by(PlannedProject.id.desc())
        rows = list(conn.execute(q))
    if which.strip().isdigit():
        hits = [x for x in rows if x.id == int(which)]
    else:
        hits = [x for x in rows if clean_text(x.project_name) == clean_text(which)]
        in_round = [x for x in hits if r is not None and x.round_id == r["id"]]
        hits = in_round or hits[:1]
    if not hits:
        raise UsageError(
            f"没有拟建项目“{which}”。", hint="先用 `inventory planned check` 比对并保存项目；`inventory planned list` 可以查看编号。"
        )
    if len(hits) > 1:
        raise UsageError(f"有 {len(hits)} 个拟建项目叫“{which}”。", hint="请用项目编号指定（`inventory planned list`）。")
    return _project(hits[0])


def _project(x: Any) -> dict[str, Any]:
    return {
        "id": x.id,
        "round_id": x.round_id,
        "project_name": x.project_name,
        "owner_unit": x.owner_unit,
        "budget": x.budget,
        "outcome": x.outcome,
        "values": x.data,
        "result": x.result,
        "source": x.source,
        "checked_at": iso(x.checked_at, "minutes") if x.checked_at else None,
    }


def decide(
    engine: Engine,
    which: str,
    decision: str,
    note: str | None,
    reviewer: str | None,
    reduction: float | None = None,
    round_key: str | None = None,
) -> dict[str, Any]:
    """Record the reviewer's 预审 decision on a stored project (the latest one holds)."""
    if decision not in DECISIONS:
        raise UsageError(f"预审意见只能是 {'、'.join(DECISIONS)}，收到“{decision}”。")
    if decision == "核减后立项" and reduction is None:
        raise UsageError("核减后立项要写明核减金额（万元）。", hint="加上 --reduction 金额，如 --reduction 120。")
    if reduction is not None and reduction < 0:
        raise UsageError(f"核减金额不能是负数，收到 {reduction}。")
    project = find_project(engine, which, round_key)
    at = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            PlannedReview.__table__.insert().values(
                project_id=project["id"],
                decision=decision,
                reduction=reduction,
                note=(note or "").strip() or None,
                reviewer=reviewer,
                decided_at=at,
            )
        )
    return {
        **project,
        "review": {
            "decision": decision,
            "reduction": reduction,
            "note": note,
            "reviewer": reviewer,
            "decided_at": iso(at, "minutes"),
        },
    }


def projects(engine: Engine, round_key: str | None = None, every_round: bool = False) -> list[dict[str, Any]]:
    """Stored projects (of the round, or of every round) with their latest decision."""
    r = None if every_round else pick(engine, round_key)
    with engine.connect() as conn:
        q = select(PlannedProject).order_by(PlannedProject.id)
        if r is not None:
            q = q.where(PlannedProject.round_id == r["id"])
        rows = [_project(x) for x in conn.execute(q)]
        latest: dict[int, dict[str, Any]] = {}
        for d in conn.execute(select(PlannedReview).order_by(PlannedReview.decided_at, PlannedReview.id)):
            latest[d.project_id] = {
                "decision": d.decision,
                "reduction": d.reduction,
                "note": d.note,
                "reviewer": d.reviewer,
                "decided_at": iso(d.decided_at, "minutes"),
            }
    for row in rows:
        row["review"] = latest.get(row["id"])
    return rows


def follow_up(engine: Engine, checker: Any, round_key: str | None = None) -> list[dict[str, Any]]:
    """Projects reviewed in earlier rounds, looked for in this round's inventory (`checker` holds it):
    the owner's system that builds the project (a duplicate or overlap of it, the owner's own first),
    its state, its amount against the budget, and whether another system now duplicates it."""
    r = pick(engine, round_key)
    out = []
    for p in projects(engine, every_round=True):
        if p["review"] is None or (r is not None and p["round_id"] == r["id"]):
            continue
        inv = checker.inventory
        q = query_of(p["values"], inv)
        found = [m for m in nearest(inv, q, checker.settings) if m.kind in (DUPLICATE, OVERLAP)]
        owner = clean_text(p["owner_unit"] or "")
        own = [m for m in found if clean_text(inv.entries[m.i].owner) == owner or clean_text(inv.entries[m.i].unit) == owner]
        row: dict[str, Any] = {
            "id": p["id"],
            "project_name": p["project_name"],
            "owner_unit": p["owner_unit"],
            "decision": p["review"]["decision"],
        }
        if not own:
            row.update(built="未见建设", system=None, as_planned=None, new_duplicates=[])
            row["note"] = "本轮清单中没有找到该单位建设的对应系统"
        else:
            e = inv.entries[own[0].i]
            v = e.values
            amount = v.get("contract_amount") or v.get("build_amount")
            budget = p["budget"] or (p["values"] or {}).get("budget")
            allowed = (budget or 0) - (p["review"].get("reduction") or 0) if budget else None
            row.update(
                built={"在用": "已建成", "在建": "在建", "停用": "已停用"}.get(str(v.get("status") or ""), "已填报"),
                system=e.name,
                amount=amount,
                as_planned=(amount is None or allowed is None or amount <= allowed * 1.1) and p["review"]["decision"] != "不予立项",
            )
            others = [inv.entries[m.i].name for m in found if m.kind == DUPLICATE and m.i != own[0].i and inv.entries[m.i].name != e.name]
            row["new_duplicates"] = others[:5]
            if p["review"]["decision"] == "不予立项":
                row["note"] = "预审意见为不予立项，但本轮清单中出现了对应系统"
            elif allowed is not None and amount is not None and amount > allowed * 1.1:
                row["note"] = f"建设金额 {amount} 万元超过预审核定的 {allowed:g} 万元"
            else:
                row["note"] = "按预审意见建设"
        out.append(row)
    return out
