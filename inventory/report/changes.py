"""What changed between two rounds: per unit, the systems added, retired (marked 停用), changed
(field by field, old → new) and those that vanished without being marked 停用; units that reported
in the earlier round and not in the later one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Engine, String, select, type_coerce

from ..errors import UsageError
from ..form.model import Form
from ..store.models import ACCEPTED, Submission, SystemRecord, Unit
from ..workflow.rounds import pick

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


def changes_report(engine: Engine, from_key: str, to_key: str | None, form: Form) -> dict[str, Any]:
    old_round, new_round = pick(engine, from_key), pick(engine, to_key)
    if old_round is None or new_round is None:
        raise UsageError("数据库里还没有调查轮次。")
    if old_round["id"] == new_round["id"]:
        raise UsageError(f"--from 和 --to 是同一个轮次（{old_round['key']}）。")
    titles = {f.key: f.header.lstrip("*") for f in form.main.fields}
    order = {f.key: i for i, f in enumerate(form.main.fields)}
    mark = form.change_mark  # the unit's own 本轮情况: shown beside a change, never counted as one
    old_all, new_all = _systems(engine, old_round["id"]), _systems(engine, new_round["id"])
    units = []
    for unit in sorted(set(old_all) | set(new_all)):
        old, new = old_all.get(unit, {}), new_all.get(unit, {})
        if unit not in new_all:
            continue  # listed under not_resubmitted
        entry: dict[str, Any] = {"unit": unit, "added": [], "retired": [], "vanished": [], "changed": [], "unchanged": 0}
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
    gone = sorted(set(old_all) - set(new_all))
    follow_up = _follow_up(engine, old_round["id"], old_all, new_all)
    return {
        "generated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "from": old_round,
        "to": new_round,
        "round": {"key": new_round["key"], "name": new_round["name"]},
        "as_of": new_round["as_of"],
        "units": units,
        "not_resubmitted": [{"unit": u, "systems": len(old_all[u])} for u in gone],
        "decisions": follow_up,
        "totals": {k: sum(len(u[k]) for u in units) for k in ("added", "retired", "vanished", "changed")}
        | {"unchanged": sum(u["unchanged"] for u in units)},
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
        status = now.get("status") if now else None
        if d["decision"] in ("关停下线", "整合"):
            progress = "已落实" if now is None or status == RETIRED else ("未落实" if d["decision"] == "关停下线" else "待核实")
        elif d["decision"] == "迁移上云":
            progress = "已落实" if now and now.get("deploy_location") in CLOUD else "未落实"
        elif d["decision"] == "升级改造":
            progress = "待核实"
        else:
            progress = "—"
        if unit not in new_all:
            progress = "本轮未报送"
        out.append(
            {
                "unit": unit,
                "system_name": d["system_name"],
                "decision": d["decision"],
                "due": d["due"],
                "responsible": d["responsible"],
                "progress": progress,
                "now": {"status": status, "deploy_location": now.get("deploy_location") if now else None} if now else None,
            }
        )
    return out
