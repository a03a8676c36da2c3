"""`Reports`: the data loaded once, and each report built from it in the contract's JSON shape."""

from __future__ import annotations

from typing import Any

from ..gcpause import paused_gc
from .brief import COMPARED, brief_report, compared
from .coverage import coverage_report
from .data import ReportData
from .inventory import inventory_report
from .issues import issues_report


class Reports(ReportData):
    """Each report is built with the cyclic collector paused: it makes tens of thousands of small
    acyclic dicts over a heap of 100k systems, and each collection would walk all of it (40k
    findings as dicts: 1.3 s with the collector, 0.1 s without).

    `hidden`: the field keys this output's level may not show (`form.levels.hidden_fields`); every
    report is masked on its way out, so every format made from it is."""

    hidden: frozenset[str] = frozenset()

    def at_level(self, level: str | None) -> Reports:
        """Produce every report at this level (None: the configured default)."""
        from ..form.levels import check_level, hidden_fields

        self.hidden = hidden_fields(self.form, check_level(level))
        return self

    def masked(self, data: dict[str, Any]) -> dict[str, Any]:
        from ..form.levels import mask

        return mask(data, self.hidden)

    def coverage(self) -> dict[str, Any]:
        with paused_gc():
            return self.masked(coverage_report(self))

    def issues(self) -> dict[str, Any]:
        with paused_gc():
            return self.masked(issues_report(self))

    def inventory(self) -> dict[str, Any]:
        with paused_gc():
            return self.masked(inventory_report(self))

    def brief(self) -> dict[str, Any]:
        from .unit import UnitReports

        with paused_gc():
            units = UnitReports(self)
            data = brief_report(self, units)
            data["previous"] = self._previous_round(units)
            return self.masked(data)

    def _previous_round(self, units: Any) -> dict[str, Any] | None:
        """The round before this one, the same figures over the same part of the tree (what the brief's
        round-over-round comparison reads); None in the first round. While units in that round's
        figures are not in this one's (`not_returned`), `both` holds the figures of each round over the
        units in both: what compares like with like."""
        from ..workflow.rounds import previous
        from .unit import UnitReports

        before = previous(self.engine, self.round["id"]) if self.round else None
        if before is None:
            return None
        then = Reports(self.engine, scope=self.scope, form=self.form, roster=self.roster, round_key=before["key"], under=self.under)
        with paused_gc():
            theirs = UnitReports(then)
            old = brief_report(then, theirs)
            was, now = _accepted(then), _accepted(self)
            same = was & now
            both = {"units": len(same), "before": compared(then, theirs, same), "now": compared(self, units, same)} if was - now else None
        figures = {"round": old["round"], **{k: old[k] for k in COMPARED}, "totals": old["coverage"]["totals"]}
        return figures | {"not_returned": len(was - now), "both": both}

    def unit(self, name: str) -> dict[str, Any]:
        from .unit import UnitReports

        with paused_gc():
            units = UnitReports(self)
            return self.masked(units.report(units.names(name)[0]))


def _accepted(r: ReportData) -> set[str]:
    """The units in a round's 已入库 figure: an accepted return, not exempt (as the coverage counts them)."""
    return {name for name, st in r.states.items() if st.status == "accepted" and st.state != "exempt"}
