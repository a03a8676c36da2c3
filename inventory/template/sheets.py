"""The data sheets of a template: the unit form, the row tables, and the hidden `_meta` sheet."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter

from .. import __version__
from ..beijing import stamp
from ..form.model import Form, Sheet
from ..form.roster import Unit
from .lists import Lists
from .names import META_SHEET
from .styles import BOLD, CENTER, FILL_GROUP, FILL_MISSING, FILL_TITLE, THIN, TITLE_FONT, WRAP, header_fill
from .validations import conditional_notes, prompt, validation


def prefill(form: Form, unit: Unit | None) -> dict[str, Any]:
    """The unit-sheet values a template for `unit` starts with."""
    if not unit:
        return {}
    region = next((r["name"] for r in form.regions if r["code"] == unit.region_code), None)
    if unit.level == "省级":
        region = next((r["name"] for r in form.regions if r["code"] == "510000"), region)
    values = {"unit_name": unit.name, "level": unit.level, "region": region}
    return {k: v for k, v in values.items() if v and k in form.unit_sheet.by_key}


def unit_sheet(wb: Workbook, form: Form, sheet: Sheet, unit: Unit | None, lists: Lists) -> None:
    ws = wb.create_sheet(sheet.name)
    notes = conditional_notes(sheet)
    for col, width in (("A", 22), ("B", 44), ("C", 60)):
        ws.column_dimensions[col].width = width
    ws.cell(row=1, column=1, value=sheet.title).font = TITLE_FONT
    ws.cell(row=1, column=1).fill = FILL_TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    for c, h in enumerate(("项目", "填写内容", "说明"), start=1):
        cell = ws.cell(row=sheet.header_row, column=c, value=h)
        cell.font, cell.fill, cell.border = BOLD, FILL_GROUP, THIN
    values = prefill(form, unit)
    for f in sheet.fields:
        row = int(f.position[1:])
        label = ws.cell(row=row, column=1, value=f.header)
        label.font, label.fill, label.border, label.alignment = BOLD, header_fill(f, f.key in sheet.conditional), THIN, WRAP
        cell = ws[f.position]
        cell.border, cell.number_format = THIN, f.number_format
        if f.key in values:
            cell.value = values[f.key]
        ws.cell(row=row, column=3, value=prompt(f, notes.get(f.key, []))).alignment = WRAP
        dv = validation(f, notes.get(f.key, []), lists)
        ws.add_data_validation(dv)
        dv.add(f.position)
        if f.required:
            ws.conditional_formatting.add(f.position, FormulaRule(formula=[f"LEN({f.position})=0"], fill=FILL_MISSING))
        ws.row_dimensions[row].height = 30
    ws.freeze_panes = f"A{sheet.first_data_row}"


def _group_band(ws: Any, form: Form, sheet: Sheet) -> None:
    """A row of merged group labels (A 单位, B 系统标识 …) above the header."""
    start = 0
    fields = sheet.fields
    for i in range(1, len(fields) + 1):
        if i == len(fields) or fields[i].group != fields[start].group:
            label = form.groups.get(fields[start].group, fields[start].group)
            cell = ws.cell(row=sheet.header_row - 1, column=start + 1, value=label)
            cell.font, cell.fill, cell.alignment = BOLD, FILL_GROUP, CENTER
            if i - start > 1:
                ws.merge_cells(start_row=sheet.header_row - 1, start_column=start + 1, end_row=sheet.header_row - 1, end_column=i)
            start = i


def _any_of(sheet: Sheet, key: str, values: tuple[str, ...], row: int) -> str:
    return "OR(" + ",".join(f'${sheet.by_key[key].position}{row}="{v}"' for v in values) + ")"


def _missing_formula(sheet: Sheet, key: str, anchor_key: str, notes: dict[str, list[str]]) -> str | None:
    """A conditional-format formula that is true when the row has content but `key` is empty."""
    first, col = sheet.first_data_row, sheet.by_key[key].position
    cond = [f"LEN(${sheet.by_key[anchor_key].position}{first})>0", f"LEN({col}{first})=0"]
    if sheet.by_key[key].required and key != anchor_key:
        return f"AND({','.join(cond)})"
    if key not in notes:
        return None
    alts = []
    for rule in sheet.rules:
        if key in rule.requires and rule.when:
            parts = [_any_of(sheet, k, vals, first) for k, vals in rule.when.items()]
            parts += [f"NOT({_any_of(sheet, k, vals, first)})" for k, vals in rule.unless.items()]
            alts.append(f"AND({','.join(parts)})")
    return f"AND({','.join(cond)},OR({','.join(alts)}))"


def table_sheet(wb: Workbook, form: Form, sheet: Sheet, lists: Lists) -> None:
    ws = wb.create_sheet(sheet.name)
    notes = conditional_notes(sheet)
    first, last = sheet.first_data_row, sheet.first_data_row + sheet.max_rows - 1
    anchor_key = sheet.name_field or sheet.parent_key or sheet.fields[0].key
    if sheet.header_row > 1:
        _group_band(ws, form, sheet)
    for f in sheet.fields:
        col = f.position
        head = ws[f"{col}{sheet.header_row}"]
        head.value = f.header
        head.font, head.fill, head.alignment, head.border = BOLD, header_fill(f, f.key in sheet.conditional), CENTER, THIN
        head.comment = Comment(prompt(f, notes.get(f.key, [])), "inventory", width=300, height=140)
        ws.column_dimensions[col].width = f.width
        if f.number_format != "General":  # the column's style: every cell a unit types into takes it, no styled empty rows
            ws.column_dimensions[col].number_format = f.number_format
        dv = validation(f, notes.get(f.key, []), lists)
        ws.add_data_validation(dv)
        dv.add(f"{col}{first}:{col}{last}")
        formula = _missing_formula(sheet, f.key, anchor_key, notes)
        if formula:
            ws.conditional_formatting.add(f"{col}{first}:{col}{last}", FormulaRule(formula=[formula], fill=FILL_MISSING))
    ws.row_dimensions[sheet.header_row].height = 36
    freeze_col = get_column_letter(sheet.fields.index(sheet.by_key[anchor_key]) + 2)
    ws.freeze_panes = f"{freeze_col}{first}"
    ws.auto_filter.ref = f"A{sheet.header_row}:{sheet.fields[-1].position}{sheet.header_row}"


def meta_values(form: Form, unit: Unit | None) -> dict[str, str]:
    return {
        "form_id": form.id,
        "form_version": form.version,
        **({"round": str(form.round["key"]), "round_as_of": str(form.round.get("as_of") or "")} if form.round.get("key") else {}),
        "unit_name": unit.name if unit else "",
        "unit_short_name": unit.short_name if unit else "",
        "region_code": unit.region_code if unit else "",
        "generated_at": stamp(),
        "generator": f"inventory {__version__}",
    }


def meta_sheet(wb: Workbook, form: Form, unit: Unit | None) -> None:
    """Form id, version and unit where a reader finds them: a veryHidden sheet and the document properties."""
    ws = wb.create_sheet(META_SHEET)
    values = meta_values(form, unit)
    for i, (k, v) in enumerate(values.items(), start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    ws.sheet_state = "veryHidden"
    props = wb.properties
    props.title = f"{form.title}（{unit.name if unit else '空白'}）"
    props.subject = form.id
    props.keywords = f"form={form.id};version={form.version}"
    props.creator = "inventory"
    for k, v in values.items():
        wb.custom_doc_props.append(StringProperty(name=k, value=str(v) or "-"))
