"""Sheet rows into located, normalised records: the unit form (label/value pairs) and row tables.

Each distinct value of a column is normalised once; records keep their Excel row; a value that
could not be normalised keeps what was typed and becomes an issue at its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.utils import get_column_letter

from ..form.issues import CATALOGUE, WARNING
from ..form.model import Sheet
from ..form.normalize import Problem, Result, normaliser
from .headers import best_header_row, header_key, map_headers
from .records import Record, SheetData, WorkbookData


def is_notice(problem: Problem) -> bool:
    """A problem that only asks the unit to check a value that was read (a warning), not one that was not."""
    return CATALOGUE[problem.code].severity == WARNING


def column_normalisers(spec: Sheet) -> dict[str, Callable[[Any], Result]]:
    return {f.key: normaliser(f.type, f.enum) for f in spec.fields}



def read_form(data: WorkbookData, spec: Sheet, name: str, rows: list[list[Any]]) -> SheetData:
    by_label = {header_key(f.title): f for f in spec.fields}
    columns: dict[str, str] = {}
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    bad: set[str] = set()
    norms = column_normalisers(spec)
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
            if not is_notice(problem):
                raw[f.key] = value
                bad.add(f.key)
            data.add(
                problem.code, sheet=name, row=i + 1, column="B", field=f.key, title=f.title, value=value, expected=problem.expected
            )
    for f in spec.fields:
        if f.key not in columns:
            data.add("HEADER_MISSING" if f.required else "HEADER_MISSING_OPTIONAL", sheet=name, expected=f.title, field=f.key)
    sd = SheetData(spec=spec, name=name, columns=columns)
    sd.records.append(Record(row=spec.first_data_row, values=values, raw=raw, bad=frozenset(bad)))
    return sd


def read_table(data: WorkbookData, spec: Sheet, name: str, rows: list[list[Any]], merged: list[Any]) -> SheetData:
    titles = {header_key(f.title) for f in spec.fields}
    header_idx, _ = best_header_row(rows, titles, spec.header_row)
    header = rows[header_idx] if header_idx < len(rows) else []
    mapped = map_headers(data, spec, name, header)
    columns = {k: get_column_letter(ci + 1) for k, ci in mapped.items()}
    sd = SheetData(spec=spec, name=name, columns=columns)
    first = header_idx + 1  # 0-based index of the first data row
    for (r0, c0), (r1, c1) in merged:
        if r1 >= first:
            rng = f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
            data.add("CELL_MERGED", sheet=name, row=r0 + 1, column=get_column_letter(c0 + 1), value=rng)
    norms = column_normalisers(spec)
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
            if not is_notice(problem):  # a notice keeps the value it read (e.g. a date from its serial number)
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


