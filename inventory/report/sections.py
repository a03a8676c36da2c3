"""Report data turned into `Section`s (a title, columns, rows) once; every format renders sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..form.model import Form

STATUS_NAMES = {"accepted": "已接收", "rejected": "已退回", "not_submitted": "未报送"}
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
TITLES = {"coverage": "报送覆盖情况", "issues": "问题与评估发现", "inventory": "政务信息系统汇总清单"}


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel number format
    widths: list[int] | None = None
    band: list[str] | None = None  # a group label per column, above the header (xlsx)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.1f}%"


def coverage_sections(data: dict[str, Any]) -> list[Section]:
    t = data["totals"]
    summary = [
        ["应报单位", t["units_expected"]],
        ["已报送单位", t["units_submitted"]],
        ["已接收单位", t["units_accepted"]],
        ["系统数", t["systems"]],
        ["必填完整率", _pct(t["completeness"])],
        ["建议项完整率", _pct(t["completeness_recommended"])],
    ]
    groups = [
        [g, v["units_expected"], v["units_submitted"], v["units_accepted"], v["systems"], _pct(v["completeness"])]
        for g, v in data.get("by_group", {}).items()
    ]
    units = [
        [
            u["unit"],
            u["short_name"],
            u["kind"],
            "是" if u["pilot"] else "",
            STATUS_NAMES[u["status"]],
            u["systems"],
            u["completeness"],
            u["completeness_recommended"],
            u["errors"],
            u["warnings"],
            u["submissions"],
            (u["last_submitted_at"] or "")[:16].replace("T", " "),
        ]
        for u in data["units"]
    ]
    return [
        Section("总体情况", ["项目", "数值"], summary, widths=[16, 14]),
        Section("按单位类别", ["类别", "应报", "已报送", "已接收", "系统数", "必填完整率"], groups),
        Section(
            "各单位报送情况",
            ["单位", "简称", "类别", "试点", "状态", "系统数", "必填完整率", "建议项完整率", "错误", "提醒", "报送次数", "最近报送"],
            units,
            formats={6: "0.0%", 7: "0.0%"},
            widths=[30, 16, 14, 6, 8, 8, 11, 11, 6, 6, 8, 17],
        ),
    ]


def issues_sections(data: dict[str, Any]) -> list[Section]:
    summary = [[s["title"], SEVERITY_NAMES[s["severity"]], s["count"], s["code"]] for s in data.get("summary", [])]
    findings = [
        [
            SEVERITY_NAMES[f["severity"]],
            f["code"],
            f["unit"],
            f["system"],
            f["message"],
            "；".join(f"{k}：{_evidence(v)}" for k, v in f["evidence"].items()),
        ]
        for f in data["findings"]
    ]
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
        for i in data["issues"]
    ]
    return [
        Section("评估发现汇总", ["发现", "级别", "数量", "编码"], summary, widths=[36, 6, 8, 26]),
        Section("评估发现", ["级别", "编码", "单位", "系统", "说明", "依据"], findings, widths=[6, 24, 26, 30, 50, 60]),
        Section(
            "校验问题（各单位最近一次报送）",
            ["单位", "级别", "编码", "文件", "工作表", "位置", "问题", "怎么改"],
            issues,
            widths=[26, 6, 26, 24, 10, 8, 60, 40],
        ),
    ]


def _evidence(v: Any) -> str:
    if isinstance(v, list):
        parts = [("/".join(str(x) for x in item.values()) if isinstance(item, dict) else str(item)) for item in v[:8]]
        return "，".join(parts) + ("…" if len(v) > 8 else "")
    return str(v)


def inventory_sections(data: dict[str, Any], form: Form) -> list[Section]:
    """The consolidated inventory, on the template's own headers so it can be filtered and re-imported."""
    fields = form.main.fields
    extra = ["填报单位", "综合评分", "处置建议", "建议依据", "评估发现", *data["systems"][0]["scores"]] if data["systems"] else []
    columns = [f.header for f in fields] + extra
    band = [form.groups.get(f.group, f.group) for f in fields] + ["评估"] * len(extra)
    formats = {i: f.number_format for i, f in enumerate(fields) if f.number_format != "General"}
    rows = []
    for s in data["systems"]:
        v = s["values"]
        rows.append(
            [v.get(f.key) for f in fields]
            + [s["unit"], s["score"], s["recommendation"], s["why"], "、".join(s["findings"]), *s["scores"].values()]
        )
    recs = [[k, n] for k, n in data.get("summary", {}).items()]
    return [
        Section(
            form.main.name, columns, rows, formats=formats, widths=[f.width for f in fields] + [28, 8, 10, 24, 40] + [8] * 6, band=band
        ),
        Section("处置建议汇总", ["建议", "系统数"], recs, widths=[14, 10]),
    ]


def report_sections(kind: str, data: dict[str, Any], form: Form) -> list[Section]:
    if kind == "coverage":
        return coverage_sections(data)
    if kind == "issues":
        return issues_sections(data)
    return inventory_sections(data, form)


def report_meta(kind: str, data: dict[str, Any], form: Form) -> list[str]:
    scope = {"all": "全部单位", "pilot": "试点单位"}.get(data.get("scope", "all"), "")
    return [
        f"调查轮次：{form.round.get('name', '')}",
        f"数据统计截止日期：{data.get('as_of', '')}",
        f"范围：{scope}" if kind != "inventory" else "范围：各单位当前已接收的报送",
        f"生成时间：{data.get('generated_at', '')[:16].replace('T', ' ')}",
    ]


def cell_text(v: Any, fmt: str | None) -> str:
    """A value as text, percentages as the section's number format says."""
    if v is None:
        return ""
    if fmt and "%" in fmt and isinstance(v, (int, float)):
        return f"{v * 100:.1f}%"
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)
