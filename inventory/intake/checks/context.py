"""What every check sees: the form, roster and reference date, and the file being checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...form.issues import Issue
from ...form.model import Form
from ...form.roster import Roster
from ...form.rules import CompiledRule
from ..reader import Record, SheetData, WorkbookData
from ..result import FileReport


@dataclass
class Context:
    form: Form
    roster: Roster
    as_of: dt.date
    rules: list[CompiledRule]  # the named rules of the form, compiled once per validator
    titles: dict[str, str]  # field key -> column title
    data: WorkbookData
    report: FileReport

    @cached_property
    def file(self) -> str:
        return str(self.report.path)

    @cached_property
    def main(self) -> SheetData | None:  # (asked by every check: found once)
        return self.data.sheets.get(self.form.main.name)

    def at(self, sd: SheetData, rec: Record, key: str) -> dict[str, Any]:
        """The location keywords of `make_issue` for field `key` of a table row."""
        return self._at(sd, rec.row, key)

    def at_row(self, sd: SheetData, i: int, key: str) -> dict[str, Any]:
        """The same for record `i` of a sheet."""
        return self._at(sd, sd.rows[i], key)

    def _at(self, sd: SheetData, row: int, key: str) -> dict[str, Any]:
        title = sd.spec.by_key[key].title
        return {"file": self.file, "sheet": sd.name, "row": row, "column": sd.columns.get(key), "field": key, "title": title}


Check = Callable[[Context], Iterable[Issue]]
