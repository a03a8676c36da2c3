"""One vocabulary of states for returns and offices, the same in the portal, the CLI and the reports,
and the board that reads every unit's state in one office's part of the tree for a round.

A reporter's state follows its return: 未报送 → 未通过校验 (the file failed validation) or 待审核 →
已通过 (its reviewer approved it: locked) or 退回修改 (its reviewer sent it back with a reason); 免报
when its reviewer exempted it. An office's state follows its children and the level above: 汇总中
→ 可上报 (every child approved or exempted) → 已上报 (submitted upward) → 已通过 or 退回修改.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Engine, func, select, true
from sqlalchemy.orm import Session

from ..beijing import aware as _aware
from ..beijing import day_end
from ..form.roster import Roster, Unit
from ..store.models import ACCEPTED, Decision, NodeApproval, Round, Submission
from ..store.models import Unit as UnitRow
from ..store.units import in_part
from .scope import Scope, scope_for

STATE_NAMES = {
    "not_submitted": "未报送",
    "rejected": "未通过校验",
    "pending": "待审核",
    "returned": "退回修改",
    "approved": "已通过",
    "exempt": "免报",
    "collecting": "汇总中",
    "ready": "可上报",
    "submitted": "已上报",
}
STATE_HELP = {
    "not_submitted": "本轮还没有收到报表。",
    "rejected": "收到的报表有校验错误，没有入库；单位改正后重新报送。",
    "pending": "报表已通过校验并入库，等待上级项目办审核。",
    "returned": "上级项目办审核后退回修改，附有意见；改正后重新报送。",
    "approved": "上级项目办已审核通过，报表锁定；如需修改须由上级重新打开。",
    "exempt": "上级项目办同意本轮不报送（附理由）。",
    "collecting": "下级单位的报表还没有全部审核通过或免报。",
    "ready": "下级全部审核通过或免报，可以报上级审核。",
    "submitted": "已报上级项目办审核，等待上级审核；期间本级及下级报表锁定。",
}
DONE = ("approved", "exempt")
# what became of a file sent in (an import, a submission), in the same words everywhere
RETURN_NAMES = {
    "imported": "已入库",
    "accepted": "已入库",
    "unchanged": "未变化",
    "rejected": "未通过校验",
    "superseded": "已被替代",
    "not_submitted": "未报送",
    "failed": "未入库（数据库忙）",
}


def state_name(state: str) -> str:
    return STATE_NAMES.get(state, state)


@dataclass
class NodeStatus:
    unit: Unit
    reporter: bool
    office: bool
    submissions: list[Submission] = field(default_factory=list)  # this round's, newest first
    decision: dict[str, Any] | None = None  # the latest review of its current return
    step: dict[str, Any] | None = None  # the latest approval step on the node
    state: str = "not_submitted"  # as a reporter, or as an office when it is one
    return_state: str | None = None  # an office that also reports: its own return's state
    children_done: int = 0
    children_total: int = 0
    exempt_before: str | None = None  # why it was exempted in the round before (said beside 未报送, never a state)
    exempt_with: tuple[str, str] | None = None  # (office, its reason): exempt because an office above it is, whole

    @property
    def accepted(self) -> Submission | None:
        return next((s for s in self.submissions if s.status == ACCEPTED), None)

    @property
    def latest(self) -> Submission | None:
        return self.submissions[0] if self.submissions else None

    @property
    def state_name(self) -> str:
        return state_name(self.state)

    @property
    def status(self) -> str:
        """The return's intake status (contract.md): not_submitted | rejected | accepted."""
        if self.accepted:
            return "accepted"
        return "rejected" if self.submissions else "not_submitted"

    @property
    def complete(self) -> bool:
        """An office's part may go up: every child approved or exempted, and its own return (when it
        sends one) stored. Also after the level above sent the part back (its state stays 退回修改)."""
        return self.children_done == self.children_total and self.return_state in (None, "pending", "approved")

    @property
    def from_above(self) -> dict[str, Any] | None:
        """The level above's latest word on this office's part when it sent the part back or reopened it
        after approval, each with a reason: the step (action, reason, actor, at); None otherwise (an
        office withdrawing its own submission is its own step)."""
        step = self.step
        if step and (step["action"] == "returned" or (step["action"] == "reopened" and step.get("before") == "approved")):
            return step
        return None

    @property
    def reason(self) -> str | None:
        """Why it is sent back or exempted: the reviewer's words."""
        if self.exempt_with is not None:
            office, why = self.exempt_with
            return f"随“{office}”免报：{why}" if why else f"随“{office}”免报"
        if self.step and self.step["action"] in ("returned", "exempted"):
            return self.step["reason"]
        if self.state == "returned" and self.decision:
            return self.decision.get("comment")
        if self.state == "not_submitted" and self.exempt_before is not None:
            return f"上一轮免报：{self.exempt_before}"
        return None


class Board:
    """Every unit's state in an office's part of the tree for a round, read in three queries."""

    def __init__(
        self, engine: Engine, roster: Roster, round_: dict[str, Any] | None, under: Unit | None = None, kind: str | None = None
    ) -> None:
        """`kind` overrides the round's scope (all | pilot), as `report --scope` does."""
        self.engine, self.roster, self.round = engine, roster, round_
        self.under = under or roster.root
        self.round_id = round_["id"] if round_ else None
        self.steps = self._steps()
        exempt = {code for code, s in self.steps.items() if s["action"] == "exempted"}
        self.scope: Scope = scope_for(roster, {"scope": kind} if kind else round_, self.under, exempt)

    def _ids(self, session: Session) -> dict[int, str]:
        q = select(UnitRow.id, UnitRow.code).where(in_part(self.roster, self.under))
        return dict(session.execute(q).all())

    def _steps(self, before: bool = False) -> dict[str, dict[str, Any]]:
        """Unit code -> its latest approval step in the round (`before`: in the round before it)."""
        out: dict[str, dict[str, Any]] = {}
        with Session(self.engine) as session:
            codes = self._ids(session)
            rid = self.round_id
            if before:
                rid = session.scalar(select(func.max(Round.id)).where(Round.id < rid)) if rid is not None else None
                if rid is None:
                    return out
            q = (
                select(NodeApproval)
                .where(NodeApproval.round_id.is_(None) if rid is None else NodeApproval.round_id == rid)
                .order_by(NodeApproval.at, NodeApproval.id)
            )
            for a in session.scalars(q):
                code = codes.get(a.unit_id)
                if code:
                    before = out[code]["action"] if code in out else None  # reopened after approval: by the level above
                    out[code] = {"action": a.action, "reason": a.reason, "actor": a.actor, "at": a.at, "before": before}
        return out

    @cached_property
    def statuses(self) -> dict[str, NodeStatus]:
        """Unit name -> its status, for the round's units in view (tree order)."""
        scope = self.scope
        out = {u.name: NodeStatus(u, scope.is_reporter(u), scope.is_office(u)) for u in scope.units}
        by_code = {st.unit.code: st for st in out.values()}
        # rows, not ORM objects (6,000 of them at a province); the units in view named as `in_part` says
        in_view = in_part(self.roster, self.under)
        in_round = Submission.round_id == self.round_id if self.round_id is not None else true()
        with self.engine.connect() as conn:
            q = (
                select(Submission.__table__, UnitRow.code.label("unit_code"))
                .join(UnitRow, Submission.unit_id == UnitRow.id)
                .where(in_view, in_round)
                .order_by(Submission.received_at.desc(), Submission.id.desc())
            )
            for sub in conn.execute(q):
                st = by_code.get(sub.unit_code)
                if st is not None:
                    st.submissions.append(sub)
            current = {st.accepted.id: st for st in out.values() if st.accepted}
            if current:
                dq = (
                    select(Decision.submission_id, Decision.decision, Decision.comment, Decision.reviewer, Decision.decided_at)
                    .join(Submission, Decision.submission_id == Submission.id)
                    .join(UnitRow, Submission.unit_id == UnitRow.id)
                    .where(in_view, in_round, Submission.status == ACCEPTED)
                    .order_by(Decision.decided_at, Decision.id)
                )
                for d in conn.execute(dq):
                    if d.submission_id in current:
                        current[d.submission_id].decision = {
                            "decision": d.decision,
                            "comment": d.comment,
                            "reviewer": d.reviewer,
                            "at": d.decided_at,
                        }
        for code, step in self.steps.items():
            if code in by_code:
                by_code[code].step = step
        for code, step in self._steps(before=True).items():  # exempted last round: a hint beside 未报送 this round
            if code in by_code and step["action"] == "exempted":
                by_code[code].exempt_before = step["reason"] or ""
        for st in out.values():  # an office that sent a return of its own (a 市(州) reporting for its whole city) reports too
            st.reporter = st.reporter or bool(st.submissions)
        for st in reversed(list(out.values())):  # children before their parents
            own = _return_state(st)
            if st.office:
                kids = [by_code[k.code] for k in scope.children(st.unit) if k.code in by_code]
                st.children_total = len(kids)
                st.children_done = sum(k.state in DONE for k in kids)
                st.return_state = own if st.reporter else None
                st.state = _office_state(st, own if st.reporter else None)
            else:
                st.state = own
        for st in out.values():  # parents first: an office exempted whole takes its part out of the round with it
            above = by_code.get(scope.reviewer_code(st.unit)) if st.unit.parent is not None else None
            if above is not None and above.state == "exempt" and st.state != "exempt" and above.office:
                st.state = "exempt"
                st.exempt_with = above.exempt_with or (above.unit.name, (above.step or {}).get("reason") or "")
        return out

    def late(self, st: NodeStatus, deadline: dt.date | None) -> bool:
        """Whether its first valid return arrived after the deadline (Beijing time), or none has yet
        and the deadline has passed."""
        if deadline is None or not st.reporter or st.state == "exempt":
            return False
        cutoff = day_end(deadline)
        first = min((s.received_at for s in st.submissions if s.status != "rejected"), default=None)
        if first is None:
            return dt.datetime.now(dt.UTC) >= cutoff
        return _aware(first) >= cutoff


def _return_state(st: NodeStatus) -> str:
    if st.step and st.step["action"] == "exempted":
        return "exempt"
    if st.accepted is None:
        return "rejected" if st.submissions else "not_submitted"
    decision = (st.decision or {}).get("decision")
    return decision if decision in ("approved", "returned") else "pending"


def _office_state(st: NodeStatus, own: str | None) -> str:
    """`own`: the office's own return's state when it reports too (set as `st.return_state` first)."""
    action = st.step["action"] if st.step else None
    if action == "exempted":
        return "exempt"
    if action in ("submitted", "approved", "returned"):
        return action
    return "ready" if st.complete else "collecting"
