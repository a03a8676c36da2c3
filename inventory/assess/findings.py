"""Findings about single systems (domain §3), judged as of the reference date.

Which systems a kind applies to is data (`applies` in `forms/findings.json`: a gap is only a gap
for systems it is meant for); what makes it fire is one small function per kind below, reading its
thresholds from the same file and returning the evidence (None when the system is fine).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..form.rules import latest_day, months_after
from .model import Finding, System

Check = Callable[[dict[str, Any], dict[str, Any], dt.date], dict[str, Any] | None]
Evidence = dict[str, Any] | None


def applies_to(applies: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A predicate from an `applies` mapping: field -> allowed values, or {"not": excluded values}."""
    rules = [
        (key, frozenset(spec["not"]), False) if isinstance(spec, dict) else (key, frozenset(spec), True) for key, spec in applies.items()
    ]

    def test(v: dict[str, Any]) -> bool:
        return all((v.get(key) in values) is wanted for key, values, wanted in rules)

    return test


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _not_on_cloud(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    where = v.get("deploy_location")
    return {"部署位置": where} if where and where not in t["cloud_locations"] else None


def _private_network(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    nets = v.get("networks") or []
    return {"接入网络": "、".join(nets)} if "业务专网" in nets else None


def _mlps_not_graded(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    level = v.get("mlps_level")
    return {"等保定级": level or "未填写"} if level in (None, "未定级") else None


def _mlps_not_filed(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    filing = v.get("mlps_filing")
    return {"等保定级": v.get("mlps_level"), "备案状态": filing or "未填写"} if filing != "已备案" else None


def _overdue(date: Any, months: int, as_of: dt.date) -> str | None:
    """Why a check dated `date` is more than `months` old on the reference date, to the day (None when
    it is not). A date given to the month counts as its last day: overdue only when certainly so."""
    if not isinstance(date, str):
        return "未填写"
    due = months_after(latest_day(date), months)
    return f"{date}（应在 {due.isoformat()} 前复测，统计截止日期 {as_of.isoformat()}）" if due < as_of else None


def _mlps_overdue(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    months = t["mlps_test_months"][v["mlps_level"]]
    why = _overdue(v.get("mlps_test_date"), months, as_of)
    return {"等保定级": v["mlps_level"], "最近测评": why, "要求": f"{months}个月内"} if why else None


def _crypto_missing(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    status = v.get("crypto_status")
    if status in (None, "未开展", "不适用", "已开展-未通过"):
        return {"等保定级": v.get("mlps_level"), "密评状态": status or "未填写"}
    why = _overdue(v.get("crypto_date"), t["crypto_months"], as_of)
    return {"等保定级": v.get("mlps_level"), "密评状态": status, "最近密评": why, "要求": f"{t['crypto_months']}个月内"} if why else None


def _filing_no_missing(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    return {"备案状态": "已备案", "备案证明编号": "未填写"} if not v.get("mlps_filing_no") else None


def _not_shared(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    link = v.get("interconnect")
    return {"对接情况": link or "未填写"} if link in (None, "否，无对接") else None


def _not_catalogued(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    return {"是否编制目录": "否"} if v.get("catalogued") == "否" else None


def _zombie(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    if v.get("self_zombie") == "是":
        return {"单位自认": "是", "月均活跃": v.get("monthly_active"), "年度运维（万元）": v.get("om_amount")}
    active, om = _num(v.get("monthly_active")), _num(v.get("om_amount"))
    if active is not None and om is not None and active <= t["zombie_max_monthly_active"] and om >= t["zombie_min_om_amount"]:
        return {"月均活跃": v.get("monthly_active"), "年度运维（万元）": v.get("om_amount")}
    return None


def _low_usage(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    active, registered = _num(v.get("monthly_active")), _num(v.get("registered_users"))
    if active is None or registered is None:
        return None
    if t["zombie_max_monthly_active"] < active <= t["low_usage_max_monthly_active"] and registered >= t["low_usage_min_registered"]:
        return {"注册用户": v.get("registered_users"), "月均活跃": v.get("monthly_active")}
    return None


def _om_expired(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    end = v.get("om_contract_end")  # a month or year means its last day: expired only when certainly so
    return {"运维合同到期": end, "统计截止日期": as_of.isoformat()} if isinstance(end, str) and latest_day(end) < as_of else None


def _no_om(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    return {"运维方式": "暂无运维"} if v.get("om_mode") == "暂无运维" else None


def _build_delayed(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    planned = v.get("planned_golive")
    if isinstance(planned, str) and latest_day(planned) < as_of:
        return {"原计划投入使用": planned, "统计截止日期": as_of.isoformat()}
    return None


def _amount_yuan(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    build, om = _num(v.get("build_amount")), _num(v.get("om_amount"))
    if (build or 0) > t["yuan_build_amount"] or (om or 0) > t["yuan_om_amount"]:
        return {"建设金额（万元）": v.get("build_amount"), "年度运维（万元）": v.get("om_amount")}
    return None


def _no_backup(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    if v.get("backup") == "否":
        return {"数据备份": "否"}
    if v.get("mlps_level") in t["crypto_levels"] and v.get("backup_mode") == "本地":
        return {"等保定级": v.get("mlps_level"), "备份方式": "本地", "要求": "异地备份"}
    return None


def _no_dr(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> Evidence:
    return {"等保定级": v.get("mlps_level"), "应用容灾": "否"} if v.get("disaster_recovery") == "否" else None


SYSTEM_CHECKS: dict[str, Check] = {
    "FIND_NOT_ON_CLOUD": _not_on_cloud,
    "FIND_PRIVATE_NETWORK": _private_network,
    "FIND_MLPS_NOT_GRADED": _mlps_not_graded,
    "FIND_MLPS_NOT_FILED": _mlps_not_filed,
    "FIND_MLPS_FILING_NO_MISSING": _filing_no_missing,
    "FIND_MLPS_TEST_OVERDUE": _mlps_overdue,
    "FIND_CRYPTO_MISSING": _crypto_missing,
    "FIND_NOT_SHARED": _not_shared,
    "FIND_NOT_CATALOGUED": _not_catalogued,
    "FIND_ZOMBIE_SUSPECT": _zombie,
    "FIND_LOW_USAGE": _low_usage,
    "FIND_OM_CONTRACT_EXPIRED": _om_expired,
    "FIND_NO_OM": _no_om,
    "FIND_BUILD_DELAYED": _build_delayed,
    "FIND_AMOUNT_YUAN": _amount_yuan,
    "FIND_NO_BACKUP": _no_backup,
    "FIND_NO_DR": _no_dr,
}


def system_subject(s: System) -> tuple[str, ...]:
    """What a per-system finding is about: the unit and the system by owner and name."""
    return (s.unit, s.owner, s.name)


def system_findings(systems: list[System], rules: dict[str, Any], as_of: dt.date) -> list[Finding]:
    t, meta = rules["thresholds"], rules["findings"]
    kinds = [(code, check, applies_to(meta[code]["applies"]), meta[code]) for code, check in SYSTEM_CHECKS.items()]
    # which kinds apply depends on a few fields only: decide once per distinct combination of them
    keys = sorted({k for code in SYSTEM_CHECKS for k in meta[code]["applies"]})
    applicable: dict[tuple[Any, ...], list[tuple[str, Check, dict[str, Any]]]] = {}
    out = []
    for s in systems:
        v = s.values
        combo = tuple(v.get(k) if not isinstance(v.get(k), list) else tuple(v[k]) for k in keys)
        todo = applicable.get(combo)
        if todo is None:
            todo = applicable[combo] = [(code, check, m) for code, check, applies, m in kinds if applies(v)]
        for code, check, m in todo:
            evidence = check(v, t, as_of)
            if evidence is not None:
                s.findings.append(code)
                finding = Finding(code, m["severity"], s.unit, s.name, f"{s.name}：{m['title']}", evidence, system_subject(s), about=[s])
                out.append(finding)
    return out
