"""Build a template workbook from the form: instructions, data sheets, lists and meta, in that order."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..form.model import Form
from ..form.roster import Unit
from ..output import save_workbook
from .instructions import write_instructions
from .lists import Lists
from .sheets import meta_sheet, table_sheet, unit_sheet


def build_template(form: Form, unit: Unit | None = None) -> Workbook:
    """A workbook for `unit` (pre-filled) or a blank one."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    write_instructions(first, form, unit)
    lists = Lists(wb)
    for sheet in form.sheets:
        if sheet.layout == "form":
            unit_sheet(wb, form, sheet, unit, lists)
        else:
            table_sheet(wb, form, sheet, lists)
    lists.finish()
    meta_sheet(wb, form, unit)
    wb.active = 1  # open on the unit sheet
    return wb


def template_filename(form: Form, unit: Unit | None) -> str:
    who = unit.short_name if unit else "空白"
    return f"{who}-政务信息系统摸底表-{form.version}.xlsx"


def write_templates(form: Form, units: list[Unit | None], out: Path) -> list[Path]:
    """One template per unit into the folder `out`."""
    return [save_workbook(build_template(form, u), Path(out) / template_filename(form, u)) for u in units]
