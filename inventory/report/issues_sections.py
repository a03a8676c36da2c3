"""The issues report as sections: findings by kind and by unit, each finding with what to do, and the
validation problems of each unit's latest return. Below the root, the other parts' units that a
duplicate finding names are kept out of the 单位 column and the summary by unit (reference only)."""

from __future__ import annotations

from typing import Any

from .sections import SEVERITY_NAMES, Section


def issues_sections(data: dict[str, Any], findings_meta: dict[str, Any] | None = None, limit: int | None = None) -> list[Section]:
    meta = findings_meta or {}
    outside = set((data.get("under") or {}).get("outside", ()))  # other parts' units a duplicate names: reference only

    def mine(f: dict[str, Any]) -> Any:
        named = _units(f)
        return [u for u in named if u not in outside] if isinstance(named, list) else named

    summary = [[s["title"], SEVERITY_NAMES[s["severity"]], s["count"], s["code"]] for s in data.get("summary", [])]
    titles = {s["code"]: s["title"] for s in data.get("summary", [])}
    findings = [
        [
            titles.get(f["code"], f["code"]),
            meta.get(f["code"], {}).get("action", ""),
            SEVERITY_NAMES[f["severity"]],
            mine(f),
            f["system"],
            f["message"],
            "；".join(f"{k}：{_evidence(v)}" for k, v in f["evidence"].items()),
            f["code"],
        ]
        for f in data["findings"][:limit]
    ]
    per_unit: dict[str, list[int]] = {}
    for f in data["findings"]:
        units = mine(f)
        for unit in units if isinstance(units, list) else [units]:
            per_unit.setdefault(unit or "", [0, 0, 0])[0] += 1
    for i in data["issues"]:
        per_unit.setdefault(i["unit"], [0, 0, 0])[1 if i["severity"] == "error" else 2] += 1
    units = sorted(([u, *n] for u, n in per_unit.items()), key=lambda row: (-row[1], -row[2], row[0]))
    issues = [
        [
            i["unit"],
            SEVERITY_NAMES[i["severity"]],
            i["code"],
            i["file"],
            i["sheet"],
            f"{i['column'] or ''}{i['row'] or ''}",
            i["message"],
            i["hint"],
        ]
        for i in data["issues"][:limit]
    ]
    return [
        Section("评估发现汇总", ["发现", "级别", "数量", "编码"], summary, widths=[36, 6, 8, 26]),
        Section("按单位汇总", ["单位", "评估发现", "校验错误", "校验提醒"], units, widths=[30, 10, 10, 10]),
        Section(
            "评估发现",
            ["发现", "怎么办", "级别", "单位", "系统", "说明", "依据", "编码"],
            findings,
            widths=[28, 40, 6, 26, 30, 50, 60, 24],
            filters=(0, 2, 3),
            group=(0, 1),
            total=len(data["findings"]),
            text=[f"“单位”列只列本级范围内的单位；重复建设、重复填报的“依据”还列出本级范围以外 {len(outside)} 个单位的同类系统，仅供参考。"]
            if outside
            else [],
        ),
        Section(
            "校验问题（各单位最近一次报送）",
            ["单位", "级别", "编码", "文件", "工作表", "位置", "问题", "怎么改"],
            issues,
            widths=[26, 6, 26, 24, 10, 8, 60, 40],
            filters=(0, 1, 2),
            total=len(data["issues"]),
        ),
    ]


def _units(f: dict[str, Any]) -> Any:
    """The units a finding concerns: each member's unit for a group (a list), else the finding's unit."""
    members = f["evidence"].get("系统")
    if isinstance(members, list) and members and all(isinstance(m, dict) and m.get("单位") for m in members):
        return list(dict.fromkeys(m["单位"] for m in members))
    return f["unit"]


def _evidence(v: Any) -> str:
    """A finding's evidence as a reader takes it in: a system as its owner's “name”（number）, a link as
    its labelled signals, lists joined in Chinese, scores to two places."""
    if isinstance(v, list):
        parts = [_item(item) if isinstance(item, dict) else _evidence(item) for item in v[:8]]
        links = any(isinstance(item, dict) and "系统名称" not in item for item in v)  # labelled signals: said one by one
        return ("。" if links else "、").join(parts) + ("…" if len(v) > 8 else "")
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _item(d: dict[str, Any]) -> str:
    if "系统名称" in d:  # one system of a group
        owner, number = d.get("所属单位") or d.get("单位") or "", d.get("系统编号")
        return f"{owner}“{d['系统名称']}”" + (f"（{number}）" if number else "")
    return "；".join(f"{k}：{_evidence(x)}" for k, x in d.items() if x not in (None, "", [], {}))
