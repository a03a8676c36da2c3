"""Build a template workbook from the form: instructions, data sheets, lists and meta, in that order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..form.model import Form
from ..form.roster import Unit
from ..output import save_workbook
from ..parallel import forked_map
from .fill import fill_workbook
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
    """The unit's short name and the round the template is for (a clerk must not take last year's for
    this year's); the form's version where no round deploys it."""
    who = unit.short_name if unit else "空白"
    made_for = re.sub(r"[^\w.\-]", "_", str(form.round.get("key") or form.version))
    return f"{who}-政务信息系统摸底表-{made_for}.xlsx"


def prefilled_template(
    form: Form, unit: Any, values: dict[str, Any], rows: dict[str, list[dict[str, Any]]], version: str | None = None
) -> Workbook:
    """The unit's template with its last return in place: unit information and every system and
    child row as stored, options renamed since `version` (the form it was filled in) as today's.
    `rows` keys are sheet names ("" for the system sheet)."""
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


def unit_template(form: Form, unit: Unit | None, last: tuple[Any, ...] | None = None) -> Workbook:
    """A unit's template, pre-filled with `last` when given: its last return as `last_return` gives it
    (unit values, rows per sheet, form version), so that in the next round it confirms instead of retyping."""
    if last:
        return prefilled_template(form, unit, *last)
    return build_template(form, unit)


def write_templates(
    form: Form,
    units: list[Unit | None],
    out: Path,
    last: dict[str, tuple[Any, ...]] | None = None,
    folders: dict[str, Path] | None = None,
) -> list[Path]:
    """One template per unit into the folder `out` (or the subfolder `folders` gives a unit, by name),
    several at once on a machine with several cores; pre-filled for the units `last` holds a return for."""
    last, folders = last or {}, folders or {}

    def write(unit: Unit | None) -> Path:
        made = unit_template(form, unit, last.get(unit.name) if unit else None)
        return save_workbook(made, Path(out) / folders.get(unit.name if unit else "", Path()) / template_filename(form, unit))

    return forked_map(write, units)
