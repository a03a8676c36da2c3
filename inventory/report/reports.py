"""`Reports`: the data loaded once, and each report built from it in the contract's JSON shape."""

from __future__ import annotations

from typing import Any

from .brief import brief_report
from .coverage import coverage_report
from .data import ReportData
from .inventory import inventory_report
from .issues import issues_report


class Reports(ReportData):
    def coverage(self) -> dict[str, Any]:
        return coverage_report(self)

    def issues(self) -> dict[str, Any]:
        return issues_report(self)

    def inventory(self) -> dict[str, Any]:
        return inventory_report(self)

    def brief(self) -> dict[str, Any]:
        return brief_report(self)

    def unit(self, name: str) -> dict[str, Any]:
        from .unit import UnitReports

        units = UnitReports(self)
        return units.report(units.names(name)[0])
