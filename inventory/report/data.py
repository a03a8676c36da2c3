"""What the reports read: unit states, current systems, findings and stored issues, loaded once.

Everything is read from the database once per `Reports` object; findings and assessments are
computed over the current inventory (each unit's accepted submission) as of the reference date.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import Engine, String, select, type_coerce

from ..assess import Finding, System, duplicate_findings_beside, load_rules, system_findings
from ..assess.crosscheck import reference_findings
from ..beijing import stamp, today
from ..form.load import Form, load_form
from ..form.model import live_deadline
from ..form.roster import Roster, Unit
from ..gcpause import paused_gc
from ..store.models import IssueRecord, Submission, SystemRecord
from ..store.references import reference_rows
from ..store.units import tree
from ..workflow.states import Board, NodeStatus
from .carried import carried_systems
from .tree_duplicates import keep, kept, part_duplicates

SCOPES = ("all", "pilot")
REPEATED_TYPES = ("enum", "bool", "date", "month", "uscc")  # texts that repeat across systems
UnitState = NodeStatus  # a unit's returns and state in the round (workflow.states)


class ReportData:
    def __init__(
        self,
        engine: Engine,
        as_of: dt.date | None = None,
        scope: str | None = None,
        form: Form | None = None,
        roster: Roster | None = None,
        round_key: str | None = None,
        lean: bool = False,
        under: Unit | str | None = None,
    ) -> None:
        """`lean`: each repeated short text (an option, a date, the owner unit) is kept once, not once per
        system: ~0.7 s more to load 100k systems, ~270 MB less memory (for the xlsx writer).
        `under`: the office whose part of the tree the reports cover (the root by default)."""
        from ..workflow.rounds import pick

        self.engine = engine
        self.form = form or load_form()
        self.roster = roster or tree(engine)
        self.under = self.roster.resolve(under) if isinstance(under, str) else (under or self.roster.root)
        self.round = pick(engine, round_key)  # the open round unless one is named
        round_as_of = dt.date.fromisoformat(self.round["as_of"]) if self.round and self.round["as_of"] else None
        self.as_of = as_of or round_as_of or self.form.as_of
        self.scope = scope
        self.lean = lean
        self.rules = load_rules()
        self.generated_at = stamp()
        self.today = today()

    @property
    def round_name(self) -> str:
        return self.round["name"] if self.round else str(self.form.round.get("name", ""))

    @property
    def deadline(self) -> dt.date | None:
        """The round's deadline for returns (报送截止日期), when the round sets one (a date from before the
        round opened is none: `form.model.live_deadline`); the form's without a round."""
        return live_deadline(self.round or {"deadline": self.form.round.get("deadline")})

    # -- loading --
    @cached_property
    def board(self) -> Board:
        """Every unit's returns and state in the part of the tree the reports cover."""
        return Board(self.engine, self.roster, self.round, self.under, kind=self.scope)

    @cached_property
    def states(self) -> dict[str, UnitState]:
        """The units expected to report (tree order), with their returns and states."""
        return {name: st for name, st in self.board.statuses.items() if st.reporter}

    @cached_property
    def systems(self) -> list[System]:
        ids = {st.accepted.id: name for name, st in self.states.items() if st.accepted}
        out: list[System] = []
        if not ids:
            return out
        data_text = type_coerce(SystemRecord.data, String)  # parsed here with orjson: much faster
        with self.engine.connect() as conn, paused_gc():
            q = (
                select(SystemRecord.submission_id, SystemRecord.row, data_text, SystemRecord.system_key, SystemRecord.id)
                .where(SystemRecord.submission_id.in_(list(ids)))
                .order_by(SystemRecord.submission_id, SystemRecord.row)
            )
            shared: dict[str, str] = {}
            repeated = [f.key for f in self.form.main.fields if f.type in REPEATED_TYPES or f.key == "owner_unit"] if self.lean else []
            for sub_id, row, data, key, rid in conn.execute(q):
                values = orjson.loads(data) if isinstance(data, (str, bytes)) else data
                for k in repeated:
                    v = values.get(k)
                    if v.__class__ is str:
                        values[k] = shared.setdefault(v, v)
                out.append(System(unit=ids[sub_id], submission_id=sub_id, row=row, values=values, key=key or f"r{rid}"))
        return out

    @cached_property
    def all_findings(self) -> list[Finding]:
        """Every finding, with the office's review attached where it still holds (same evidence)."""
        from ..workflow.finding_reviews import latest_reviews

        systems = self.systems
        for s in systems:
            s.findings.clear()
            s.counted = True
        with paused_gc():
            rid = self.round["id"] if self.round else None
            if self.under.parent is None and kept(self.engine, rid, self.rules) is None:  # the tree, first time: in a child, kept
                beside = duplicate_findings_beside(systems, self.rules, self.roster)
                duplicates = lambda: keep(self.engine, rid, self.rules, beside())  # noqa: E731
            else:  # an office's part, or the tree again: the duplicates of the whole round that touch it
                duplicates = lambda: part_duplicates(systems, self.engine, rid, self.rules, self.roster)  # noqa: E731
            found = system_findings(systems, self.rules, self.as_of)
            refs = reference_rows(self.engine)
            found += duplicates()
            if refs:  # checked against the lists the province holds, once they are loaded
                found += reference_findings(systems, refs, self.rules, self.roster, carried_systems(self))
        reviews = latest_reviews(self.engine, self.round["id"] if self.round else None)
        for f in found:
            review = reviews.get(f.id)
            if review and review["fingerprint"] == f.fingerprint:
                f.review = {k: v for k, v in review.items() if k != "fingerprint"}
                if f.code == "FIND_DUPLICATE_REPORT" and f.review["state"] == "dismissed":  # not one system after all: each counts
                    for s in f.about:
                        s.counted = True
        order = {code: (meta["severity"] != "error", i) for i, (code, meta) in enumerate(self.rules["findings"].items())}
        return sorted(found, key=lambda f: order[f.code])  # stable: systems keep their order within a code

    @cached_property
    def findings(self) -> list[Finding]:
        """The findings the reports show: all but those dismissed with the evidence they still have.
        A dismissed finding no longer counts against its systems' scores."""
        shown = []
        for f in self.all_findings:
            if f.review and f.review["state"] == "dismissed":
                for s in f.about:
                    if f.code in s.findings:
                        s.findings.remove(f.code)
            else:
                shown.append(f)
        return shown

    def latest_issues(self) -> list[dict[str, Any]]:
        """The stored issues of each unit's latest submission, with the unit's name."""
        latest = {st.latest.id: name for name, st in self.states.items() if st.latest}
        issues: list[dict[str, Any]] = []
        if latest:
            with self.engine.connect() as conn:
                q = (
                    select(IssueRecord, Submission.file_name)
                    .join(Submission, IssueRecord.submission_id == Submission.id)
                    .where(IssueRecord.submission_id.in_(list(latest)))
                    .order_by(IssueRecord.submission_id, IssueRecord.id)
                )
                for rec in conn.execute(q).mappings():
                    issues.append(
                        {
                            "code": rec["code"],
                            "severity": rec["severity"],
                            "file": rec["file_name"],
                            "sheet": rec["sheet"],
                            "row": rec["row"],
                            "column": rec["column"],
                            "field": rec["field"],
                            "message": rec["message"],
                            "value": rec["value"],
                            "hint": rec["hint"],
                            "unit": latest[rec["submission_id"]],
                        }
                    )
        return issues


def reference_match(engine: Engine, kind: str) -> dict[str, Any]:
    """How a loaded reference list meets the open round: rows whose unit is known, rows naming a reported
    system (a non-returning unit's earlier systems included), the unit names not resolved."""
    from ..assess.crosscheck import list_match

    r = ReportData(engine)
    return list_match(r.systems, reference_rows(engine).get(kind, []), r.roster, carried_systems(r))


def settled(r: ReportData) -> list[Finding]:
    """The findings that leave the office (unit reports, the leaders' brief): those shown, less the leads
    (`lead` in findings.json) the office has not confirmed."""
    meta = r.rules["findings"]
    return [f for f in r.findings if not meta[f.code].get("lead") or (f.review and f.review["state"] in ("confirmed", "fixed"))]
