"""The sheets of a returned workbook: raw rows through the one guarded reader, and which sheet of the
file holds which sheet of the form (a hidden original is not read when a visible copy exists).

Rows come from python-calamine over parts `safeopen` has proven sane; a parse error in any sheet
is that file's issue (FILE_CORRUPT naming the sheet), never an exception that stops a batch.
"""

from __future__ import annotations

from typing import Any

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from ..form.issues import make_issue
from ..form.model import Form, Sheet
from ..template import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET
from .headers import best_header_row, header_key
from .records import WorkbookData
from .safeopen import ROW_LIMIT, FileProblem, SafeFile

Merges = list[tuple[tuple[int, int], tuple[int, int]]]


class SheetSource:
    """Each sheet's raw rows, read once on demand; what the scan found becomes issues as it is read."""

    def __init__(self, safe: SafeFile, wb: CalamineWorkbook, data: WorkbookData) -> None:
        self.safe, self.wb, self.data = safe, wb, data
        self.names = [n for n in wb.sheet_names if n in safe.sheet_parts]
        self.visible = {m.name: m.visible == SheetVisibleEnum.Visible for m in wb.sheets_metadata}
        self.cache: dict[str, tuple[list[list[Any]], Merges]] = {}

    def rows(self, name: str) -> list[list[Any]]:
        return self.read(name)[0]

    def read(self, name: str) -> tuple[list[list[Any]], Merges]:
        if name not in self.cache:
            try:
                sheet = self.wb.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
                merges = list(sheet.merged_cell_ranges or [])
            except Exception as exc:  # calamine raises its own error types for a broken sheet
                raise FileProblem(make_issue("FILE_CORRUPT", value=f"工作表“{name}”无法解析（{type(exc).__name__}）")) from exc
            self.cache[name] = (rows, merges)
        return self.cache[name]

    def drop(self, name: str) -> None:
        self.cache.pop(name, None)

    def report_scan(self, name: str, first_data_row: int) -> None:
        """What scanning found in a sheet that is read as part of the form."""
        scan, data = self.safe.scans[name], self.data
        if scan.row_count > ROW_LIMIT:
            data.add("SHEET_TOO_MANY_ROWS", sheet=name, value=scan.row_count, expected=ROW_LIMIT - first_data_row + 1)
        elif scan.far_cell:
            data.add("SHEET_STRAY_CELLS", sheet=name, value=scan.far_cell)
        for cell, formula in scan.formulas_without_value:
            row = int("".join(ch for ch in cell if ch.isdigit()))
            if row >= first_data_row:
                data.add("CELL_FORMULA", sheet=name, row=row, column=cell.rstrip("0123456789"), value=f"={formula}")


def _looks_like(source: SheetSource, name: str, spec: Sheet) -> bool:
    """A sheet whose name is the form sheet's (or a copy of it: 系统清单 (2)), or whose header row is."""
    key, own = header_key(spec.name), header_key(name)
    if own == key or own.startswith(key):
        return True
    if spec.layout != "table":
        return False
    titles = {header_key(f.title) for f in spec.fields}
    _, hits = best_header_row(source.rows(name), titles, spec.header_row)
    return hits >= max(3, len(spec.fields) // 3)


def choose_sheets(form: Form, source: SheetSource, data: WorkbookData) -> dict[str, str]:
    """Form sheet name -> the file's sheet that holds it. A visible sheet wins over a hidden one; two
    visible candidates are an error (which one the unit meant cannot be known)."""
    ours = {s.name for s in form.sheets} | {INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET}
    found: dict[str, str] = {}
    for spec in form.sheets:
        taken = set(found.values())
        candidates = [
            n
            for n in source.names
            if n not in taken and not n.startswith("_") and (n == spec.name or n not in ours) and _looks_like(source, n, spec)
        ]
        visible = [n for n in candidates if source.visible.get(n, True)]
        if len(visible) > 1:
            data.add("SHEET_AMBIGUOUS", expected=spec.name, value="、".join(f"“{n}”" for n in visible))
        chosen = (sorted(visible, key=lambda n: n != spec.name) or candidates or [None])[0]
        if chosen is None:
            continue
        found[spec.name] = chosen
        if not source.visible.get(chosen, True):
            data.add("SHEET_HIDDEN", sheet=chosen, expected=spec.name)
        skipped = [n for n in candidates if n != chosen and not source.visible.get(n, True)]
        if skipped and source.visible.get(chosen, True):
            data.add("SHEET_HIDDEN_SKIPPED", sheet=chosen, value="、".join(f"“{n}”" for n in skipped), expected=spec.name)
    return found
