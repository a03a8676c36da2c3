"""Read a returned workbook into located, normalised records.

Records carry their sheet, Excel row and (through the sheet's column map) column letter from the
moment they are read; nothing later recomputes positions (pitfall P14). Headers are matched by
text, so moved, renamed, missing and unknown columns are each reported and the data is still read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ..form.model import Form, Sheet
from ..template.sheets import META_SHEET
from .headers import best_header_row, header_key
from .records import Record, SheetData, WorkbookData
from .safeopen import MAX_COLUMN, MAX_ROWS, FileProblem, SafeFile, open_safely
from .tables import read_form, read_table

MAX_EMPTY_RUN = 1000  # the bounded reader stops after this many empty rows in a row

__all__ = ["Record", "SheetData", "WorkbookData", "read_workbook"]


def _rows_calamine(wb: CalamineWorkbook, name: str) -> tuple[list[list[Any]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    sheet = wb.get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or [])



def _rows_bounded(path: Path, name: str, max_col: int, max_row: int) -> list[list[Any]]:
    """Fallback for sheets with stray far cells or too many rows: a bounded streaming read."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[name]
        ws.reset_dimensions()
        return [
            ["" if v is None else v for v in row] for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True)
        ]
    finally:
        wb.close()



class _Reader:
    def __init__(self, path: Path, form: Form) -> None:
        self.path = Path(path)
        self.form = form
        self.data = WorkbookData(path=self.path)

    def read(self) -> WorkbookData:
        data = self.data
        try:
            safe = open_safely(self.path)
        except FileProblem as exc:
            data.issues.append(exc.issue)
            data.fatal = True
            return data
        try:
            data.size, data.sha256 = safe.size, safe.sha256
            try:
                wb = CalamineWorkbook.from_path(str(self.path))
            except Exception as exc:  # calamine raises its own error types for broken parts
                data.add("FILE_CORRUPT", value=f"无法解析工作簿（{type(exc).__name__}）")
                data.fatal = True
                return data
            self._read_all(safe, wb)
        except FileProblem as exc:
            data.issues.append(replace(exc.issue, file=str(self.path)))
            data.fatal = True
        finally:
            safe.close()
        return data

    def _read_all(self, safe: SafeFile, wb: CalamineWorkbook) -> None:
        data, form = self.data, self.form
        names = [n for n in wb.sheet_names if n in safe.sheet_parts]
        if META_SHEET in names:
            rows, _ = _rows_calamine(wb, META_SHEET)
            data.meta = {str(r[0]): str(r[1]) for r in rows[:50] if len(r) > 1 and r[0] != ""}
        # which sheet of the file holds which sheet of the form
        found: dict[str, str] = {}
        loose = {header_key(n): n for n in names}
        for spec in form.sheets:
            if spec.name in names:
                found[spec.name] = spec.name
            elif header_key(spec.name) in loose:
                found[spec.name] = loose[header_key(spec.name)]
        cache: dict[str, list[list[Any]]] = {}
        merges: dict[str, list[Any]] = {}

        def rows_of(name: str, spec: Sheet) -> list[list[Any]]:
            if name not in cache:
                scan = safe.scan(name)
                limit = MAX_ROWS + spec.first_data_row
                if scan.far_cell or scan.max_row > limit:
                    cache[name] = _rows_bounded(
                        self.path,
                        name,
                        max_col=min(len(spec.fields) + 30, MAX_COLUMN),
                        max_row=min(scan.max_row, limit),
                    )
                    merges[name] = []
                    if scan.row_count > limit:
                        data.add("SHEET_TOO_MANY_ROWS", sheet=name, value=scan.row_count, expected=MAX_ROWS)
                    elif scan.far_cell or scan.max_row > len(cache[name]) + MAX_EMPTY_RUN:
                        data.add("SHEET_STRAY_CELLS", sheet=name, value=scan.far_cell or f"第 {scan.max_row} 行")
                else:
                    cache[name], merges[name] = _rows_calamine(wb, name)
                for cell, formula in scan.formulas_without_value:
                    row = int("".join(ch for ch in cell if ch.isdigit()))
                    if row >= spec.first_data_row:
                        col = cell.rstrip("0123456789")
                        data.add("CELL_FORMULA", sheet=name, row=row, column=col, value=f"={formula}")
            return cache[name]

        # sheets pasted under another name are recognised by their headers
        for spec in form.sheets:
            if spec.name in found or spec.layout != "table":
                continue
            titles = {header_key(f.title) for f in spec.fields}
            for name in names:
                if name in found.values() or name.startswith("_"):
                    continue
                _, hits = best_header_row(rows_of(name, spec), titles, spec.header_row)
                if hits >= max(3, len(spec.fields) // 3):
                    found[spec.name] = name
                    break
        self._recognise(found)
        for spec in form.sheets:
            name = found.get(spec.name)
            if name is None:
                required = spec.layout == "form" or spec.key is not None
                data.add("SHEET_MISSING", expected=spec.name, severity=None if required else "warning")
                continue
            rows = rows_of(name, spec)
            if spec.layout == "form":
                data.sheets[spec.name] = read_form(data, spec, name, rows)
            else:
                data.sheets[spec.name] = read_table(data, spec, name, rows, merges.get(name, []))
            cache.pop(name, None)  # the raw rows are no longer needed

    def _recognise(self, found: dict[str, str]) -> None:
        data, form = self.data, self.form
        meta = data.meta
        if meta.get("form_id"):
            if meta["form_id"] != form.id:
                data.add("FORM_OTHER", value=meta["form_id"], expected=form.id)
            elif meta.get("form_version") != form.version:
                accepted = meta.get("form_version") in form.accepted_versions
                data.add(
                    "FORM_OLD_VERSION", value=meta.get("form_version"), expected=form.version, severity="warning" if accepted else "error"
                )
        elif form.main.name in found:
            data.add("FORM_NO_META")
        if form.main.name not in found and form.unit_sheet.name not in found:
            data.add("FORM_UNKNOWN", expected="、".join(s.name for s in form.sheets))
            data.fatal = True


def read_workbook(path: Path, form: Form) -> WorkbookData:
    """Read `path` against `form`. Never raises for a bad file: problems become issues."""
    return _Reader(Path(path), form).read()
