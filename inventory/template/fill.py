"""Values written into a template at the cells the form defines: a unit's return from last time, so
that in the next round it confirms instead of retyping (and the demo's synthetic returns)."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from ..form.model import Form
from .styles import FILL_PREFILLED


def cell_value(v: Any) -> Any:
    """A stored value as a person would have typed it: several choices joined by 、."""
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    return v


def fill_workbook(
    wb: Workbook, form: Form, values: dict[str, Any] | None, rows: dict[str, list[dict[str, Any]]], marked: bool = False
) -> Workbook:
    """Write values into a template workbook at the cells the form defines. `marked`: every cell of a
    written row gets the pre-filled colour (and its column's number format), so a unit sees at once
    what was carried over from its last return."""
    if values:
        ws = wb[form.unit_sheet.name]
        for f in form.unit_sheet.fields:
            if values.get(f.key) is not None:
                ws[f.position] = cell_value(values[f.key])
    for sheet_name, records in rows.items():
        spec = form.by_name.get(sheet_name)
        if spec is None:
            continue
        ws = wb[sheet_name]
        for i, rec in enumerate(records):
            r = spec.first_data_row + i
            for f in spec.fields:
                cell = ws[f"{f.position}{r}"]
                if f.key in rec and rec[f.key] is not None:
                    cell.value = cell_value(rec[f.key])
                if marked:
                    cell.fill, cell.number_format = FILL_PREFILLED, f.number_format
    return wb


def prefilled_template(
    form: Form, unit: Any, values: dict[str, Any], rows: dict[str, list[dict[str, Any]]], version: str | None = None
) -> Workbook:
    """The unit's template with its last return in place: unit information and every system and
    child row as stored, options renamed since `version` (the form it was filled in) as today's.
    `rows` keys are sheet names ("" for the system sheet)."""
    from .build import build_template

    renamed = form.old_options(version) if version and version != form.version else {}

    def today(rec: dict[str, Any]) -> dict[str, Any]:
        if not renamed:
            return rec
        out = dict(rec)
        for key, old in renamed.items():
            v = out.get(key)
            if isinstance(v, list):
                out[key] = [old.get(x, x) for x in v]
            elif isinstance(v, str):
                out[key] = old.get(v, v)
        return out

    mark = form.change_mark  # last round's 本轮情况 is not carried over: the unit says it anew

    def fresh(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in today(rec).items() if k != mark}

    by_sheet = {(k or form.main.name): [fresh(r) for r in v] for k, v in rows.items()}
    return fill_workbook(build_template(form, unit), form, today(values), by_sheet, marked=True)
