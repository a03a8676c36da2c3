"""The one-row-per-project template for planned projects (xlsx, like the returns: a 填表说明 sheet, the
table with dropdowns, prompts and missing-value highlighting from `forms/planned.json`) and its CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook

from ..form.model import Sheet
from ..output import put, save_workbook, write_text
from ..template.lists import Lists
from ..template.sheets import table_sheet
from ..template.styles import BOLD, FILL_TITLE, TITLE_FONT, TOP_WRAP
from .fields import groups, planned_sheet

STEPS = (
    "每个拟建项目填一行；“建设内容及业务功能”请逐项写明，一项一句，用句号或分号隔开。",
    "改建、扩建项目请写明被改造的现有系统名称（与摸底填报的系统名称一致），比对时不把它当作重复。",
    "“需要共享的数据”每项用顿号分隔；比对结果会列出已有这些数据的系统。",
    "填好后交数据主管部门，用 `inventory planned check 文件` 或门户的“拟建项目预审”比对。",
)


def planned_template(sheet: Sheet | None = None) -> Workbook:
    """The blank template workbook."""
    sheet = sheet or planned_sheet()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "填表说明"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    title = ws.cell(row=1, column=1, value="拟建政务信息化项目预审表 填表说明")
    title.font, title.fill = TITLE_FONT, FILL_TITLE
    ws.merge_cells("A1:B1")
    put(ws.cell(row=2, column=1), sheet.description)
    ws.merge_cells("A2:B2")
    ws.cell(row=2, column=1).alignment = TOP_WRAP
    ws.row_dimensions[2].height = 45
    row = 4
    for n, step in enumerate(STEPS, start=1):
        ws.cell(row=row, column=1, value=f"第{n}步").font = BOLD
        put(ws.cell(row=row, column=2), step)
        ws.cell(row=row, column=2).alignment = TOP_WRAP
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="字段").font = BOLD
    ws.cell(row=row, column=2, value="说明").font = BOLD
    for f in sheet.fields:
        row += 1
        ws.cell(row=row, column=1, value=f.header)
        put(ws.cell(row=row, column=2), ("（必填）" if f.required else "") + f.help)
        ws.cell(row=row, column=2).alignment = TOP_WRAP
    lists = Lists(wb)
    table_sheet(wb, SimpleNamespace(groups=groups(sheet)), sheet, lists)  # type: ignore[arg-type]
    lists.finish()
    wb.active = 1
    return wb


def write_template(path: Path, sheet: Sheet | None = None) -> Path:
    """The template as xlsx, or as CSV (a header row of field titles, UTF-8 with BOM for Excel) when
    `path` ends in .csv."""
    sheet = sheet or planned_sheet()
    if Path(path).suffix.lower() == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow([f.title for f in sheet.fields])
        return write_text(Path(path), "\ufeff" + buffer.getvalue())
    return save_workbook(planned_template(sheet), Path(path))
