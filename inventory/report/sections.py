"""Report data turned into `Section`s (a title, columns, rows) once; every format renders sections."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..form.assessment import load_findings
from ..form.model import Form

STATUS_NAMES = {"accepted": "已接收", "rejected": "已退回", "not_submitted": "未报送", "superseded": "已被替代"}
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
TITLES = {
    "coverage": "报送覆盖情况",
    "issues": "问题与评估发现",
    "inventory": "政务信息系统汇总清单",
    "unit": "单位评估报告",
    "brief": "摸底评估简报",
    "changes": "两轮变化",
}
KEY_FIELDS = ("system_no", "system_name", "owner_unit", "status", "deploy_location", "mlps_level")  # the inventory page's columns


class LazyRows:
    """Rows made one at a time as a writer streams them (the 100k-row inventory in xlsx), never all
    held at once; a page that shows a few rows asks for a list instead (`limit`)."""

    def __init__(self, items: list[Any], make: Any) -> None:
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return map(self.make, self.items)


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel number format
    widths: list[int] | None = None
    band: list[str] | None = None  # a group label per column, above the header (xlsx)
    text: list[str] = field(default_factory=list)  # paragraphs before the table
    figures: list[tuple[str, Any]] = field(default_factory=list)  # headline figures: (label, value)
    filters: tuple[int, ...] = ()  # columns a page lets the reader filter by
    show: tuple[int, ...] | None = None  # the columns a page shows; a click on a row opens all of them
    group: tuple[int, ...] = ()  # columns with one value per run of rows: a page heads each run with them
    total: int | None = None  # the number of rows before a page's limit cut them

    @property
    def size(self) -> int:
        return len(self.rows) if self.total is None else self.total


def pct(x: float | None) -> str:
    """A share as a percentage, rounded down: 99.96% reads 99.9%, never 100% before it is."""
    return "" if x is None else f"{math.floor(round(x * 1000, 6)) / 10:.1f}%"


def coverage_sections(data: dict[str, Any]) -> list[Section]:
    t = data["totals"]
    figures = [
        ("应报单位", t["units_expected"]),
        ("已接收", t["units_accepted"]),
        ("已退回", t.get("units_rejected", t["units_submitted"] - t["units_accepted"])),
        ("未报送", t.get("units_not_submitted", t["units_expected"] - t["units_submitted"])),
        ("接收率", pct(t.get("accepted_share"))),
        ("系统数", t["systems"]),
    ]
    if data.get("days_to_deadline") is not None:
        days = data["days_to_deadline"]
        figures.append(("距截止日" if days >= 0 else "已超过截止日", f"{abs(days)} 天"))
    groups = [
        [
            g,
            v["units_expected"],
            v["units_accepted"],
            v.get("units_rejected", 0),
            v.get("units_not_submitted", 0),
            pct(v.get("accepted_share")),
            v["systems"],
            pct(v["completeness"]),
        ]
        for g, v in data.get("by_group", {}).items()
    ]
    chase = [
        [
            c["unit"],
            c["group"],
            STATUS_NAMES[c["status"]],
            c["reason"],
            c["contact"]["name"] or "",
            c["contact"]["phone"] or "",
            c["contact"]["email"] or "",
            c["contact_source"] or "无（请向单位核实）",
            (c["last_submitted_at"] or "")[:16].replace("T", " "),
        ]
        for c in data.get("chase", [])
    ]
    units = [
        [
            u["unit"],
            u["short_name"],
            u.get("group", ""),
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
    deadline = f"报送截止日期：{data['deadline']}。" if data.get("deadline") else ""
    return [
        Section(
            "总体情况", ["项目", "数值"], [list(f) for f in figures], widths=[16, 14], figures=figures, text=[deadline] if deadline else []
        ),
        Section("按单位类别", ["类别", "应报", "已接收", "已退回", "未报送", "接收率", "系统数", "必填完整率"], groups),
        Section(
            "催报名单",
            ["单位", "类别", "状态", "原因", "联系人", "电话", "邮箱", "联系人来源", "最近报送"],
            chase,
            widths=[30, 10, 8, 40, 10, 16, 24, 12, 17],
            text=[
                f"共 {len(chase)} 个单位需要催报：未报送的请尽快报送，已退回的请按反馈表修改后重报。"
                if chase
                else "全部应报单位均已报送并通过。"
            ],
            filters=(1, 2),
        ),
        Section(
            "各单位报送情况",
            [
                "单位",
                "简称",
                "类别",
                "单位性质",
                "试点",
                "状态",
                "系统数",
                "必填完整率",
                "建议项完整率",
                "错误",
                "提醒",
                "报送次数",
                "最近报送",
            ],
            units,
            formats={7: "0.0%", 8: "0.0%"},
            widths=[30, 16, 10, 14, 6, 8, 8, 11, 11, 6, 6, 8, 17],
            filters=(2, 5),
        ),
    ]


def issues_sections(data: dict[str, Any], findings_meta: dict[str, Any] | None = None, limit: int | None = None) -> list[Section]:
    meta = findings_meta or {}
    summary = [[s["title"], SEVERITY_NAMES[s["severity"]], s["count"], s["code"]] for s in data.get("summary", [])]
    titles = {s["code"]: s["title"] for s in data.get("summary", [])}
    findings = [
        [
            titles.get(f["code"], f["code"]),
            meta.get(f["code"], {}).get("action", ""),
            SEVERITY_NAMES[f["severity"]],
            _units(f),
            f["system"],
            f["message"],
            "；".join(f"{k}：{_evidence(v)}" for k, v in f["evidence"].items()),
            f["code"],
        ]
        for f in data["findings"][:limit]
    ]
    per_unit: dict[str, list[int]] = {}
    for f in data["findings"]:
        units = _units(f)
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
    if isinstance(v, list):
        parts = [("/".join(str(x) for x in item.values()) if isinstance(item, dict) else str(item)) for item in v[:8]]
        return "，".join(parts) + ("…" if len(v) > 8 else "")
    return str(v)


def inventory_sections(data: dict[str, Any], form: Form, limit: int | None = None) -> list[Section]:
    """The consolidated inventory, on the template's own headers so it can be filtered and re-imported."""
    fields = form.main.fields
    extra = (
        ["填报单位", "综合评分", "处置建议", "建议依据", "评估发现", *data["systems"][0]["scores"], "处置决定", "完成期限", "责任单位"]
        if data["systems"]
        else []
    )
    columns = [f.header for f in fields] + extra
    band = [form.groups.get(f.group, f.group) for f in fields] + ["评估"] * len(extra)
    formats = {i: f.number_format for i, f in enumerate(fields) if f.number_format != "General"}
    titles = {code: m["title"] for code, m in load_findings()["findings"].items()}
    keys = [f.key for f in fields]

    def row(s: dict[str, Any]) -> list[Any]:
        v = s["values"]
        return [v.get(k) for k in keys] + [
            s["unit"],
            s["score"],
            s["recommendation"],
            s["why"],
            "、".join(titles.get(c, c) for c in s["findings"]),
            *s["scores"].values(),
            *((d["decision"], d["due"], d["responsible"]) if (d := s.get("disposition")) else (None, None, None)),
        ]

    systems = data["systems"]
    rows: Any = [row(s) for s in systems[:limit]] if limit is not None else LazyRows(systems, row)
    recs = [[k, n] for k, n in data.get("summary", {}).items()]
    at = {f.key: i for i, f in enumerate(fields)}
    n = len(fields)
    key = [at[k] for k in KEY_FIELDS if k in at]
    return [
        Section(
            form.main.name,
            columns,
            rows,
            formats=formats,
            widths=[f.width for f in fields] + [28, 8, 10, 24, 40] + [8] * 6 + [10, 11, 20],
            band=band,
            show=(n, *key, n + 1, n + 2, len(columns) - 3, n + 4) if extra else None,
            filters=(n, *(at[k] for k in ("status", "deploy_location") if k in at), n + 2) if extra else (),
            total=len(data["systems"]),
        ),
        Section("处置建议汇总", ["建议", "系统数"], recs, widths=[14, 10]),
    ]


def round_name(data: dict[str, Any], form: Form) -> str:
    """The round a report is about: as the data says (rounds in the database), else the form's settings."""
    r = data.get("round")
    if isinstance(r, dict):
        return str(r.get("name") or "")
    return str(r) if r else str(form.round.get("name", ""))


def report_meta(kind: str, data: dict[str, Any], form: Form) -> list[str]:
    scope = {"all": "全部单位", "pilot": "试点单位"}.get(data.get("scope", "all"), "")
    return [
        f"调查轮次：{round_name(data, form)}",
        f"数据统计截止日期：{data.get('as_of', '')}",
        {
            "inventory": "范围：各单位当前已接收的报送",
            "unit": f"单位：{data.get('unit', {}).get('name', '')}",
            "changes": f"比较：{data.get('from', {}).get('name', '')} → {data.get('to', {}).get('name', '')}",
        }.get(kind, f"范围：{scope}"),
        f"生成时间：{data.get('generated_at', '')[:16].replace('T', ' ')}",
    ]


def cell_text(v: Any, fmt: str | None) -> str:
    """A value as text, percentages as the section's number format says."""
    if v is None:
        return ""
    if fmt and "%" in fmt and isinstance(v, (int, float)):
        return pct(v)
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)
