"""Excel templates generated from the form: dropdowns, prompts, required marks and checks that
work in Excel, WPS and LibreOffice without any software of ours (pitfalls P1–P13)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..errors import OutputError
from ..form.load import Field, Form, Sheet
from ..form.roster import Unit

LISTS_SHEET = "_lists"
META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "填表说明"

FILL_REQUIRED = PatternFill("solid", fgColor="F8CBAD")
FILL_RECOMMENDED = PatternFill("solid", fgColor="DDEBF7")
FILL_OPTIONAL = PatternFill("solid", fgColor="EDEDED")
FILL_GROUP = PatternFill("solid", fgColor="D9E1F2")
FILL_MISSING = PatternFill("solid", fgColor="FF9999", bgColor="FF9999")
FILL_TITLE = PatternFill("solid", fgColor="1F4E78")
BOLD = Font(bold=True)
RED_BOLD = Font(bold=True, color="C00000")
TITLE_FONT = Font(bold=True, size=14, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Border(*(Side(style="thin", color="A6A6A6"),) * 4)

PROMPT_TITLE_MAX = 32  # Excel limits for data-validation texts
PROMPT_MAX = 250
ERROR_MAX = 220


def _header_fill(f: Field) -> PatternFill:
    return FILL_REQUIRED if f.required else FILL_RECOMMENDED if f.recommended else FILL_OPTIONAL


def _conditional_notes(form: Form, sheet: Sheet) -> dict[str, list[str]]:
    """For each field, the conditions under which a schema rule makes it required."""
    notes: dict[str, list[str]] = {}
    for rule in sheet.rules:
        if not rule.when:
            continue
        cond = "，".join(f"{sheet.by_key[k].title}为“{'/'.join(v)}”" for k, v in rule.when.items())
        for key in rule.requires:
            notes.setdefault(key, []).append(f"{cond}时必填")
    return notes


def _prompt(f: Field, notes: list[str]) -> str:
    parts = [f.help]
    if notes:
        parts.append("；".join(notes) + "。")
    if f.example is not None:
        parts.append(f"示例：{f.example}")
    text = " ".join(p for p in parts if p)
    return text if len(text) <= PROMPT_MAX else text[: PROMPT_MAX - 1] + "…"


class _Builder:
    def __init__(self, form: Form, unit: Unit | None) -> None:
        self.form = form
        self.unit = unit
        self.wb = Workbook()
        self.lists: dict[tuple[str, ...], str] = {}  # options -> defined name
        self.lists_ws: Worksheet | None = None

    # -- lists on a hidden sheet, referenced through defined names (never inline, P1/P3) --
    def list_name(self, f: Field) -> str:
        assert f.enum
        if f.enum in self.lists:
            return self.lists[f.enum]
        ws = self.lists_ws
        assert ws is not None
        col = len(self.lists) + 1
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=f.key)
        for i, option in enumerate(f.enum, start=2):
            ws.cell(row=i, column=col, value=option)
        name = f"L_{f.key}"
        ref = f"{quote_sheetname(LISTS_SHEET)}!{absolute_coordinate(f'{letter}2:{letter}{len(f.enum) + 1}')}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self.lists[f.enum] = name
        return name

    def validation(self, f: Field, notes: list[str]) -> DataValidation | None:
        title = f.title[:PROMPT_TITLE_MAX]
        common: dict[str, Any] = {
            "allow_blank": True,
            "showInputMessage": True,
            "showErrorMessage": True,
            "promptTitle": title,
            "prompt": _prompt(f, notes),
            "errorTitle": title,
        }
        if f.enum:
            multi = f.multi
            error = ("可多选，多个选项用顿号“、”分隔；单选请从下拉列表选择。" if multi else f"请从下拉列表中选择：{'、'.join(f.enum)}")[
                :ERROR_MAX
            ]
            return DataValidation(
                type="list",
                formula1=f"={self.list_name(f)}",
                errorStyle="information" if multi else "stop",
                error=error,
                **common,
            )
        if f.type == "date":
            return DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1980,1,1)",
                formula2="DATE(2099,12,31)",
                errorStyle="warning",
                error="请填写日期，如 2024-03-01。",
                **common,
            )
        if f.type in ("amount", "int"):
            return DataValidation(
                type="decimal" if f.type == "amount" else "whole",
                operator="greaterThanOrEqual",
                formula1="0",
                errorStyle="warning",
                error="请填写不小于0的数字" + ("，单位万元。" if f.type == "amount" else "（整数）。"),
                **common,
            )
        if f.type == "uscc":
            return DataValidation(
                type="textLength",
                operator="equal",
                formula1="18",
                errorStyle="warning",
                error="统一社会信用代码应为18位，请以文本格式填写。",
                **common,
            )
        return DataValidation(type=None, **common)  # input prompt only

    # -- sheets --
    def instructions(self) -> None:
        ws = self.wb.active
        assert ws is not None
        ws.title = INSTRUCTIONS_SHEET
        form, ins = self.form, self.form.instructions
        widths = (10, 10, 22, 8, 14, 34, 46, 18)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        row = 1
        ws.cell(row=row, column=1, value=form.title).font = TITLE_FONT
        ws.cell(row=row, column=1).fill = FILL_TITLE
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        ws.row_dimensions[row].height = 28
        row += 1
        meta = [
            ("调查轮次", form.round.get("name", "")),
            ("数据统计截止日期", form.round.get("as_of", "")),
            ("报送截止日期", form.round.get("deadline", "")),
            ("表单版本", f"{form.id} {form.version}"),
            ("填报单位", self.unit.name if self.unit else "（请在“单位信息”表中填写）"),
            ("咨询", form.round.get("contact", "")),
        ]
        for label, value in meta:
            ws.cell(row=row, column=1, value=label).font = BOLD
            ws.cell(row=row, column=3, value=str(value))
            row += 1

        def section(title: str, lines: Iterable[str]) -> None:
            nonlocal row
            row += 1
            ws.cell(row=row, column=1, value=title).font = RED_BOLD
            row += 1
            for n, line in enumerate(lines, start=1):
                cell = ws.cell(row=row, column=1, value=f"{n}. {line}")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
                ws.row_dimensions[row].height = 15 * (1 + len(line) // 70)
                row += 1

        section("一、目的", [ins.get("purpose", "")])
        section("二、填报范围", ins.get("scope", []))
        section("三、填报步骤", ins.get("steps", []))
        row += 1
        ws.cell(row=row, column=1, value="四、颜色说明").font = RED_BOLD
        row += 1
        fills = [FILL_REQUIRED, FILL_RECOMMENDED, FILL_OPTIONAL, FILL_MISSING]
        for (sample, meaning), fill in zip(ins.get("legend", []), fills, strict=False):
            ws.cell(row=row, column=1, value=sample).fill = fill
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.cell(row=row, column=3, value=meaning)
            row += 1
        row += 1
        ws.cell(row=row, column=1, value="五、字段说明").font = RED_BOLD
        row += 1
        heads = ("工作表", "列/单元格", "栏目", "必填", "类型", "可选值", "填写说明", "示例")
        for c, h in enumerate(heads, start=1):
            cell = ws.cell(row=row, column=c, value=h)
            cell.font, cell.fill, cell.border = BOLD, FILL_GROUP, THIN
        row += 1
        for sheet in self.form.sheets:
            notes = _conditional_notes(self.form, sheet)
            for f in sheet.fields:
                need = "是" if f.required else "条件" if f.key in notes else "建议" if f.recommended else ""
                values = (
                    sheet.name,
                    f.position,
                    f.title,
                    need,
                    f.type_name,
                    "、".join(f.enum) if f.enum else "",
                    " ".join([f.help, *("；".join(notes.get(f.key, [])),)]).strip(),
                    "" if f.example is None else str(f.example),
                )
                for c, v in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=c, value=v)
                    cell.alignment, cell.border = Alignment(wrap_text=True, vertical="top"), THIN
                row += 1
        row += 1
        ws.cell(row=row, column=1, value="六、校验规则").font = RED_BOLD
        row += 1
        rules = [(r.code, r.title, r.severity) for r in self.form.schema_rules()]
        rules += [(r["code"], r["title"], r["severity"]) for r in self.form.rules]
        for code, title, severity in rules:
            ws.cell(row=row, column=1, value="错误" if severity == "error" else "提醒")
            ws.cell(row=row, column=3, value=title)
            ws.cell(row=row, column=7, value=code)
            row += 1
        ws.sheet_view.showGridLines = False

    def unit_sheet(self, sheet: Sheet) -> None:
        ws = self.wb.create_sheet(sheet.name)
        notes = _conditional_notes(self.form, sheet)
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 44
        ws.column_dimensions["C"].width = 60
        ws.cell(row=1, column=1, value=sheet.title).font = TITLE_FONT
        ws.cell(row=1, column=1).fill = FILL_TITLE
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
        for c, h in enumerate(("项目", "填写内容", "说明"), start=1):
            cell = ws.cell(row=sheet.header_row, column=c, value=h)
            cell.font, cell.fill, cell.border = BOLD, FILL_GROUP, THIN
        prefill = self.prefill()
        for f in sheet.fields:
            row = int(f.position[1:])
            label = ws.cell(row=row, column=1, value=f.header)
            label.font, label.fill, label.border, label.alignment = BOLD, _header_fill(f), THIN, WRAP
            value = ws[f.position]
            value.border, value.number_format = THIN, f.number_format
            if f.key in prefill:
                value.value = prefill[f.key]
            ws.cell(row=row, column=3, value=_prompt(f, notes.get(f.key, []))).alignment = WRAP
            dv = self.validation(f, notes.get(f.key, []))
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f.position)
            if f.required:
                ws.conditional_formatting.add(f.position, FormulaRule(formula=[f"LEN({f.position})=0"], fill=FILL_MISSING))
            ws.row_dimensions[row].height = 30
        ws.freeze_panes = f"A{sheet.first_data_row}"

    def prefill(self) -> dict[str, Any]:
        if not self.unit:
            return {}
        region = next((r["name"] for r in self.form.regions if r["code"] == self.unit.region_code), None)
        if self.unit.level == "省级":
            region = next((r["name"] for r in self.form.regions if r["code"] == "510000"), region)
        values = {"unit_name": self.unit.name, "level": self.unit.level, "region": region}
        return {k: v for k, v in values.items() if v and k in self.form.unit_sheet.by_key}

    def table_sheet(self, sheet: Sheet) -> None:
        ws = self.wb.create_sheet(sheet.name)
        notes = _conditional_notes(self.form, sheet)
        first, last = sheet.first_data_row, sheet.first_data_row + sheet.max_rows - 1
        anchor_key = sheet.name_field or sheet.parent_key or sheet.fields[0].key
        anchor = sheet.by_key[anchor_key].position
        # group band above the header
        if sheet.header_row > 1:
            start = 0
            for i in range(1, len(sheet.fields) + 1):
                if i == len(sheet.fields) or sheet.fields[i].group != sheet.fields[start].group:
                    cell = ws.cell(
                        row=sheet.header_row - 1,
                        column=start + 1,
                        value=self.form.groups.get(sheet.fields[start].group, sheet.fields[start].group),
                    )
                    cell.font, cell.fill, cell.alignment = BOLD, FILL_GROUP, CENTER
                    if i - start > 1:
                        ws.merge_cells(start_row=sheet.header_row - 1, start_column=start + 1, end_row=sheet.header_row - 1, end_column=i)
                    start = i
        for f in sheet.fields:
            col = f.position
            head = ws[f"{col}{sheet.header_row}"]
            head.value = f.header
            head.font, head.fill, head.alignment, head.border = BOLD, _header_fill(f), CENTER, THIN
            head.comment = Comment(_prompt(f, notes.get(f.key, [])), "inventory", width=300, height=140)
            ws.column_dimensions[col].width = f.width
            if f.number_format != "General":
                ws.column_dimensions[col].number_format = f.number_format
                for r in range(first, last + 1):
                    ws[f"{col}{r}"].number_format = f.number_format
            dv = self.validation(f, notes.get(f.key, []))
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f"{col}{first}:{col}{last}")
            # red when the row has content but this required cell is empty
            cond = [f"LEN(${anchor}{first})>0", f"LEN({col}{first})=0"]
            if f.required and f.key != anchor_key:
                formula = f"AND({','.join(cond)})"
            elif f.key in notes:
                alts = []
                for rule in sheet.rules:
                    if f.key in rule.requires and rule.when:
                        parts = [
                            "OR(" + ",".join(f'${sheet.by_key[k].position}{first}="{v}"' for v in vals) + ")"
                            for k, vals in rule.when.items()
                        ]
                        alts.append(f"AND({','.join(parts)})")
                formula = f"AND({','.join(cond)},OR({','.join(alts)}))"
            else:
                continue
            ws.conditional_formatting.add(f"{col}{first}:{col}{last}", FormulaRule(formula=[formula], fill=FILL_MISSING))
        ws.row_dimensions[sheet.header_row].height = 36
        freeze_col = get_column_letter(sheet.fields.index(sheet.by_key[anchor_key]) + 2)
        ws.freeze_panes = f"{freeze_col}{first}"
        ws.auto_filter.ref = f"A{sheet.header_row}:{sheet.fields[-1].position}{sheet.header_row}"

    def meta(self) -> None:
        ws = self.wb.create_sheet(META_SHEET)
        values = self.meta_values()
        for i, (k, v) in enumerate(values.items(), start=1):
            ws.cell(row=i, column=1, value=k)
            ws.cell(row=i, column=2, value=v)
        ws.sheet_state = "veryHidden"
        props = self.wb.properties
        props.title = f"{self.form.title}（{self.unit.name if self.unit else '空白'}）"
        props.subject = self.form.id
        props.keywords = f"form={self.form.id};version={self.form.version}"
        props.creator = "inventory"
        for k, v in values.items():
            self.wb.custom_doc_props.append(StringProperty(name=k, value=str(v) or "-"))

    def meta_values(self) -> dict[str, str]:
        return {
            "form_id": self.form.id,
            "form_version": self.form.version,
            "unit_name": self.unit.name if self.unit else "",
            "unit_short_name": self.unit.short_name if self.unit else "",
            "region_code": self.unit.region_code if self.unit else "",
            "generated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "generator": f"inventory {__version__}",
        }

    def build(self) -> Workbook:
        self.instructions()
        self.lists_ws = self.wb.create_sheet(LISTS_SHEET)
        for sheet in self.form.sheets:
            if sheet.layout == "form":
                self.unit_sheet(sheet)
            else:
                self.table_sheet(sheet)
        self.lists_ws.sheet_state = "veryHidden"
        self.wb.move_sheet(LISTS_SHEET, offset=len(self.wb.sheetnames))
        self.meta()
        self.wb.active = 1  # open on the unit sheet
        return self.wb


def build_template(form: Form, unit: Unit | None = None) -> Workbook:
    """A workbook for `unit` (pre-filled) or a blank one."""
    return _Builder(form, unit).build()


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Write atomically: a half-written file never takes the place of a good one."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise OutputError(
            f"无法写入 {path}：{exc.strerror or exc}",
            hint="请确认目标文件夹存在且可写，文件没有在 Excel/WPS 中打开。",
        ) from exc
    return path


def template_filename(form: Form, unit: Unit | None) -> str:
    who = unit.short_name if unit else "空白"
    return f"{who}-政务信息系统摸底表-{form.version}.xlsx"


def write_templates(form: Form, units: list[Unit | None], out: Path) -> list[Path]:
    """One template per unit into the folder `out`."""
    return [save_workbook(build_template(form, u), Path(out) / template_filename(form, u)) for u in units]
