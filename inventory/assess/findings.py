"""Findings about single systems (domain §3), judged as of the reference date.

One small function per finding kind, each reading its thresholds from `forms/findings.json` and
returning the evidence when the finding applies (None otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..form.rules import months_between
from .model import Finding, System

Check = Callable[[dict[str, Any], dict[str, Any], dt.date], dict[str, Any] | None]


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _in_use(v: dict[str, Any]) -> bool:
    return v.get("status") == "在用"


def _not_on_cloud(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("secret_class") != "涉密" and v.get("defer_integration") != "是":
        where = v.get("deploy_location")
        if where and where not in t["cloud_locations"]:
            return {"部署位置": where}
    return None


def _private_network(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    nets = v.get("networks") or []
    return {"接入网络": "、".join(nets)} if v.get("status") != "停用" and "业务专网" in nets else None


def _mlps_not_graded(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("mlps_level") in (None, "未定级"):
        return {"等保定级": v.get("mlps_level") or "未填写"}
    return None


def _mlps_not_filed(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("mlps_level") in t["mlps_test_months"] and v.get("mlps_filing") != "已备案":
        return {"等保定级": v.get("mlps_level"), "备案状态": v.get("mlps_filing") or "未填写"}
    return None


def _mlps_overdue(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    months = t["mlps_test_months"].get(v.get("mlps_level"))
    if not _in_use(v) or months is None:
        return None
    tested = v.get("mlps_test_date")
    if not isinstance(tested, str):
        return {"等保定级": v.get("mlps_level"), "最近测评": "未填写", "要求": f"{months}个月内"}
    age = months_between(tested, as_of)
    if age > months:
        return {"等保定级": v.get("mlps_level"), "最近测评": tested, "距截止日期": f"{age}个月", "要求": f"{months}个月内"}
    return None


def _crypto_missing(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("mlps_level") in t["crypto_levels"] and v.get("crypto_status") in (None, "未开展", "不适用"):
        return {"等保定级": v.get("mlps_level"), "密评状态": v.get("crypto_status") or "未填写"}
    return None


def _not_shared(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("category") in t["data_categories"] and v.get("interconnect") != t["sharing_platform"]:
        return {"对接情况": v.get("interconnect") or "未填写"}
    return None


def _not_catalogued(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("category") in t["data_categories"] and v.get("catalogued") == "否":
        return {"是否编制目录": "否"}
    return None


def _zombie(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if v.get("self_zombie") == "是" and v.get("status") != "停用":
        return {"单位自认": "是", "月均活跃": v.get("monthly_active"), "年度运维（万元）": v.get("om_amount")}
    active, om = _num(v.get("monthly_active")), _num(v.get("om_amount"))
    if (
        _in_use(v)
        and active is not None
        and om is not None
        and active <= t["zombie_max_monthly_active"]
        and om >= t["zombie_min_om_amount"]
    ):
        return {"月均活跃": v.get("monthly_active"), "年度运维（万元）": v.get("om_amount")}
    return None


def _low_usage(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    active, registered = _num(v.get("monthly_active")), _num(v.get("registered_users"))
    if (
        _in_use(v)
        and active is not None
        and registered is not None
        and t["zombie_max_monthly_active"] < active <= t["low_usage_max_monthly_active"]
        and registered >= t["low_usage_min_registered"]
    ):
        return {"注册用户": v.get("registered_users"), "月均活跃": v.get("monthly_active")}
    return None


def _om_expired(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    end = v.get("om_contract_end")
    if _in_use(v) and isinstance(end, str) and end < as_of.isoformat():
        return {"运维合同到期": end, "统计截止日期": as_of.isoformat()}
    return None


def _build_delayed(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    planned = v.get("planned_golive")
    if v.get("status") == "在建" and isinstance(planned, str) and planned < as_of.isoformat()[: len(planned)]:
        return {"原计划投入使用": planned, "统计截止日期": as_of.isoformat()}
    return None


def _amount_yuan(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    build, om = _num(v.get("build_amount")), _num(v.get("om_amount"))
    if (build or 0) > t["yuan_build_amount"] or (om or 0) > t["yuan_om_amount"]:
        return {"建设金额（万元）": v.get("build_amount"), "年度运维（万元）": v.get("om_amount")}
    return None


def _no_backup(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and (v.get("backup") == "否" or v.get("backup_mode") == "本地"):
        return {"数据备份": v.get("backup"), "备份方式": v.get("backup_mode") or "无"}
    return None


def _no_dr(v: dict[str, Any], t: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    if _in_use(v) and v.get("mlps_level") in t["crypto_levels"] and v.get("disaster_recovery") == "否":
        return {"等保定级": v.get("mlps_level"), "应用容灾": "否"}
    return None


SYSTEM_CHECKS: dict[str, Check] = {
    "FIND_NOT_ON_CLOUD": _not_on_cloud,
    "FIND_PRIVATE_NETWORK": _private_network,
    "FIND_MLPS_NOT_GRADED": _mlps_not_graded,
    "FIND_MLPS_NOT_FILED": _mlps_not_filed,
    "FIND_MLPS_TEST_OVERDUE": _mlps_overdue,
    "FIND_CRYPTO_MISSING": _crypto_missing,
    "FIND_NOT_SHARED": _not_shared,
    "FIND_NOT_CATALOGUED": _not_catalogued,
    "FIND_ZOMBIE_SUSPECT": _zombie,
    "FIND_LOW_USAGE": _low_usage,
    "FIND_OM_CONTRACT_EXPIRED": _om_expired,
    "FIND_BUILD_DELAYED": _build_delayed,
    "FIND_AMOUNT_YUAN": _amount_yuan,
    "FIND_NO_BACKUP": _no_backup,
    "FIND_NO_DR": _no_dr,
}

def system_findings(systems: list[System], rules: dict[str, Any], as_of: dt.date) -> list[Finding]:
    t, meta = rules["thresholds"], rules["findings"]
    out = []
    for s in systems:
        for code, check in SYSTEM_CHECKS.items():
            evidence = check(s.values, t, as_of)
            if evidence is not None:
                s.findings.append(code)
                out.append(Finding(code, meta[code]["severity"], s.unit, s.name, f"{s.name}：{meta[code]['title']}", evidence))
    return out
