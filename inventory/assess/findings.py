"""Assessment findings over the current inventory (domain §3), judged as of the reference date.

Each finding has a stable code, a severity, the unit, the system and its evidence. Thresholds and
lists come from `forms/findings.json`. Per-system findings are small functions over one record;
duplicates across units are found by name: region, unit and generic words are stripped to a
distinctive core, identical cores are grouped, and similar cores are matched with rapidfuzz
`cdist` inside length windows (blocking), never with a Python loop over all pairs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from ..form.normalize import clean_text
from ..form.rules import _months_between
from ..resources import data_dir


@dataclass
class System:
    """One current system: its unit, where it came from, and its normalised values."""

    unit: str
    submission_id: int
    row: int
    values: dict[str, Any]
    findings: list[str] = field(default_factory=list)  # finding codes

    @property
    def name(self) -> str:
        return str(self.values.get("system_name") or "")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    unit: str | None
    system: str | None
    message: str
    evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "unit": self.unit,
            "system": self.system,
            "message": self.message,
            "evidence": self.evidence,
        }


@lru_cache(maxsize=4)
def load_rules(folder: Path | None = None) -> dict[str, Any]:
    return json.loads(((Path(folder) if folder else data_dir("forms")) / "findings.json").read_text(encoding="utf-8"))


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
    age = _months_between(tested, as_of)
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

_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
_VERSION = re.compile(r"(v|V|版本)?\d+(\.\d+)*版?|[一二三四五六七八九十]+期")
_NON_WORD = re.compile(r"[\s\-_·/、,，.。:：]+")


class NameCore:
    """Strips what every government system name shares, leaving what tells systems apart."""

    def __init__(self, t: dict[str, Any], places: Iterable[str]) -> None:
        alternatives = sorted({*t["prefix_words"], *(p for p in places if p)}, key=len, reverse=True)
        self.prefixes = re.compile("^(?:" + "|".join(re.escape(p) for p in alternatives) + ")+")
        self.generic = re.compile("|".join(re.escape(w) for w in sorted(t["generic_words"], key=len, reverse=True)))
        self.cache: dict[tuple[str, str], str] = {}

    def full(self, name: str) -> str:
        return _NON_WORD.sub("", clean_text(name))

    def __call__(self, name: str, owner: str = "") -> str:
        key = (name, owner)
        if key in self.cache:
            return self.cache[key]
        s = _NON_WORD.sub("", _VERSION.sub("", _BRACKETS.sub("", clean_text(name))))
        owner = _NON_WORD.sub("", clean_text(owner))
        if owner and s.startswith(owner) and len(s) > len(owner):
            s = s[len(owner) :]
        m = self.prefixes.match(s)  # a name may carry a region and then a unit: 成都市 + 公安局 + ...
        if m and m.end() < len(s):
            s = s[m.end() :]
        core = self.cache[key] = self.generic.sub("", s)
        return core


def _places(roster: Any) -> list[str]:
    out: list[str] = []
    for u in roster:
        out += [u.short_name, u.name, *u.aliases]
        if u.is_city:
            out.append(u.short_name.rstrip("市州"))
    return out


def duplicate_findings(systems: list[System], rules: dict[str, Any], roster: Any) -> list[Finding]:
    """Same system reported by several units, and similar systems built by several units."""
    t, meta = rules["thresholds"], rules["findings"]
    core_of = NameCore(t, _places(roster))
    by_full: dict[str, list[int]] = {}
    by_core: dict[str, list[int]] = {}
    for i, s in enumerate(systems):
        if s.values.get("status") == "停用" or not s.name:
            continue
        by_full.setdefault(core_of.full(s.name), []).append(i)
        core = core_of(s.name, str(s.values.get("owner_unit") or ""))
        if len(core) >= t["duplicate_min_core_length"]:
            by_core.setdefault(core, []).append(i)
    out: list[Finding] = []
    reported: set[frozenset[int]] = set()
    for members in by_full.values():
        units = {systems[i].unit for i in members}
        if len(units) > 1:
            code = "FIND_DUPLICATE_REPORT"
            for i in members:
                systems[i].findings.append(code)
            reported.add(frozenset(members))
            out.append(_group_finding(code, meta[code], systems, members, 100))
    # similar cores across units: union the identical-core groups whose cores are alike
    cores = list(by_core)
    parent = list(range(len(cores)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[int, int] = {}
    for a, b, score in _similar_pairs(cores, t["duplicate_similarity"]):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
        best[a] = min(best.get(a, 100), score)
        best[b] = min(best.get(b, 100), score)
    groups: dict[int, list[int]] = {}
    for ci in range(len(cores)):
        groups.setdefault(find(ci), []).append(ci)
    code = "FIND_DUPLICATE_BUILD"
    for core_ids in groups.values():
        members = [i for ci in core_ids for i in by_core[cores[ci]]]
        if len({systems[i].unit for i in members}) < 2 or frozenset(members) in reported:
            continue
        similarity = min((best.get(ci, 100) for ci in core_ids), default=100)
        for i in members:
            systems[i].findings.append(code)
        finding = _group_finding(code, meta[code], systems, members, similarity)
        finding.evidence["名称核心"] = [cores[ci] for ci in core_ids][:10]
        out.append(finding)
    return out


def _similar_pairs(cores: list[str], cutoff: int) -> Iterable[tuple[int, int, int]]:
    """(i, j, score) for cores with fuzz.ratio >= cutoff, i < j, compared only within length windows."""
    if len(cores) < 2:
        return []
    order = sorted(range(len(cores)), key=lambda i: len(cores[i]))
    lengths = [len(cores[i]) for i in order]
    ratio = cutoff / (200 - cutoff)  # ratio >= cutoff needs len(short) >= ratio * len(long)
    found: dict[tuple[int, int], int] = {}
    chunk = 2000
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        longest = lengths[min(start + chunk, len(order)) - 1]
        end = start + chunk
        while end < len(order) and lengths[end] * ratio <= longest:
            end += 1
        cols = order[start:end]
        matrix = process.cdist(
            [cores[i] for i in rows], [cores[j] for j in cols], scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=-1
        )
        for r, c in zip(*np.nonzero(matrix), strict=True):
            i, j = rows[r], cols[c]
            if i != j:
                found[(min(i, j), max(i, j))] = int(matrix[r, c])
    return [(a, b, score) for (a, b), score in found.items()]


def _group_finding(code: str, meta: dict[str, Any], systems: list[System], members: list[int], similarity: int) -> Finding:
    units = sorted({systems[i].unit for i in members})
    sample = members[:20]
    return Finding(
        code=code,
        severity=meta["severity"],
        unit="、".join(units[:5]) + (f" 等{len(units)}个单位" if len(units) > 5 else ""),
        system=systems[members[0]].name,
        message=f"{meta['title']}：{len(units)} 个单位的 {len(members)} 个系统（相似度 {similarity}）",
        evidence={
            "相似度": similarity,
            "单位数": len(units),
            "系统": [
                {"单位": systems[i].unit, "系统名称": systems[i].name, "系统编号": systems[i].values.get("system_no")} for i in sample
            ],
        },
    )


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


def assess(s: System, rules: dict[str, Any]) -> tuple[dict[str, int], int, str, str]:
    """Dimension scores, overall score, recommendation and the rule that led to it."""
    meta, weights = rules["findings"], rules["dimensions"]
    scores = dict.fromkeys(weights, 100)
    for code in set(s.findings):
        m = meta[code]
        scores[m["dimension"]] = max(0, scores[m["dimension"]] - int(m["deduct"]))
    overall = round(sum(scores[d] * w for d, w in weights.items()) / sum(weights.values()))
    for rule in rules["recommendations"]:
        if "status" in rule and s.values.get("status") not in rule["status"]:
            continue
        if "findings" in rule and not set(rule["findings"]) & set(s.findings):
            continue
        if "score_below" in rule and overall >= rule["score_below"]:
            continue
        if "field" in rule and not all(s.values.get(k) in v for k, v in rule["field"].items()):
            continue
        return scores, overall, rule["name"], rule["why"]
    return scores, overall, "保留", ""
