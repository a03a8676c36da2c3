"""Build a template workbook from the form: instructions, data sheets, lists and meta, in that order."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
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


def _write_one(form: Form, unit: Unit | None, out: Path) -> Path:
    return save_workbook(build_template(form, unit), Path(out) / template_filename(form, unit))


_FORM: Form | None = None  # the form, inherited by forked workers (a compiled form does not pickle)


def _write_in_worker(unit: Unit | None, out: Path) -> Path:
    assert _FORM is not None
    return _write_one(_FORM, unit, out)


def write_templates(form: Form, units: list[Unit | None], out: Path) -> list[Path]:
    """One template per unit into the folder `out`, several at once on a machine with several cores."""
    global _FORM
    workers = min(os.cpu_count() or 1, 8, len(units) // 4)
    if workers < 2 or multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        return [_write_one(form, u, out) for u in units]
    _FORM = form
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_write_in_worker, units, [out] * len(units), chunksize=4))
