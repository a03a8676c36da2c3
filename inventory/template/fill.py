"""Values written into a template at the cells the form defines: a unit's return from last time, so
that in the next round it confirms instead of retyping (and the demo's synthetic returns)."""

from __future__ import annotations

from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import column_index_from_string

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
        columns = [(f, column_index_from_string(f.position)) for f in spec.fields]
        made: dict[tuple[int, tuple[int, ...]], Any] = {}  # (column, style before) -> the marked style
        for i, rec in enumerate(records):
            r = spec.first_data_row + i
            for f, c in columns:
                cell = ws.cell(r, c)
                if f.key in rec and rec[f.key] is not None:
                    cell.value = cell_value(rec[f.key])
                if marked:  # made once per column and copied: openpyxl hashes a style each time one is set
                    before = (c, tuple(cell._style or ()))
                    if before in made:
                        cell._style = copy(made[before])
                    else:
                        cell.fill, cell.number_format = FILL_PREFILLED, f.number_format
                        made[before] = copy(cell._style)
    return wb
