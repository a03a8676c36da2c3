"""What reading a workbook yields: each sheet's cells as columns over its records, located to their
Excel rows, per file.

A sheet keeps one `Column` per field: the distinct cells it holds (as read and as normalised) and,
per record, which of them it has. Checks work on the distinct values and on column masks, so a
check runs once per distinct value or value combination, not once per row; a row's values as a dict
(`record(i)`, `records`, `iter_values`) are built only for rows that fail and for storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..form.issues import Issue, make_issue
from ..form.model import Sheet


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


@dataclass(slots=True)
class Column:
    """One field over a sheet's records: record i holds `values[codes[i]]` (None when empty)."""

    codes: np.ndarray  # int32, one per record
    values: list[Any]  # normalised, one per distinct cell
    raw: list[Any]  # as read, one per distinct cell
    bad: frozenset[int] = frozenset()  # codes whose cell could not be normalised (the record keeps `raw`)
    _filled: np.ndarray | None = field(default=None, repr=False, compare=False)

    def filled(self) -> np.ndarray:
        """Per record: does it hold a value? (Made once: every check asks; a column is never changed in place.)"""
        if self._filled is None:
            present = np.fromiter((v is not None for v in self.values), dtype=bool, count=len(self.values))
            self._filled = present[self.codes]
            self._filled.flags.writeable = False  # shared by every caller: none may change it
        return self._filled

    def bad_rows(self) -> np.ndarray:
        """Per record: is its cell one that could not be normalised?"""
        if not self.bad:
            return np.zeros(len(self.codes), dtype=bool)
        flags = np.zeros(len(self.values), dtype=bool)
        flags[list(self.bad)] = True
        return flags[self.codes]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def column_of(values: list[Any]) -> Column:
    """A column from one normalised value per record (values read back from storage, or a form sheet)."""
    index: dict[Any, int] = {}
    distinct: list[Any] = []
    codes = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        key = _hashable(v)
        c = index.get(key)
        if c is None:
            c = index[key] = len(distinct)
            distinct.append(v)
        codes[i] = c
    return Column(codes, distinct, list(distinct))


@dataclass
class SheetData:
    spec: Sheet
    name: str  # the sheet's name in the file
    columns: dict[str, str]  # field key -> column letter (or cell reference on form sheets)
    rows: list[int] = field(default_factory=list)  # the Excel row of each record
    cells: dict[str, Column] = field(default_factory=dict)  # field key -> its column (fields with any value)
    _records: list[Record] | None = field(default=None, repr=False)
    _packed: tuple[np.ndarray, list[str], list[tuple[list[Any], list[Any], frozenset[int]]]] | None = field(default=None, repr=False)
    _values: list[tuple[int, dict[str, Any]]] | None = field(default=None, repr=False)
    _groups: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[np.ndarray, list[dict[str, Any]]]] = field(
        default_factory=dict, repr=False
    )

    def pack(self) -> None:
        """Before crossing to another process: every column's codes as one block (one array to pickle,
        not one per field; a small return's report crosses twice as fast)."""
        if self.cells and len({len(c.codes) for c in self.cells.values()}) == 1:
            keys = list(self.cells)
            block = np.stack([self.cells[k].codes for k in keys], axis=1)
            self._packed = (block, keys, [(c.values, c.raw, c.bad) for c in self.cells.values()])
            self.cells = {}

    def unpack(self) -> None:
        if self._packed is not None:
            block, keys, tables = self._packed
            self.cells = {k: Column(block[:, j], *tables[j]) for j, k in enumerate(keys)}
            self._packed = None

    @classmethod
    def from_records(cls, spec: Sheet, name: str, columns: dict[str, str], records: list[Record]) -> SheetData:
        keys = list(dict.fromkeys(k for r in records for k in r.values))
        sd = cls(spec=spec, name=name, columns=columns, rows=[r.row for r in records])
        for key in keys:
            col = column_of([r.values.get(key) for r in records])
            bad_codes = {int(col.codes[i]) for i, r in enumerate(records) if key in r.bad}
            if bad_codes:
                raw = list(col.raw)
                for i, r in enumerate(records):
                    if key in r.bad:
                        raw[col.codes[i]] = r.raw.get(key)
                col = Column(col.codes, col.values, raw, frozenset(bad_codes))
            sd.cells[key] = col
        sd._records = list(records)
        return sd

    def __len__(self) -> int:
        return len(self.rows)

    def value(self, key: str, i: int) -> Any:
        col = self.cells.get(key)
        return None if col is None else col.values[col.codes[i]]

    def column_values(self, key: str) -> list[Any]:
        """Each record's value of `key` (None when empty), in row order."""
        col = self.cells.get(key)
        if col is None:
            return [None] * len(self.rows)
        table = col.values
        return [table[c] for c in col.codes.tolist()]

    def record(self, i: int) -> Record:
        """Record `i` as a row: its values, and what was typed where a value could not be read."""
        values, raw, bad = {}, {}, []
        for key, col in self.cells.items():
            c = col.codes[i]
            v = col.values[c]
            if v is not None:
                values[key] = v
            if c in col.bad:
                raw[key] = col.raw[c]
                bad.append(key)
        return Record(self.rows[i], values, raw, frozenset(bad))

    @property
    def records(self) -> list[Record]:
        if self._records is None:
            self._records = [self.record(i) for i in range(len(self.rows))]
        return self._records

    def value_rows(self) -> list[tuple[int, dict[str, Any]]]:
        """`iter_values` as a list, made once (storing a return reads its systems twice: to match them
        with the unit's previous return, then to write them)."""
        if self._values is None:
            self._values = list(self.iter_values())
        return self._values

    def iter_values(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row, normalised values) per record, for storage; nothing else is built."""
        if self._values is not None:
            yield from self._values
            return
        if self._records is not None:
            yield from ((r.row, r.values) for r in self._records)
            return
        keys = list(self.cells)
        tables = [self.cells[k].values for k in keys]
        columns = [self.cells[k].codes.tolist() for k in keys]
        for row, codes in zip(self.rows, zip(*columns, strict=True) if columns else ((),) * len(self.rows), strict=True):
            yield row, {k: v for k, t, c in zip(keys, tables, codes, strict=True) if (v := t[c]) is not None}

    def groups(
        self, keys: Iterable[str], presence: Iterable[str] = (), within: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """The distinct combinations of `keys` (and of whether each of `presence` is filled) over the
        records, or over the records `within`: (group of each record, each group's values with empty
        fields left out; a presence-only field holds True). A check over these runs once per group."""
        value_keys = [k for k in dict.fromkeys(keys) if k in self.cells]
        presence_keys = [k for k in dict.fromkeys(presence) if k in self.cells and k not in value_keys]
        if within is None:  # over every record: the checks ask the same question several times (read only)
            asked = (tuple(value_keys), tuple(presence_keys))
            if asked not in self._groups:
                self._groups[asked] = self._grouped(value_keys, presence_keys, None)
                self._groups[asked][0].flags.writeable = False
            return self._groups[asked]
        return self._grouped(value_keys, presence_keys, within)

    def _grouped(
        self, value_keys: list[str], presence_keys: list[str], within: np.ndarray | None
    ) -> tuple[np.ndarray, list[dict[str, Any]]]:
        n = len(self.rows) if within is None else len(within)
        parts: list[tuple[str, list[Any], np.ndarray]] = []  # (key, value per code, code per record)
        for k in value_keys:
            col = self.cells[k]
            parts.append((k, col.values, col.codes if within is None else col.codes[within]))
        for k in presence_keys:
            filled = self.cells[k].filled()
            parts.append((k, [None, True], (filled if within is None else filled[within]).astype(np.int32)))
        if not parts or n == 0:
            return np.zeros(n, dtype=np.int64), [{}]
        if n <= SMALL:  # a unit's return: plain Python beats a dozen numpy calls on a few rows
            return _small_groups(parts, n)
        combined = np.zeros(n, dtype=np.int64)
        span = 1
        for _, table, codes in parts:
            size = max(len(table), 1)
            if span * size >= 2**62:  # too many combinations for one integer: group the rows as tuples
                _, first, inverse = np.unique(np.stack([c for _, _, c in parts], axis=1), axis=0, return_index=True, return_inverse=True)
                break
            combined = combined * size + codes
            span *= size
        else:
            _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        groups = [{k: v for k, table, codes in parts if (v := table[codes[i]]) is not None} for i in first.tolist()]
        return inverse.reshape(-1), groups


SMALL = 256  # records up to which grouping is done without numpy


def _small_groups(parts: list[tuple[str, list[Any], np.ndarray]], n: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """`groups` for a few records, in the same order (by the codes, field by field) as the numpy way."""
    keys = list(zip(*(codes.tolist() for _, _, codes in parts), strict=True))
    first: dict[tuple[int, ...], int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    order = sorted(first)
    index = {key: j for j, key in enumerate(order)}
    inverse = np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=n)
    groups = [{k: v for (k, table, _), c in zip(parts, key, strict=True) if (v := table[c]) is not None} for key in order]
    return inverse, groups


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

    def detach(self) -> None:
        """Before crossing to another process: each sheet names its form sheet instead of holding it
        (a form's compiled validators cannot be pickled), and rows built on demand are dropped."""
        for sd in self.sheets.values():
            sd.spec = sd.spec.name  # type: ignore[assignment]
            sd._records = sd._values = None  # the columns hold everything; rows are rebuilt on the other side if needed
            sd._groups = {}
            sd.pack()

    def attach(self, form: Any) -> None:
        for sd in self.sheets.values():
            sd.unpack()
            if isinstance(sd.spec, str):
                sd.spec = form.by_name[sd.spec]
