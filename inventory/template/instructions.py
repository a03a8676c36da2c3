"""The 填表说明 sheet: round, scope, steps, colour legend, every field and every rule, from the form."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..form.model import Form
from ..form.roster import Unit
from .names import INSTRUCTIONS_SHEET
from .styles import (
    BOLD,
    FILL_GROUP,
    FILL_MISSING,
    FILL_OPTIONAL,
    FILL_PREFILLED,
    FILL_RECOMMENDED,
    FILL_REQUIRED,
    FILL_TITLE,
    RED_BOLD,
    THIN,
    TITLE_FONT,
    TOP_WRAP,
)
from .validations import conditional_notes

WIDTHS = (10, 10, 22, 8, 14, 34, 46, 18)


class _Writer:
    """Appends lines to the sheet from the top, keeping the current row."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1

    def pair(self, label: str, value: object) -> None:
        self.ws.cell(row=self.row, column=1, value=label).font = BOLD
        self.ws.cell(row=self.row, column=3, value=str(value))
        self.row += 1

    def heading(self, title: str) -> None:
        self.row += 1
        self.ws.cell(row=self.row, column=1, value=title).font = RED_BOLD
        self.row += 1

    def numbered(self, title: str, lines: Iterable[str]) -> None:
        self.heading(title)
        for n, line in enumerate(lines, start=1):
            self.ws.cell(row=self.row, column=1, value=f"{n}. {line}").alignment = TOP_WRAP
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=len(WIDTHS))
            self.ws.row_dimensions[self.row].height = 15 * (1 + len(line) // 70)
            self.row += 1

    def table_row(self, values: Iterable[object], header: bool = False) -> None:
        for c, v in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=c, value=v)
            cell.border = THIN
            if header:
                cell.font, cell.fill = BOLD, FILL_GROUP
            else:
                cell.alignment = TOP_WRAP
        self.row += 1


def write_instructions(ws: Worksheet, form: Form, unit: Unit | None) -> None:
    ws.title = INSTRUCTIONS_SHEET
    ins = form.instructions
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.cell(row=1, column=1, value=form.title).font = TITLE_FONT
    ws.cell(row=1, column=1).fill = FILL_TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(WIDTHS))
    ws.row_dimensions[1].height = 28
    w = _Writer(ws)
    w.row = 2
    w.pair("调查轮次", form.round.get("name", ""))
    w.pair("数据统计截止日期", form.round.get("as_of", ""))
    w.pair("报送截止日期", form.round.get("deadline") or "以项目办的通知为准")
    w.pair("表单版本", f"{form.id} {form.version}")
    w.pair("填报单位", unit.name if unit else "（请在“单位信息”表中填写）")
    w.pair("咨询", form.round.get("contact", ""))
    w.numbered("一、目的", [ins.get("purpose", "")])
    w.numbered("二、填报范围", ins.get("scope", []))
    w.numbered("三、填报步骤", ins.get("steps", []))
    w.heading("四、颜色说明")
    fills = [FILL_REQUIRED, FILL_RECOMMENDED, FILL_OPTIONAL, FILL_MISSING, FILL_PREFILLED]
    for (sample, meaning), fill in zip(ins.get("legend", []), fills, strict=False):
        ws.cell(row=w.row, column=1, value=sample).fill = fill
        ws.merge_cells(start_row=w.row, start_column=1, end_row=w.row, end_column=2)
        ws.cell(row=w.row, column=3, value=meaning)
        w.row += 1
    w.heading("五、字段说明")
    w.table_row(("工作表", "列/单元格", "栏目", "必填", "类型", "可选值", "填写说明", "示例"), header=True)
    for sheet in form.sheets:
        notes = conditional_notes(sheet)
        for f in sheet.fields:
            need = sheet.need(f)
            help_text = " ".join([f.help, "；".join(notes.get(f.key, []))]).strip()
            example = "" if f.example is None else str(f.example)
            w.table_row((sheet.name, f.position, f.title, need, f.type_name, "、".join(f.enum or ()), help_text, example))
    w.heading("六、校验规则")
    rules = [(r.code, r.title, r.severity) for r in form.schema_rules()]
    rules += [(r["code"], r["title"], r["severity"]) for r in form.rules]
    for code, title, severity in rules:
        ws.cell(row=w.row, column=1, value="错误" if severity == "error" else "提醒")
        ws.cell(row=w.row, column=3, value=title)
        ws.cell(row=w.row, column=7, value=code)
        w.row += 1
    ws.sheet_view.showGridLines = False
