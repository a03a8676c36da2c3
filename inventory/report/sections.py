"""Report data turned into `Section`s (a title, columns, rows) once; every format renders sections."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..beijing import shown
from ..form.assessment import load_findings
from ..form.model import Form
from ..workflow.states import RETURN_NAMES, STATE_NAMES

STATUS_NAMES = RETURN_NAMES  # the one vocabulary (workflow.states)
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


def rate(figures: dict[str, Any], key: str = "accepted_share") -> str:
    """A share of the units expected, or "—" when none is (a county whose every unit is exempt has
    nothing left to return: 0.0% would read as if none had)."""
    return "—" if not figures.get("units_expected") else pct(figures.get(key))


def _carried_note(carried: dict[str, Any] | None) -> str:
    if not carried or not carried.get("units"):
        return ""
    return (
        f"另有 {carried['units']} 个单位上一轮已报、本轮尚未报送，它们上一轮的 {carried['systems']} 个系统未计入本轮系统数，"
        "按上一轮的报送留存（见催报名单）。"
    )


def coverage_sections(data: dict[str, Any]) -> list[Section]:
    t = data["totals"]
    figures = [
        ("应报单位（不含免报）" if t.get("units_exempt") else "应报单位", t["units_expected"]),
        ("已入库", t["units_accepted"]),
        ("已审核通过", t.get("units_approved", 0)),
        ("未通过校验", t.get("units_rejected", t["units_submitted"] - t["units_accepted"])),
        ("未报送", t.get("units_not_submitted", t["units_expected"] - t["units_submitted"])),
        ("入库率", rate(t)),
        ("系统数", t["systems"]),
    ]
    if t.get("units_exempt"):
        figures.insert(5, ("免报", t["units_exempt"]))
    if t.get("units_unconfirmed"):
        figures.append(("原样重报未确认", t["units_unconfirmed"]))  # in, but not shown to have been checked this round
    if t.get("units_late_submitted"):
        figures.append(("逾期报送", t["units_late_submitted"]))  # came after the deadline
    if t.get("units_overdue"):
        figures.append(("逾期未报", t["units_overdue"]))  # none yet, the deadline past
    if data.get("days_to_deadline") is not None:
        days = data["days_to_deadline"]
        figures.append(("距截止日" if days >= 0 else "已超过截止日", f"{abs(days)} 天"))
    under = data.get("under") or {}
    deadline = f"报送截止日期：{data['deadline']}（北京时间当日24时前收到的算按时）。" if data.get("deadline") else ""
    scope = (
        f"统计范围：{under['unit']}及其下级。"
        if under.get("code") and under.get("level") and data.get("under", {}).get("unit") != "四川省"
        else ""
    )
    chase = [
        [
            c["unit"],
            c.get("level") or c["group"],
            c.get("reviewer") or "",
            STATE_NAMES.get(c.get("state", ""), STATUS_NAMES[c["status"]]),
            c["reason"],
            "逾期" if c.get("late") else "",
            c["contact"]["name"] or "",
            c["contact"]["phone"] or "",
            c["contact"]["email"] or "",
            c["contact_source"] or "无（请向单位核实）",
            shown(c["last_submitted_at"]),
        ]
        for c in data.get("chase", [])
    ]
    units = [
        [
            u["unit"],
            u["short_name"],
            u.get("level", ""),
            u["kind"],
            u.get("reviewer") or "",
            "是" if u["pilot"] else "",
            STATUS_NAMES[u["status"]],
            STATE_NAMES.get(u.get("state", ""), ""),
            "逾期" if u.get("late") else "",
            u["systems"],
            u["completeness"],
            u["completeness_recommended"],
            u["errors"],
            u["warnings"],
            u["submissions"],
            shown(u["last_submitted_at"]),
            u.get("reason") or "",
        ]
        for u in data["units"]
    ]
    return [
        Section(
            "总体情况",
            ["项目", "数值"],
            [list(f) for f in figures],
            widths=[16, 14],
            figures=figures,
            text=[x for x in (scope, deadline, _carried_note(data.get("carried"))) if x],
        ),
        _rollup_section("按层级", "层级", list((data.get("by_level") or data.get("by_group", {})).items())),
        *(
            [_rollup_section("各市（州）", "市（州）", [(c["unit"], c) for c in data["by_city"]], state=True)]
            if data.get("by_city")
            else []
        ),
        *(
            [_rollup_section("各区（县）", "区（县）", [(c["unit"], c) for c in data["by_county"]], state=True)]
            if data.get("by_county")
            else []
        ),
        *([_offices_section(data["offices"])] if len(data.get("offices") or ()) > 1 else []),
        Section(
            "催报名单",
            ["单位", "层级", "审核单位", "状态", "原因", "逾期", "联系人", "电话", "邮箱", "联系人来源", "最近报送"],
            chase,
            widths=[30, 12, 24, 10, 40, 6, 10, 16, 24, 12, 17],
            text=[
                f"共 {len(chase)} 个单位需要催报：未报送的请尽快报送，未通过校验的请按反馈表修改后重报，退回修改的请按审核意见修改后重报。"
                if chase
                else "全部应报单位均已报送。"
            ],
            filters=(1, 2, 3),
        ),
        Section(
            "各单位报送情况",
            [
                "单位",
                "简称",
                "层级",
                "单位性质",
                "审核单位",
                "试点",
                "入库状态",
                "审核状态",
                "逾期",
                "系统数",
                "必填完整率",
                "建议项完整率",
                "错误",
                "提醒",
                "报送次数",
                "最近报送",
                "审核意见或免报理由",
            ],
            units,
            formats={10: "0.0%", 11: "0.0%"},
            widths=[30, 16, 12, 14, 24, 6, 10, 10, 6, 8, 11, 11, 6, 6, 8, 17, 30],
            filters=(2, 4, 6, 7, 8),
            show=(0, 2, 4, 6, 7, 8, 9, 10, 12, 15),
        ),
    ]


def _rollup_section(title: str, label: str, rows: list[tuple[str, dict[str, Any]]], state: bool = False) -> Section:
    """Figures per level, per 市(州) or per 区(县): expected, returned, in, approved, on time."""
    columns = [label, "应报", "已报送", "已入库", "已审核通过", "免报", "未报送", "按时报送", "逾期报送", "入库率", "系统数"]
    body = [
        [
            name,
            v["units_expected"],
            v["units_submitted"],
            v["units_accepted"],
            v.get("units_approved", 0),
            v.get("units_exempt", 0),
            v.get("units_not_submitted", 0),
            v.get("units_on_time", 0),
            v.get("units_late_submitted", 0),
            rate(v),
            v["systems"],
            *([v.get("state_name") or ""] if state else []),
        ]
        for name, v in rows
    ]
    return Section(title, columns + (["审核状态"] if state else []), body, filters=(len(columns),) if state else ())


def _offices_section(offices: list[dict[str, Any]]) -> Section:
    rows = [[o["unit"], o["level"], o["state_name"], f"{o['children_done']}/{o['children_total']}", o.get("reason") or ""] for o in offices]
    return Section(
        "各级项目办审核进度",
        ["项目办", "层级", "状态", "下级已审核通过或免报", "上级意见"],
        rows,
        text=["下级全部审核通过或免报后，本级才能报上级审核；上级审核通过后锁定，退回的附有意见。"],
        filters=(1, 2),
    )


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
            "inventory": "内容：各单位当前已接收的报送",
            "unit": f"单位：{data.get('unit', {}).get('name', '')}",
            "changes": f"比较：{data.get('from', {}).get('name', '')} → {data.get('to', {}).get('name', '')}",
        }.get(kind, f"本轮应报：{scope}"),
        f"生成时间：{shown(data.get('generated_at'))}",
    ]


def cell_text(v: Any, fmt: str | None) -> str:
    """A value as text, percentages as the section's number format says."""
    if v is None:
        return ""
    if fmt and "%" in fmt and isinstance(v, (int, float)):
        return pct(v)
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)
