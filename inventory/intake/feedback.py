"""Feedback workbooks: the unit's data in the current template, every problem at its cell.

The user's file is never modified or re-saved (pitfall P5). A new workbook is generated from the
form, the unit's values are written into it, each problem cell is filled red (error) or yellow
(warning) with a comment carrying the message, and a 问题清单 sheet lists every issue with a link to
its cell. The unit can correct the values right there and send the workbook back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from ..beijing import now
from ..beijing import shown as shown_at
from ..chars import shown
from ..form.issues import ERROR, Issue
from ..form.load import Form
from ..output import put, save_workbook
from ..template import build_template
from ..template.styles import BOLD, FILL_GROUP, FILL_TITLE, TITLE_FONT
from .result import FileReport

FILL_ERROR = PatternFill("solid", fgColor="FF7C80")
FILL_WARNING = PatternFill("solid", fgColor="FFE699")
ISSUES_SHEET = "问题清单"
LINK = Font(color="0563C1", underline="single")


def _cell_value(ftype: str, value: Any) -> Any:
    """A normalised value written back as Excel would hold it."""
    if isinstance(value, list):
        return "、".join(value)
    if ftype == "date" and isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def feedback_path(report: FileReport, folder: Path) -> Path:
    base = Path(folder) / f"{report.path.stem}-反馈.xlsx"
    n = 2
    while base.exists():
        base = Path(folder) / f"{report.path.stem}-反馈-{n}.xlsx"
        n += 1
    return base


def build_feedback(report: FileReport, form: Form) -> Any:
    wb = build_template(form, report.unit)
    data = report.data
    # where each (sheet, original row) lands in the feedback workbook, and each field's column
    moved: dict[tuple[str, int], int] = {}
    names: dict[str, str] = {}  # sheet name in the user's file -> form sheet name
    cut: list[str] = []  # cells whose value was longer than Excel allows
    if data is not None:
        for sheet_name, sd in data.sheets.items():
            names[sd.name] = sheet_name
            ws = wb[sheet_name]
            spec = sd.spec
            for i, rec in enumerate(sd.records):
                target = spec.first_data_row + i
                if spec.layout == "table":
                    moved[(sheet_name, rec.row)] = target
                for key, value in rec.values.items():
                    f = spec.by_key[key]
                    ref = f.position if spec.layout == "form" else f"{f.position}{target}"
                    if put(ws[ref], _cell_value(f.type, rec.raw.get(key, value))):
                        cut.append(f"{sheet_name}!{ref}")
    by_cell: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    located: list[tuple[Issue, str | None, str | None]] = []
    for issue in report.issues:
        sheet = names.get(issue.sheet or "")
        cell = None
        if sheet and issue.field:
            spec = form.by_name[sheet]
            f = spec.by_key[issue.field]
            if spec.layout == "form":
                cell = f.position
            elif issue.row and (sheet, issue.row) in moved:
                cell = f"{f.position}{moved[(sheet, issue.row)]}"
        if sheet and cell:
            by_cell[(sheet, cell)].append(issue)
        located.append((issue, sheet, cell))
    for (sheet, cell), issues in by_cell.items():
        c = wb[sheet][cell]
        c.fill = FILL_ERROR if any(i.severity == ERROR for i in issues) else FILL_WARNING
        text = "\n".join(f"【{'错误' if i.severity == ERROR else '提醒'}】{i.message.split('：', 1)[-1]} {i.hint}" for i in issues)
        c.comment = Comment(shown(text[:2000]), "项目办校验", width=320, height=160)
    _issues_sheet(wb, report, located, cut)
    return wb


def _issues_sheet(wb: Any, report: FileReport, located: list[tuple[Issue, str | None, str | None]], cut: list[str]) -> None:
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    put(ws.cell(row=1, column=1), f"校验反馈：{report.path.name}")
    ws.cell(row=1, column=1).font = TITLE_FONT
    ws.cell(row=1, column=1).fill = FILL_TITLE
    ws.merge_cells("A1:H1")
    unit = report.unit.name if report.unit else (report.unit_written or "未识别")
    put(
        ws.cell(row=2, column=1),
        f"单位：{unit}；系统 {report.systems} 个；错误 {report.errors} 条，提醒 {report.warnings} 条；生成时间 {shown_at(now())}（北京时间）。",
    )
    if cut:
        note = ws.cell(row=4, column=1, value=f"注意：{len(cut)} 个单元格的内容超过 Excel 上限（32,767 字），已截断：{'、'.join(cut[:10])}")
        note.font = Font(bold=True, color="C00000")
    ws.cell(
        row=3,
        column=1,
        value=(
            "本工作簿已按最新模板装入贵单位报送的数据：红色单元格是错误（必须修改），黄色是提醒（请核实）。"
            "鼠标停在单元格上可看说明，点击下表“反馈表位置”可跳到该单元格。可直接在本工作簿中修改后重新报送。"
        ),
    ).alignment = Alignment(wrap_text=True)
    ws.merge_cells("A3:H3")
    ws.row_dimensions[3].height = 45
    heads = ("序号", "级别", "工作表", "原文件位置", "反馈表位置", "编码", "问题", "怎么改")
    widths = (6, 8, 12, 12, 12, 26, 60, 50)
    for i, (h, w) in enumerate(zip(heads, widths, strict=True), start=1):
        cell = ws.cell(row=5, column=i, value=h)
        cell.font, cell.fill = BOLD, FILL_GROUP
        ws.column_dimensions[cell.column_letter].width = w
    for n, (issue, sheet, cell) in enumerate(located, start=1):
        r = 5 + n
        original = issue.cell or (f"第 {issue.row} 行" if issue.row else "")
        values = (
            n,
            "错误" if issue.severity == ERROR else "提醒",
            issue.sheet or "（整个文件）",
            original,
            cell or "",
            issue.code,
            issue.message,
            issue.hint,
        )
        for i, v in enumerate(values, start=1):
            c = ws.cell(row=r, column=i)
            put(c, v)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=2).fill = FILL_ERROR if issue.severity == ERROR else FILL_WARNING
        if sheet and cell:
            link = ws.cell(row=r, column=5)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(sheet)}!{cell}", display=cell)
            link.font = LINK
    ws.freeze_panes = "A6"
    ws.auto_filter.ref = f"A5:H{5 + max(len(located), 1)}"
    wb.active = 0


def write_feedback(report: FileReport, form: Form, folder: Path) -> Path:
    """Write the feedback workbook for `report` into `folder`; returns its path."""
    return save_workbook(build_feedback(report, form), feedback_path(report, folder))
