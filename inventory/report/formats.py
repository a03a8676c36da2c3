"""Report formats: Markdown, xlsx and one self-contained HTML page with inline SVG charts.

Every report is first turned into `Section`s (a title, columns, rows); each format renders
sections, so the formats cannot disagree. Values from returns are never trusted: in xlsx a text
starting with =, +, - or @ stays text (no formula injection); in HTML everything is escaped and a
Content-Security-Policy forbids any network access, so the page works offline on an intranet PC.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

from ..form.load import Form

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BAND_FILL = PatternFill("solid", fgColor="BDD7EE")
STATUS_NAMES = {"accepted": "已接收", "rejected": "已退回", "not_submitted": "未报送"}
SEVERITY_NAMES = {"error": "错误", "warning": "提醒"}
HTML_ROW_LIMIT = 3000


def put(cell: Cell, value: Any) -> None:
    """Write `value` into a cell; text that looks like a formula stays text."""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"


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


# -- report data -> sections --


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


# -- sections -> formats --


def _text(v: Any, fmt: str | None) -> str:
    """A value as text, percentages as the section's number format says."""
    if v is None:
        return ""
    if fmt and "%" in fmt and isinstance(v, (int, float)):
        return f"{v * 100:.1f}%"
    return "、".join(map(str, v)) if isinstance(v, list) else str(v)


def to_markdown(title: str, meta: list[str], sections: list[Section], limit: int = HTML_ROW_LIMIT) -> str:
    def row_text(s: Section, row: list[Any]) -> str:
        return " | ".join(_text(v, s.formats.get(i)).replace("|", "\\|").replace("\n", " ") for i, v in enumerate(row))

    out = [f"# {title}", "", *[f"- {m}" for m in meta], ""]
    for s in sections:
        out += [f"## {s.title}", "", "| " + " | ".join(s.columns) + " |", "|" + "---|" * len(s.columns)]
        out += ["| " + row_text(s, row) + " |" for row in s.rows[:limit]]
        if len(s.rows) > limit:
            out.append(f"\n（共 {len(s.rows)} 行，此处只列前 {limit} 行；完整数据请导出 xlsx 或 json。）")
        out.append("")
    return "\n".join(out)


def write_xlsx(path: Path, title: str, meta: list[str], sections: list[Section]) -> Path:
    from ..template.build import save_workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    first["A1"] = title
    first["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(meta, start=3):
        put(first.cell(row=i, column=1), line)
    first.column_dimensions["A"].width = 80
    for s in sections:
        ws = wb.create_sheet(s.title[:31])
        header_row = 1
        if s.band:
            header_row = 2
            start = 0
            for i in range(1, len(s.band) + 1):
                if i == len(s.band) or s.band[i] != s.band[start]:
                    c = ws.cell(row=1, column=start + 1, value=s.band[start])
                    c.fill, c.font = BAND_FILL, Font(bold=True)
                    c.alignment = Alignment(horizontal="center")
                    if i - start > 1:
                        ws.merge_cells(start_row=1, start_column=start + 1, end_row=1, end_column=i)
                    start = i
        for ci, name in enumerate(s.columns, start=1):
            c = ws.cell(row=header_row, column=ci, value=name)
            c.font, c.fill = Font(bold=True), HEADER_FILL
            c.alignment = Alignment(wrap_text=True, vertical="center")
            if s.widths and ci <= len(s.widths):
                ws.column_dimensions[c.column_letter].width = s.widths[ci - 1]
        for ri, row in enumerate(s.rows, start=header_row + 1):
            for ci, value in enumerate(row, start=1):
                c = ws.cell(row=ri, column=ci)
                put(c, value)
                if ci - 1 in s.formats:
                    c.number_format = s.formats[ci - 1]
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
        last = ws.cell(row=header_row + max(len(s.rows), 1), column=max(len(s.columns), 1)).coordinate
        ws.auto_filter.ref = f"A{header_row}:{last}"
    return save_workbook(wb, path)


# -- HTML with inline SVG charts --

PALETTE = {
    "accepted": "#2e7d32",
    "rejected": "#c62828",
    "not_submitted": "#9e9e9e",
    "error": "#c62828",
    "warning": "#f9a825",
    "bar": "#1f4e78",
}


def bar_chart(title: str, items: Iterable[tuple[str, float, str]], *, percent: bool = False, width: int = 760) -> str:
    """A horizontal bar chart as inline SVG: (label, value, colour) per bar."""
    rows = list(items)
    if not rows:
        return ""
    top = max((v for _, v, _ in rows), default=1) or 1
    bar_h, gap, label_w = 18, 6, 220
    height = 34 + len(rows) * (bar_h + gap)
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        w = 0 if top == 0 else (width - label_w - 80) * (value / (1 if percent else top))
        text = f"{value * 100:.0f}%" if percent else f"{value:g}"
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">{html.escape(str(label)[:18])}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 13}" font-size="12">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _counts(values: Iterable[Any]) -> list[tuple[str, float, str]]:
    counts: dict[str, int] = {}
    for v in values:
        key = "未填写" if v in (None, "") else str(v)
        counts[key] = counts.get(key, 0) + 1
    return [(k, n, PALETTE["bar"]) for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def charts(kind: str, data: dict[str, Any]) -> list[str]:
    if kind == "coverage":
        units = data["units"]
        return [
            bar_chart(
                "各单位报送状态与系统数（绿=已接收，红=已退回，灰=未报送）",
                [(u["short_name"], u["systems"] if u["status"] == "accepted" else 0, PALETTE[u["status"]]) for u in units],
            ),
            bar_chart(
                "各单位必填完整率",
                [(u["short_name"], u["completeness"], PALETTE["bar"]) for u in units if u["status"] != "not_submitted"],
                percent=True,
            ),
        ]
    if kind == "issues":
        return [bar_chart("评估发现（按类型）", [(s["title"], s["count"], PALETTE[s["severity"]]) for s in data.get("summary", [])])]
    systems = [s["values"] for s in data["systems"]]
    return [
        bar_chart("系统部署位置", _counts(v.get("deploy_location") for v in systems)),
        bar_chart("等保定级", _counts(v.get("mlps_level") for v in systems)),
        bar_chart("处置建议", [(k, n, PALETTE["bar"]) for k, n in data.get("summary", {}).items()]),
    ]


CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px;border-bottom:3px solid #1f4e78;padding-bottom:6px}h2{font-size:17px;margin-top:28px;color:#1f4e78}
.meta{color:#555;font-size:13px}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fafafa;border:1px solid #ddd;padding:6px}
table{border-collapse:collapse;font-size:12px;margin-top:8px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#d9e1f2;position:sticky;top:0}tr:nth-child(even) td{background:#f7f9fc}.note{color:#777;font-size:12px}
@media print{body{margin:8mm}.chart{page-break-inside:avoid}th{position:static}table{font-size:9pt}h2{page-break-after:avoid}}
"""


def to_html(title: str, meta: list[str], sections: list[Section], svg: list[str], limit: int = HTML_ROW_LIMIT) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<div class="meta">' + "<br>".join(html.escape(m) for m in meta) + "</div>",
    ]
    if any(svg):
        out.append('<div class="charts">' + "".join(svg) + "</div>")
    for s in sections:
        out.append(
            f"<h2>{html.escape(s.title)}</h2><table><thead><tr>"
            + "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
            + "</tr></thead><tbody>"
        )
        out += [
            "<tr>" + "".join(f"<td>{html.escape(_text(v, s.formats.get(i)))}</td>" for i, v in enumerate(row)) + "</tr>"
            for row in s.rows[:limit]
        ]
        out.append("</tbody></table>")
        if len(s.rows) > limit:
            out.append(f'<p class="note">共 {len(s.rows)} 行，此处只列前 {limit} 行；完整数据请导出 xlsx。</p>')
    out.append("</body></html>")
    return "\n".join(out)


TITLES = {"coverage": "报送覆盖情况", "issues": "问题与评估发现", "inventory": "政务信息系统汇总清单"}
FORMATS = ("table", "json", "md", "html", "xlsx")


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


def write_report(kind: str, data: dict[str, Any], fmt: str, path: Path | None, form: Form) -> str | Path:
    """Render a report; returns the text (no path) or the file written."""
    title = f"{form.round.get('name', '')} · {TITLES[kind]}"
    meta = report_meta(kind, data, form)
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    elif fmt == "md":
        text = to_markdown(title, meta, report_sections(kind, data, form))
    elif fmt == "html":
        text = to_html(title, meta, report_sections(kind, data, form), charts(kind, data))
    elif fmt == "xlsx":
        target = path or Path(f"{TITLES[kind]}.xlsx")
        return write_xlsx(target, title, meta, report_sections(kind, data, form))
    else:
        raise ValueError(fmt)
    if path is None:
        return text
    return write_text(Path(path), text + "\n")


def write_text(path: Path, text: str) -> Path:
    from ..errors import OutputError

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}", hint="请确认目标文件夹存在且可写。") from exc
    return Path(path)
