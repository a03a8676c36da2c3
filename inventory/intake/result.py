"""What validating one file produced: the unit, the counts, the issues and the data read."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..form.issues import ERROR, WARNING, Issue, make_issue
from ..form.roster import Unit
from .reader import WorkbookData


@dataclass
class FileReport:
    path: Path
    unit: Unit | None = None
    unit_written: str | None = None  # the unit name as the return gives it
    form_version: str | None = None
    systems: int = 0
    issues: list[Issue] = field(default_factory=list)
    data: WorkbookData | None = field(default=None, repr=False)
    completeness: float | None = None  # share of required cells filled (conditional ones included)
    completeness_recommended: float | None = None  # share of recommended cells filled
    feedback: Path | None = None  # the feedback workbook written for this file, if any

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def elsewhere(self) -> Issue | None:
        """The UNIT_OUTSIDE issue when the unit is another office's to collect (`for_office`), else None."""
        return next((i for i in self.issues if i.code == "UNIT_OUTSIDE"), None)

    @property
    def readable(self) -> bool:
        return self.data is not None and not self.data.fatal

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "unit": self.unit.name if self.unit else None,
            "form_version": self.form_version,
            "valid": self.valid,
            "systems": self.systems,
            "errors": self.errors,
            "warnings": self.warnings,
            "issues": [i.as_dict() for i in self.issues],
        }


def for_office(report: FileReport, office: Unit | None, name: str | None = None, roster: Any = None) -> FileReport:
    """The report as an office sees it: with UNIT_OUTSIDE when its unit is outside the office's part of
    the tree (the return is another office's to collect; with `roster`, the fix names the unit's own
    office). `name`: the file as the issue names it."""
    if office is None or report.unit is None or report.unit.within(office):
        return report
    home = roster.parent_of(report.unit) if roster is not None else None
    hint = f"这份报表应由“{home.name}”的项目办（或它的上级）入库，请转给它。" if home is not None else None
    outside = make_issue("UNIT_OUTSIDE", file=name or report.path.name, value=report.unit.name, expected=office.name, hint=hint)
    return replace(report, issues=[*report.issues, outside])
