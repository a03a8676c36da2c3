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


