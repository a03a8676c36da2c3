"""What reading a workbook yields: records located to their sheet and Excel row, per sheet, per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class SheetData:
    spec: Sheet
    name: str  # the sheet's name in the file
    columns: dict[str, str]  # field key -> column letter (or cell reference on form sheets)
    records: list[Record] = field(default_factory=list)

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

    def detach(self) -> None:
        """Before crossing to another process: each sheet names its form sheet instead of holding it
        (a form's compiled validators cannot be pickled)."""
        for sd in self.sheets.values():
            sd.spec = sd.spec.name  # type: ignore[assignment]

    def attach(self, form: Any) -> None:
        for sd in self.sheets.values():
            if isinstance(sd.spec, str):
                sd.spec = form.by_name[sd.spec]


