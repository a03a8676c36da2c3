"""`Reports`: the data loaded once, and each report built from it in the contract's JSON shape."""

from __future__ import annotations

from typing import Any

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
