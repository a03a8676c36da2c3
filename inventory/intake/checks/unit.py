"""Who sent the return: the unit's name against the roster, its credit codes, the template's own unit.

Sets `report.unit` (the roster unit the return belongs to) and `report.unit_written` as it goes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...form.issues import Issue, make_issue
from ...form.normalize import uscc_check_char, uscc_valid
from ...form.roster import Unit
from .context import Context

VERTICAL = ("上级统建（国垂）", "上级统建（省垂）")


def uscc_issue(code: Any, **where: Any) -> Issue | None:
    """UNIT_USCC_CHECK when an 18-character code has a wrong check digit (GB 32100)."""
    if isinstance(code, str) and len(code) == 18 and not uscc_valid(code):
        try:
            expected = uscc_check_char(code[:17])
        except ValueError:
            return None  # illegal characters: the schema's pattern check reports it
        return make_issue("UNIT_USCC_CHECK", value=code, expected=expected, **where)
    return None


def _unit_sheet(ctx: Context) -> Iterator[Issue]:
    """The name and code on the unit sheet."""
    sd = ctx.data.sheets.get(ctx.form.unit_sheet.name)
    if sd is None or not sd.records:
        return
    rec = sd.records[0]
    written = rec.values.get("unit_name")
    ctx.report.unit_written = written if isinstance(written, str) else None
    cell = sd.columns.get("unit_name")
    where = {
        "file": ctx.file,
        "sheet": sd.name,
        "row": int(cell[1:]) if cell else None,
        "column": "B" if cell else None,
        "field": "unit_name",
        "title": ctx.titles.get("unit_name"),
    }
    if isinstance(written, str):
        m = ctx.roster.match(written)
        ctx.report.unit = m.unit
        if m.unit and not m.exact:
            yield make_issue("UNIT_ALIAS", value=written, expected=m.unit.name, **where)
        elif m.unit is None:
            tip = f"（最接近：{'、'.join(m.suggestions)}）" if m.suggestions else ""
            yield make_issue("UNIT_UNKNOWN", value=written, expected=tip, **where)
    ucell = sd.columns.get("uscc")
    if ucell and "uscc" not in rec.bad:
        where = {"file": ctx.file, "sheet": sd.name, "row": int(ucell[1:]), "column": "B", "field": "uscc", "title": ctx.titles.get("uscc")}
        issue = uscc_issue(rec.values.get("uscc"), **where)
        if issue:
            yield issue


def _template_unit(ctx: Context) -> Iterator[Issue]:
    """The unit the template was made for, against the unit the return names."""
    report = ctx.report
    meta_unit = ctx.data.meta.get("unit_name") or None
    written = report.unit_written
    if written is None:
        report.unit_written = meta_unit
    if report.unit is None and meta_unit and not written:
        report.unit = ctx.roster.get(meta_unit)
    if meta_unit and report.unit and report.unit.name != meta_unit and ctx.roster.get(meta_unit):
        yield make_issue("UNIT_MISMATCH", file=ctx.file, value=report.unit.name, expected=meta_unit)


def _owners(ctx: Context) -> Iterator[Issue]:
    """Each system's owner unit: its credit code, and an abbreviation of a roster unit. Each distinct
    code, and each distinct (owner, build mode) pair, is judged once."""
    main = ctx.main
    if main is None:
        return
    own = ctx.report.unit
    verdicts: dict[int, list[tuple[str, Any, Any, str, str | None]]] = {}  # record -> (code, value, expected, field, severity)
    codes = main.cells.get("owner_uscc")
    if "owner_uscc" in main.columns and codes is not None:
        for c, code in enumerate(codes.values):
            if c in codes.bad or uscc_issue(code) is None:
                continue
            expected = uscc_check_char(code[:17])
            for i in np.flatnonzero(codes.codes == c).tolist():
                verdicts.setdefault(i, []).append(("UNIT_USCC_CHECK", code, expected, "owner_uscc", None))
    if "owner_unit" in main.columns:
        inverse, groups = main.groups(["owner_unit", "build_mode"])
        matches: dict[str, tuple[Unit | None, bool]] = {}
        for g, values in enumerate(groups):
            owner = values.get("owner_unit")
            if not isinstance(owner, str):
                continue
            if owner not in matches:
                m = ctx.roster.match(owner)
                matches[owner] = (m.unit, m.exact)
            unit, exact = matches[owner]
            if (
                unit is not None and own is not None and not unit.within(own)
            ):  # another unit's system poured in (its own subtree may be reported)
                verdict = ("UNIT_OTHER_OWNER", owner, unit.name, "owner_unit", "warning" if values.get("build_mode") in VERTICAL else None)
            elif unit is not None and not exact:  # an abbreviation of a roster unit, named in full
                verdict = ("UNIT_ALIAS", owner, unit.name, "owner_unit", None)
            else:
                continue
            for i in np.flatnonzero(inverse == g).tolist():
                verdicts.setdefault(i, []).append(verdict)
    for i in sorted(verdicts):
        for code, value, expected, key, severity in verdicts[i]:
            yield make_issue(code, value=value, expected=expected, severity=severity, **ctx.at_row(main, i, key))


def check_unit(ctx: Context) -> Iterator[Issue]:
    yield from _unit_sheet(ctx)
    yield from _template_unit(ctx)
    yield from _owners(ctx)
