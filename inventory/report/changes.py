"""What changed between two rounds: per unit, the systems added, retired (marked 停用), changed
(field by field, old → new) and those that vanished without being marked 停用; units that reported
in the earlier round and not in the later one (their systems carried, not lost); units reporting
for the first time (their systems are not 新增); how the office's decisions were carried out, with
evidence from the return only (an absence is never 已落实) and 逾期 where the date has passed."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, String, select, type_coerce

from ..beijing import stamp
from ..errors import UsageError
from ..form.model import Form
from ..store.models import ACCEPTED, Submission, SystemRecord, Unit
from ..workflow.rounds import pick
from .carried import unconfirmed_returns

RETIRED = "停用"


def _systems(engine: Engine, round_id: int) -> dict[str, dict[str, Any]]:
    """unit -> system key -> its stored values as JSON text (parsed only where two rounds differ), from
    each unit's current return in the round."""
    out: dict[str, dict[str, Any]] = {}
    q = (
        select(Unit.name, SystemRecord.id, SystemRecord.system_key, type_coerce(SystemRecord.data, String))
        .join(Submission, SystemRecord.submission_id == Submission.id)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.round_id == round_id, Submission.status == ACCEPTED)
        .order_by(Submission.id, SystemRecord.row)
    )
    with engine.connect() as conn:
        for unit, rid, key, data in conn.execute(q):
            out.setdefault(unit, {})[key or f"r{rid}"] = data
    return out


def _values(data: Any) -> dict[str, Any]:
    return orjson.loads(data) if isinstance(data, (str, bytes)) else data


def _text(v: Any) -> str:
    if v is None:
        return ""
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)


def _brief(v: dict[str, Any]) -> dict[str, Any]:
    return {"system_no": v.get("system_no"), "system_name": v.get("system_name"), "status": v.get("status")}


def changes_report(
    engine: Engine, from_key: str, to_key: str | None, form: Form, unit: str | None = None, within: set[str] | None = None
) -> dict[str, Any]:
    """The change report between two rounds; `unit`: only that unit's part (the file to send it back);
    `within`: only these units (an office's part of the tree)."""
    old_round, new_round = pick(engine, from_key), pick(engine, to_key)
    if old_round is None or new_round is None:
        raise UsageError("数据库里还没有调查轮次。")
    if old_round["id"] == new_round["id"]:
        raise UsageError(f"--from 和 --to 是同一个轮次（{old_round['key']}）。")
    titles = {f.key: f.header.lstrip("*") for f in form.main.fields}
    order = {f.key: i for i, f in enumerate(form.main.fields)}
    mark = form.change_mark  # the unit's own 本轮情况: shown beside a change, never counted as one
    old_all, new_all = _systems(engine, old_round["id"]), _systems(engine, new_round["id"])
    if within is not None:  # an office's part: nothing of another's, not even in the totals
        old_all = {k: v for k, v in old_all.items() if k in within}
        new_all = {k: v for k, v in new_all.items() if k in within}
    stale = set(unconfirmed_returns(engine, new_round["id"]).values())
    units = []
    for name in sorted(set(old_all) & set(new_all)):  # the others are listed under not_resubmitted or first_time
        if unit is not None and name != unit:
            continue
        old, new = old_all[name], new_all[name]
        entry: dict[str, Any] = {
            "unit": name,
            "added": [],
            "retired": [],
            "vanished": [],
            "changed": [],
            "unchanged": 0,
            "unconfirmed": name in stale,  # sent back as it was: its 无变化 is not a check
        }
        for key, raw in new.items():
            raw_before = old.get(key)
            if raw_before is None:
                entry["added"].append(_brief(_values(raw)))
                continue
            if raw_before == raw:  # the same stored text: nothing to compare
                entry["unchanged"] += 1
                continue
            values, before = _values(raw), _values(raw_before)
            fields = [
                {"field": k, "title": titles.get(k, k), "old": _text(before.get(k)), "new": _text(values.get(k))}
                for k in sorted(set(before) | set(values), key=lambda k: order.get(k, len(order)))
                if k != mark and _text(before.get(k)) != _text(values.get(k))
            ]
            said = {"mark": values[mark]} if mark and values.get(mark) else {}
            if values.get("status") == RETIRED and before.get("status") != RETIRED:
                entry["retired"].append({**_brief(values), **said, "fields": fields})  # marked 停用 this round
            elif fields:
                entry["changed"].append({**_brief(values), **said, "fields": fields})
            else:
                entry["unchanged"] += 1
        dropped = (_values(v) for k, v in old.items() if k not in new)
        entry["vanished"] = [_brief(v) for v in dropped if v.get("status") != RETIRED]
        units.append(entry)

    def wanted(name: str) -> bool:
        return (unit is None or name == unit) and (within is None or name in within)

    gone = sorted(u for u in set(old_all) - set(new_all) if wanted(u))
    first = sorted(u for u in set(new_all) - set(old_all) if wanted(u))
    follow_up = [d for d in _follow_up(engine, old_round["id"], old_all, new_all) if wanted(d["unit"])]
    return {
        "generated_at": stamp(),
        "from": old_round,
        "to": new_round,
        "round": {"key": new_round["key"], "name": new_round["name"]},
        "as_of": new_round["as_of"],
        "units": units,
        "for_unit": unit,
        "not_resubmitted": [{"unit": u, "systems": len(old_all[u])} for u in gone],
        "first_time": [{"unit": u, "systems": len(new_all[u])} for u in first],
        "decisions": follow_up,
        "totals": {k: sum(len(u[k]) for u in units) for k in ("added", "retired", "vanished", "changed")}
        | {"unchanged": sum(u["unchanged"] for u in units)}
        | {
            "unchanged_unconfirmed": sum(u["unchanged"] for u in units if u["unconfirmed"]),
            "units_unconfirmed": sum(u["unconfirmed"] for u in units),
        },
    }


CLOUD = ("省级政务云", "市（州）级政务云", "上级部门机房")


def _follow_up(engine: Engine, round_id: int, old_all: dict[str, Any], new_all: dict[str, Any]) -> list[dict[str, Any]]:
    """How the earlier round's 处置决定 were carried out, as far as the later return shows it."""
    from ..workflow.dispositions import latest

    out = []
    for key, d in latest(engine, round_id).items():
        unit = d["unit"]
        raw = new_all.get(unit, {}).get(key)
        now = _values(raw) if raw is not None else None
        before = old_all.get(unit, {}).get(key)
        number = (now or (_values(before) if before is not None else {})).get("system_no")
        progress = _progress(d["decision"], now, unit in new_all)
        overdue = bool(d["overdue"] and progress not in ("已落实", "—"))
        out.append(
            {
                "unit": unit,
                "system_no": number,
                "system_name": d["system_name"],
                "decision": d["decision"],
                "due": d["due"],
                "responsible": d["responsible"],
                "round": d["round"],
                "progress": progress,
                "overdue": overdue,
                "now": {"status": now.get("status"), "deploy_location": now.get("deploy_location")} if now else None,
            }
        )
    return out


def _progress(decision: str, now: dict[str, Any] | None, returned: bool) -> str:
    """How far a decision was carried out, judged from the later return only: 已落实 needs the return to
    show it (retired, on the cloud); a system the unit no longer lists is a possible omission, not done."""
    if not returned:
        return "本轮未报送"
    if now is None:
        return "未见报送（可能漏报）" if decision != "保留" else "—"
    status = now.get("status")
    if decision == "关停下线":
        return "已落实" if status == RETIRED else "未落实"
    if decision == "整合":
        return "已落实" if status == RETIRED else "待核实"
    if decision == "迁移上云":
        return "已落实" if now.get("deploy_location") in CLOUD else "未落实"
    if decision == "升级改造":
        return "待核实"
    return "—"
