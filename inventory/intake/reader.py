"""Read a returned workbook into located, normalised records.

Records carry their sheet, Excel row and (through the sheet's column map) column letter from the
moment they are read; nothing later recomputes positions (pitfall P14). Headers are matched by
text, so moved, renamed, missing and unknown columns are each reported and the data is still read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook
from rapidfuzz import fuzz, process

from ..form.issues import Issue, make_issue
from ..form.load import Form, Sheet
from ..form.normalize import Result, clean_text, normaliser
from ..template.build import META_SHEET
from .safeopen import MAX_COLUMN, MAX_ROWS, FileProblem, SafeFile, open_safely

HEADER_SEARCH_ROWS = 12
MAX_EMPTY_RUN = 1000  # the bounded reader stops after this many empty rows in a row
RENAME_CUTOFF = 75


@dataclass(slots=True)
class Record:
    row: int  # Excel row number
    values: dict[str, Any]  # normalised, empty cells left out
    raw: dict[str, Any]  # as read, for the cells whose value could not be normalised
    bad: frozenset[str] = frozenset()  # fields whose value could not be normalised

    def shown(self, key: str | None) -> Any:
        """The value to show a user: as typed where it could not be read, else as normalised."""
        if key is None:
            return None
        value = self.raw.get(key, self.values.get(key))
        return "、".join(value) if isinstance(value, list) else value


@dataclass
class SheetData:
    spec: Sheet
    name: str  # the sheet's name in the file
    columns: dict[str, str]  # field key -> column letter (or cell reference on form sheets)
    records: list[Record] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled by sheet name: a form's compiled validators do not cross process boundaries."""
        state = self.__dict__.copy()
        state["spec"] = (str(self.spec.schema_file), self.spec.name)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from ..form.load import load_form

        _, name = state["spec"]
        state["spec"] = load_form().by_name[name]
        self.__dict__.update(state)

    def cell(self, key: str, row: int | None = None) -> str | None:
        col = self.columns.get(key)
        if col is None:
            return None
        return col if self.spec.layout == "form" else f"{col}{row}"


@dataclass
class WorkbookData:
    path: Path
    size: int = 0
    sha256: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, SheetData] = field(default_factory=dict)  # by form sheet name
    issues: list[Issue] = field(default_factory=list)
    fatal: bool = False  # nothing could be read

    def add(self, code: str, **kw: Any) -> None:
        self.issues.append(make_issue(code, file=str(self.path), **kw))


def header_key(text: Any) -> str:
    """Header text compared loosely: no spaces, no required marks, NFKC."""
    return clean_text(text).replace(" ", "").strip("*＊").strip()


def _column_normalisers(spec: Sheet) -> dict[str, Callable[[Any], Result]]:
    return {f.key: normaliser(f.type, f.enum) for f in spec.fields}


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


def _best_header_row(rows: list[list[Any]], titles: set[str], expected: int) -> tuple[int, int]:
    """(0-based index, matches) of the row that looks most like the header row."""
    best = (expected - 1, -1)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for v in row if v != "" and header_key(v) in titles)
        if hits > best[1] or (hits == best[1] and i == expected - 1):
            best = (i, hits)
    return best


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
                _, hits = _best_header_row(rows_of(name, spec), titles, spec.header_row)
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
                data.sheets[spec.name] = self._read_form(spec, name, rows)
            else:
                data.sheets[spec.name] = self._read_table(spec, name, rows, merges.get(name, []))
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

    def _read_form(self, spec: Sheet, name: str, rows: list[list[Any]]) -> SheetData:
        by_label = {header_key(f.title): f for f in spec.fields}
        columns: dict[str, str] = {}
        values: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        bad: set[str] = set()
        norms = _column_normalisers(spec)
        for i, row in enumerate(rows[: spec.first_data_row + len(spec.fields) + 20]):
            if not row or row[0] == "":
                continue
            f = by_label.get(header_key(row[0]))
            if f is None or f.key in columns:
                continue
            cell = f"B{i + 1}"
            columns[f.key] = cell
            value = row[1] if len(row) > 1 else ""
            if value == "":
                continue
            norm, problem = norms[f.key](value)
            if norm is None:
                continue
            values[f.key] = norm
            if problem:
                raw[f.key] = value
                bad.add(f.key)
                self.data.add(
                    problem.code, sheet=name, row=i + 1, column="B", field=f.key, title=f.title, value=value, expected=problem.expected
                )
        for f in spec.fields:
            if f.key not in columns:
                self.data.add("HEADER_MISSING" if f.required else "HEADER_MISSING_OPTIONAL", sheet=name, expected=f.title, field=f.key)
        sd = SheetData(spec=spec, name=name, columns=columns)
        sd.records.append(Record(row=spec.first_data_row, values=values, raw=raw, bad=frozenset(bad)))
        return sd

    def _map_headers(self, spec: Sheet, name: str, header: list[Any]) -> dict[str, int]:
        """Field key -> 0-based column index, reporting drift."""
        data = self.data
        exact = {header_key(f.title): f for f in spec.fields}
        mapped: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        for ci, text in enumerate(header):
            if text == "" or text is None:
                continue
            key = header_key(text)
            f = exact.get(key)
            if f is None:
                unknown.append((ci, str(text)))
                continue
            if f.key in mapped:
                if key not in seen:
                    data.add("HEADER_DUPLICATE", sheet=name, row=spec.header_row, column=get_column_letter(ci + 1), value=f.title)
                    seen[key] = ci
                continue
            mapped[f.key] = ci
        # renamed columns: close to a title that is still unmatched
        remaining = {f.key: header_key(f.title) for f in spec.fields if f.key not in mapped}
        still_unknown = []
        for ci, text in unknown:
            match = process.extractOne(header_key(text), remaining, scorer=fuzz.ratio, score_cutoff=RENAME_CUTOFF)
            if match:
                key = match[2]
                mapped[key] = ci
                remaining.pop(key)
                data.add(
                    "HEADER_RENAMED",
                    sheet=name,
                    row=spec.header_row,
                    column=get_column_letter(ci + 1),
                    value=text,
                    expected=spec.by_key[key].title,
                    field=key,
                )
            else:
                still_unknown.append((ci, text))
        titles = {f.key: f.title for f in spec.fields}
        for ci, text in still_unknown:
            near = process.extractOne(header_key(text), titles, scorer=fuzz.partial_ratio, score_cutoff=50)
            tip = f"（最接近的模板列：“{near[0]}”）" if near else ""
            data.add("HEADER_UNKNOWN", sheet=name, row=spec.header_row, column=get_column_letter(ci + 1), value=text, expected=tip)
        for f in spec.fields:
            if f.key not in mapped:
                data.add(
                    "HEADER_MISSING" if f.required else "HEADER_MISSING_OPTIONAL",
                    sheet=name,
                    row=spec.header_row,
                    expected=f.title,
                    field=f.key,
                )
            elif get_column_letter(mapped[f.key] + 1) != f.position:
                data.add(
                    "HEADER_MOVED",
                    sheet=name,
                    row=spec.header_row,
                    column=get_column_letter(mapped[f.key] + 1),
                    field=f.key,
                    value=f.position,
                    expected=f.title,
                )
        return mapped

    def _read_table(self, spec: Sheet, name: str, rows: list[list[Any]], merged: list[Any]) -> SheetData:
        data = self.data
        titles = {header_key(f.title) for f in spec.fields}
        header_idx, _ = _best_header_row(rows, titles, spec.header_row)
        header = rows[header_idx] if header_idx < len(rows) else []
        mapped = self._map_headers(spec, name, header)
        columns = {k: get_column_letter(ci + 1) for k, ci in mapped.items()}
        sd = SheetData(spec=spec, name=name, columns=columns)
        first = header_idx + 1  # 0-based index of the first data row
        for (r0, c0), (r1, c1) in merged:
            if r1 >= first:
                rng = f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                data.add("CELL_MERGED", sheet=name, row=r0 + 1, column=get_column_letter(c0 + 1), value=rng)
        norms = _column_normalisers(spec)
        data_rows = rows[first:]
        columns_data: list[list[Any]] = []
        tables: list[dict[Any, Any]] = []
        problems: dict[str, dict[Any, Any]] = {}
        width = max(mapped.values(), default=-1) + 1
        if any(len(r) < width for r in data_rows):  # ragged rows (bounded reader): pad once
            data_rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in data_rows]
        keys = []
        for key, ci in mapped.items():
            column = [r[ci] for r in data_rows]
            distinct = set(column)
            if distinct <= {"", None}:
                continue  # an empty column adds nothing to any row
            keys.append(key)
            fn = norms[key]
            table: dict[Any, Any] = {"": None, None: None}
            for value in distinct:  # each distinct value is normalised once
                if value in table:
                    continue
                norm, problem = fn(value)
                table[value] = norm
                if problem is not None:
                    problems.setdefault(key, {})[value] = problem
            columns_data.append(column)
            tables.append(table)
        records = sd.records
        at: list[Record | None] = [None] * len(data_rows)
        blank_start: int | None = None
        for i, cells in enumerate(zip(*columns_data, strict=True)):
            values = {k: n for k, t, v in zip(keys, tables, cells, strict=True) if (n := t[v]) is not None}
            row_no = first + i + 1
            if not values:
                if blank_start is None:
                    blank_start = row_no
                continue
            if blank_start is not None:
                if records:  # a gap between data rows (trailing blanks are never reported)
                    span = f"第 {blank_start} 行" if blank_start == row_no - 1 else f"第 {blank_start}–{row_no - 1} 行"
                    data.add("ROW_BLANK", sheet=name, row=blank_start, value=span)
                blank_start = None
            rec = Record(row=row_no, values=values, raw={})
            records.append(rec)
            at[i] = rec
        for key, bad_values in problems.items():  # rare: cells whose value could not be normalised
            column = columns_data[keys.index(key)]
            title = spec.by_key[key].title
            for i, value in enumerate(column):
                problem = bad_values.get(value) if value != "" else None
                rec = at[i]
                if problem is None or rec is None:
                    continue
                rec.raw[key] = value
                rec.bad = rec.bad | {key}
                data.add(
                    problem.code,
                    sheet=name,
                    row=rec.row,
                    column=columns[key],
                    field=key,
                    title=title,
                    value=value,
                    expected=problem.expected,
                )
        return sd


def read_workbook(path: Path, form: Form) -> WorkbookData:
    """Read `path` against `form`. Never raises for a bad file: problems become issues."""
    return _Reader(Path(path), form).read()
