"""Which system a row of a return is about: 系统编号 and 系统名称 by sheet and Excel row, so a
problem is shown beside the system it concerns, not by its cell alone (a child sheet's row names
its system by number; its name comes from the system list)."""

from __future__ import annotations

from pathlib import Path

from ..form.load import Form
from .reader import read_workbook

Where = tuple[str, int]  # (the form's sheet name, Excel row)


def row_systems(path: Path, form: Form) -> dict[Where, tuple[str | None, str | None]]:
    """(sheet, row) -> (系统编号, 系统名称) for every row of a return that names a system."""
    data = read_workbook(path, form)
    out: dict[Where, tuple[str | None, str | None]] = {}
    names: dict[str, str | None] = {}
    main = data.sheets.get(form.main.name)
    if main is not None:
        for row, values in main.iter_values():
            number, name = _text(values.get("system_no")), _text(values.get("system_name"))
            out[(form.main.name, row)] = (number, name)
            if number:
                names.setdefault(number, name)
    for sheet, sd in data.sheets.items():
        if sheet == form.main.name:
            continue
        for row, values in sd.iter_values():
            number = _text(values.get("system_no"))
            if number:
                out[(sheet, row)] = (number, names.get(number))
    return out


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)
