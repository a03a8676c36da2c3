"""Sheet rows into located, normalised records: the unit form (label/value pairs) and row tables.

Each distinct value of a column is normalised once; records keep their Excel row; a value that
could not be normalised keeps what was typed and becomes an issue at its cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain, count
from typing import Any

import numpy as np

from ..form.issues import CATALOGUE, WARNING
from ..form.model import Sheet, column_letter
from ..form.normalize import Problem, Result
from .headers import best_header_row, header_key, map_headers, title_keys
from .records import Column, Record, SheetData, WorkbookData

_ITEMS = re.compile(r"([、,，;；])")


def rename_options(value: str, renamed: dict[str, str]) -> str:
    """A cell's options (one, or several joined by 、), each renamed as the newer form calls it."""
    return "".join(renamed.get(part.strip(), part) for part in _ITEMS.split(value))


def is_notice(problem: Problem) -> bool:
    """A problem that only asks the unit to check a value that was read (a warning), not one that was not."""
    return CATALOGUE[problem.code].severity == WARNING


def read_form(data: WorkbookData, spec: Sheet, name: str, rows: list[list[Any]]) -> SheetData:
    by_label = {header_key(f.title): f for f in spec.fields}
    columns: dict[str, str] = {}
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    bad: set[str] = set()
    norms = spec.normalisers
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
            data.add(problem.code, sheet=name, row=i + 1, column="B", field=f.key, title=f.title, value=value, expected=problem.expected)
    for f in spec.fields:
        if f.key not in columns and not f.optional_column:
            data.add("HEADER_MISSING" if f.required else "HEADER_MISSING_OPTIONAL", sheet=name, expected=f.title, field=f.key)
    record = Record(row=spec.first_data_row, values=values, raw=raw, bad=frozenset(bad))
    return SheetData.from_records(spec, name, columns, [record])


SMALL_TABLE = 64  # rows up to which columns are coded one by one rather than as one block


def _factorize(cells: Sequence[Any], booleans: bool = True) -> tuple[list[Any], np.ndarray]:
    """(distinct cells in first-seen order, each cell's index among them). Python counts True == 1 == 1.0,
    so where the sheet may hold TRUE/FALSE (`booleans`), cells are keyed by (is it a boolean, value) to
    keep a TRUE cell apart from a 1 (and FALSE from 0.0)."""
    distinct, codes = _coded(cells, booleans)
    return distinct, np.array(codes, dtype=np.int32)


def _coded(cells: Sequence[Any], booleans: bool = True) -> tuple[list[Any], list[int]]:
    """`_factorize` with the codes as a list (a small table's columns become one array together)."""
    keys = [(v.__class__ is bool, v) for v in cells] if booleans else cells
    found = dict.fromkeys(keys)
    position = dict(zip(found, count()))
    try:
        codes = list(map(position.__getitem__, keys))
    except KeyError:  # a NaN from a crafted file is not equal to itself: give every NaN one code
        nan = len(position)
        codes = [position.get(k, nan) for k in keys]
        found[(False, math.nan) if booleans else math.nan] = None
    return [v for _, v in found] if booleans else list(found), codes


def _grid_codes(data_rows: list[list[Any]], booleans: bool) -> tuple[list[Any], np.ndarray] | None:
    """Every cell of a rectangular block as a code into one list of distinct cells, in one pass at C
    speed (no per-cell Python code); None when the block is ragged or holds TRUE/FALSE and a 1 or 0
    under one code (Python counts them equal)."""
    if not data_rows or len(set(map(len, data_rows))) != 1:
        return None
    n = len(data_rows) * len(data_rows[0])
    first_seen: dict[Any, int] = {}  # cell -> where it first occurs (setdefault keeps the first)
    where = np.fromiter(map(first_seen.setdefault, chain.from_iterable(data_rows), count()), dtype=np.int64, count=n)
    distinct = list(first_seen)  # (a NaN is not equal to itself: each one stays a cell of its own)
    dense = np.empty(n, dtype=np.int32)
    dense[np.fromiter(first_seen.values(), dtype=np.int64, count=len(distinct))] = np.arange(len(distinct), dtype=np.int32)
    codes = dense[where]
    if booleans and _bool_beside_number(distinct, codes, data_rows):
        return None
    return distinct, codes.reshape(len(data_rows), len(data_rows[0]))


def _bool_beside_number(distinct: list[Any], codes: np.ndarray, data_rows: list[list[Any]]) -> bool:
    """Whether a code stands both for TRUE/FALSE and for a number 1/0 (one equal key in a dict): only
    the cells under a code whose value is 0 or 1 are looked at, and only when there is one."""
    suspects = [c for c, v in enumerate(distinct) if v.__class__ in (int, float, bool) and (v == 0 or v == 1)]
    if not suspects:
        return False
    flat = list(chain.from_iterable(data_rows))
    for c in suspects:
        kinds = {flat[i].__class__ is bool for i in np.flatnonzero(codes == c).tolist()}
        if len(kinds) > 1:
            return True
    return False


def _column_cells(data_rows: list[list[Any]], mapped: dict[str, int], booleans: bool) -> Iterator[tuple[str, list[Any], np.ndarray]]:
    """(field, its distinct cells, each row's code) per mapped column."""
    for key, distinct, codes in _columns(data_rows, mapped, booleans):
        yield key, distinct, np.array(codes, dtype=np.int32) if codes.__class__ is list else codes


def _columns(data_rows: list[list[Any]], mapped: dict[str, int], booleans: bool) -> Iterator[tuple[str, list[Any], Any]]:
    """`_column_cells`, with a small (or ragged) table's codes as lists: `read_table` makes them one block."""
    grid = _grid_codes(data_rows, booleans) if len(data_rows) > SMALL_TABLE else None  # a few rows: per column is quicker
    if grid is None:
        width = max(mapped.values(), default=-1) + 1
        if min(map(len, data_rows), default=width) < width:  # ragged rows (bounded reader): pad once
            data_rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in data_rows]
        columns = list(zip(*data_rows, strict=False))  # each column's cells in one pass (every row reaches `width`)
        for key, ci in mapped.items():
            yield key, *_coded(columns[ci] if columns else (), booleans)
        return
    distinct, codes = grid
    local = np.empty(len(distinct), dtype=np.int32)
    for key, ci in mapped.items():
        column = codes[:, ci]
        used = np.flatnonzero(np.bincount(column, minlength=len(distinct)))  # this column's cells, in first-seen order
        local[used] = np.arange(len(used), dtype=np.int32)
        yield key, [distinct[c] for c in used.tolist()], local[column]


def _filled(found: dict[str, Column], n: int, block: np.ndarray | None) -> np.ndarray | None:
    """For a small table: whether each record holds a value, per column (records x columns), made in a
    few steps for the whole sheet rather than three per column; None for a large one (the matrix would
    be as large as the sheet). `block`: the columns' codes, one row each."""
    if n > SMALL_TABLE or not found or block is None:
        return None
    columns = list(found.values())
    present = np.array([v is not None for c in columns for v in c.values], dtype=bool)
    offsets = np.array(list(accumulate((len(c.values) for c in columns[:-1]), initial=0)))
    filled = present[block + offsets[:, None]].T
    filled.flags.writeable = False
    return filled


_EMPTY: Result = (None, None)
_NONE: frozenset[int] = frozenset()


def _renamed(data: WorkbookData, spec: Sheet, name: str, key: str, letter: str, distinct: list[Any], renamed: dict[str, str]) -> list[Any]:
    """A column's distinct cells as today's form names their options (an older version's names said once each)."""
    out = []
    for value in distinct:
        if isinstance(value, str) and (today := rename_options(value, renamed)) != value:
            data.add("VALUE_OLD_VERSION", sheet=name, column=letter, field=key, title=spec.by_key[key].title, value=value, expected=today)
            value = today
        out.append(value)
    return out


def read_table(
    data: WorkbookData,
    spec: Sheet,
    name: str,
    rows: list[list[Any]],
    merged: list[Any],
    booleans: bool = True,
    old: tuple[dict[str, str], dict[str, dict[str, str]]] | None = None,
) -> SheetData:
    """A table sheet as columns. `old` is an older form version's (headers, options), read as today's."""
    old_headers, old_options = old or ({}, {})
    header_idx, _ = best_header_row(rows, title_keys(spec, old_headers), spec.header_row, len(spec.fields))
    header = rows[header_idx] if header_idx < len(rows) else []
    mapped = map_headers(data, spec, name, header, old_headers)
    columns = {k: column_letter(ci + 1) for k, ci in mapped.items()}
    sd = SheetData(spec=spec, name=name, columns=columns)
    first = header_idx + 1  # 0-based index of the first data row
    for (r0, c0), (r1, c1) in merged:
        if r1 >= first:
            rng = f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
            data.add("CELL_MERGED", sheet=name, row=r0 + 1, column=column_letter(c0 + 1), value=rng)
    norms = spec.normalisers
    found: dict[str, Column] = {}
    problems: dict[str, dict[int, Problem]] = {}
    blank = np.ones(len(rows) - first if len(rows) > first else 0, dtype=bool)
    listed: list[list[int]] = []  # the codes of columns read one by one: made one array below
    for key, distinct, codes in _columns(rows[first:], mapped, booleans):
        if len(distinct) <= 2 and all(v == "" or v is None for v in distinct):  # (distinct: "" and None at most)
            continue  # an empty column adds nothing to any row
        norm = norms[key]
        renamed = old_options.get(key)
        typed = _renamed(data, spec, name, key, column_letter(mapped[key] + 1), distinct, renamed) if renamed else distinct
        if len(distinct) <= SMALL_TABLE and (many := getattr(norm, "many", None)) is not None:
            values, said = many(typed)  # each distinct value once
        else:
            fn = norm if len(distinct) <= SMALL_TABLE else getattr(norm, "plain", norm)
            results = [_EMPTY if value == "" or value is None else fn(value) for value in typed]
            values = [norm for norm, _ in results]
            said = {code: problem for code, (_, problem) in enumerate(results) if problem is not None}
        if said:
            problems[key] = said
        bad = frozenset(c for c, p in said.items() if not is_notice(p)) if said else _NONE
        found[key] = Column(codes, values, distinct, bad)
        if codes.__class__ is list:
            listed.append(codes)
    block = np.array(listed, dtype=np.int32).reshape(len(listed), len(blank)) if listed else None
    if block is not None:
        for column, codes in zip(found.values(), block, strict=True):  # a row of the block each (read only)
            column.codes = codes
    filled = _filled(found, len(blank), block)
    if filled is None:
        for column in found.values():
            blank &= ~column.filled()
    elif found:
        blank = ~filled.any(axis=1)
    kept = np.flatnonzero(~blank)
    sd.rows = (kept + first + 1).tolist()
    for before, after in zip(sd.rows, sd.rows[1:], strict=False):  # a gap between data rows (trailing blanks are never reported)
        if after - before > 1:
            start = before + 1
            data.add("ROW_BLANK", sheet=name, row=start, value=f"第 {start} 行" if start == after - 1 else f"第 {start}–{after - 1} 行")
    every = len(kept) == len(blank)  # no blank row in between: the columns stand as they are (with what they know)
    if filled is not None and not every:
        filled = filled[kept]
    for j, (key, column) in enumerate(found.items()):
        if not every:
            column = Column(column.codes[kept], column.values, column.raw, column.bad)
        if filled is not None:
            column._filled = filled[:, j]  # read only, as `Column.filled` makes it
        sd.cells[key] = column
    for key, bad_values in problems.items():  # rare: cells whose value could not be normalised
        codes = sd.cells[key].codes
        title = spec.by_key[key].title
        raw = sd.cells[key].raw
        for code, problem in bad_values.items():
            for i in np.flatnonzero(codes == code).tolist():
                data.add(
                    problem.code,
                    sheet=name,
                    row=sd.rows[i],
                    column=columns[key],
                    field=key,
                    title=title,
                    value=raw[code],
                    expected=problem.expected,
                )
    return sd
