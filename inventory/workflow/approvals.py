"""Approval up the tree: the steps an office takes on its children and on its own part.

The rules, as DHIS2 has them for an organisation tree, in our words:
- a unit's return is approved (locked) or sent back, with a reason, by its reviewer: the nearest
  office above it; an office's reviewer approves or sends back the office's whole part;
- an office submits its part upward only when every child is approved or exempted (with a reason);
- while an office's part is submitted or approved above, nothing in it changes: no new return, no
  review, until the level above sends it back or it is reopened;
- every step is kept (the history) and written to the audit log.
One function per step; each returns the target's new status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select

from ..errors import UsageError
from ..form.roster import Roster, Unit
from ..store.audit import record
from ..store.current import node_lock
from ..store.models import Decision, NodeApproval
from ..store.models import Unit as UnitRow
from .signoff import void_in
from .states import DONE, Board, NodeStatus

OVERDUE_WORDS = ("逾期", "催报", "待补报", "补报", "未报", "没报", "联系不上", "无回复")


def exemption_warning(reason: str) -> str | None:
    """A word for the office when an exemption's reason reads like a unit that is late rather than one
    with nothing to report: once exempt, it leaves the 催报 list and the 未报送 count."""
    if any(w in reason for w in OVERDUE_WORDS):
        return (
            "理由看起来是逾期未报，不是本轮不需要报送：免报后这个单位不再出现在催报名单和未报送数里，入库率也不再算它。"
            "如果它还要补报，请继续催报；补报的报表要先“取消免报”才会计入。"
        )
    return None


def whole_part_note(roster: Any, unit: Any) -> str | None:
    """What exempting an office means for the units below it (None for a unit without any)."""
    below = len(roster.subtree(unit)) - 1
    if below <= 0:
        return None
    return (
        f"“{unit.name}”下面还有 {below} 个单位，随它一起免报：本轮不计应报、不催报，也不能再上传或入库报表。"
        "要让它的下级照常报送，请对它“取消免报”。"
    )


ACTIONS = {
    "approve": "审核通过",
    "return": "退回修改",
    "exempt": "同意免报",
    "include": "取消免报",
    "submit": "报上级审核",
    "reopen": "重新打开",
}


class Steps:
    """The steps an office (`office`) may take in a round, checked against the rules above."""

    def __init__(
        self, engine: Engine, roster: Roster, round_: dict[str, Any] | None, office: Unit, operator: str | None = None, **who: str
    ) -> None:
        """`who`: `role` and `address` as the audit log names who took each step (a portal account and
        where it signed in from, or `cli`); an office by default."""
        self.engine, self.roster, self.round, self.office, self.operator = engine, roster, round_, office, operator
        self.role, self.address, self.round_id = who.get("role", "office"), who.get("address"), round_["id"] if round_ else None

    def _board(self, under: Unit | None = None) -> Board:
        return Board(self.engine, self.roster, self.round, under or self.office)

    def _status(self, target: Unit) -> NodeStatus:
        board = self._board()
        board.scope.check_visible(target)
        st = board.statuses.get(target.name)
        if st is None:
            raise UsageError(f"“{target.name}”不在本轮调查范围内。")
        return st

    def check_reviewer(self, target: Unit) -> NodeStatus:
        """The target's status, after checking that this office is the one that reviews it."""
        st = self._status(target)
        reviewer = self._board().scope.reviewer(target)
        if reviewer is None or reviewer.code != self.office.code:
            who = reviewer.name if reviewer else "（无）"
            raise UsageError(f"“{target.name}”由“{who}”审核，不由“{self.office.name}”审核。", hint="逐级审核：每一级只审核直接下级。")
        self._not_frozen(self.office)
        return st

    def frozen(self, node: Unit) -> str | None:
        """Why nothing in `node`'s part may change now (it, or an office above it, is submitted upward or
        approved), None when it may: what the steps check, for pages to offer only what can be done."""
        with self.engine.connect() as conn:
            uid = conn.scalar(select(UnitRow.id).where(UnitRow.name == node.name))
            return node_lock(conn, uid, self.round_id) if uid is not None else None

    def frozen_above(self, node: Unit) -> str | None:
        parent = self.roster.parent_of(node)
        return self.frozen(parent) if parent is not None else None

    def _not_frozen(self, node: Unit | None) -> None:
        why = self.frozen(node) if node is not None else None  # (the root's parent: nothing above to freeze it)
        if why:
            raise UsageError(f"{why}，不能再改动。", hint="如确需修改，请上级项目办退回或重新打开。")

    def _log(self, target: Unit, action: str, reason: str | None) -> None:
        who = {"actor": self.operator or self.office.name, "role": self.role, "unit": self.office.name, "address": self.address}
        record(self.engine, f"review_{action}", target=target.name, detail=reason, **who)

    def _node_step(self, target: Unit, action: str, reason: str | None) -> None:
        node_step(self.engine, self.round_id, target, action, reason, self.operator)

    def _decide(self, st: NodeStatus, decision: str, reason: str | None) -> None:
        decide_return(self.engine, st, decision, reason, self.operator)

    def _after(self, target: Unit, action: str, reason: str | None) -> NodeStatus:
        self._log(target, action, reason)
        return self._status(target)

    # -- the steps --

    def approve(self, target: Unit, reason: str | None = None) -> NodeStatus:
        st = self.check_reviewer(target)
        if st.office:
            if st.state != "submitted":
                raise UsageError(f"“{target.name}”还没有报上级审核（当前：{st.state_name}），不能审核通过。")
            self._node_step(target, "approved", reason)
            if st.reporter and st.return_state == "pending":
                self._decide(st, "approved", reason)
        else:
            if st.state == "approved":
                raise UsageError(f"“{target.name}”的报表已经审核通过。")
            if st.state in ("not_submitted", "rejected", "exempt"):
                raise UsageError(f"“{target.name}”没有可审核的报表（当前：{st.state_name}）。")
            self._decide(st, "approved", reason)
        return self._after(target, "approve", reason)

    def send_back(self, target: Unit, reason: str) -> NodeStatus:
        reason = _reason(reason, "退回")
        st = self.check_reviewer(target)
        if st.office:
            if st.state not in ("submitted", "approved"):
                raise UsageError(f"“{target.name}”还没有报上级审核（当前：{st.state_name}），无需退回。")
            self._node_step(target, "returned", reason)
        else:
            if st.state not in ("pending", "approved"):
                raise UsageError(f"“{target.name}”没有可退回的报表（当前：{st.state_name}）。")
            self._decide(st, "returned", reason)
        return self._after(target, "return", reason)

    def exempt(self, target: Unit, reason: str) -> NodeStatus:
        reason = _reason(reason, "免报")
        st = self.check_reviewer(target)
        if st.state in ("approved", "submitted"):
            raise UsageError(f"“{target.name}”{_already(st.state_name)}，不能再设为免报。")
        if st.state == "exempt":  # the reason given first stands: a second one is not written over it unseen
            raise UsageError(
                f"“{target.name}”已是免报（理由：{st.reason or '未写'}），未改动。", hint="要换理由，请先取消免报再重新同意免报。"
            )
        self._node_step(target, "exempted", reason)
        return self._after(target, "exempt", reason)

    def include(self, target: Unit) -> NodeStatus:
        st = self.check_reviewer(target)
        if st.state != "exempt":
            raise UsageError(f"“{target.name}”不是免报状态。")
        self._node_step(target, "included", None)
        return self._after(target, "include", None)

    def reopen(self, target: Unit, reason: str) -> NodeStatus:
        """The reviewer reopens an approved return or part; an office withdraws its own submission."""
        reason = _reason(reason, "重新打开")
        if target.code == self.office.code:
            st = self._status(target)
            if st.state != "submitted":
                raise UsageError(f"“{target.name}”不是“已上报”状态，无需撤回（当前：{st.state_name}）。")
            self._not_frozen(self.roster.parent_of(target))
            self._node_step(target, "reopened", reason)
            return self._after(target, "reopen", reason)
        st = self.check_reviewer(target)
        if st.state != "approved":
            raise UsageError(f"“{target.name}”不是“已通过”状态（当前：{st.state_name}），无需重新打开。")
        if st.office:
            self._node_step(target, "reopened", reason)
        else:
            self._decide(st, "reopened", reason)
        return self._after(target, "reopen", reason)

    def submit(self) -> NodeStatus:
        """Submit this office's part upward: every child approved or exempted first."""
        node = self.office
        if node.parent is None:
            raise UsageError("根节点没有上级，无需上报。")
        st = self._status(node)
        if not st.office:
            raise UsageError(f"“{node.name}”没有下级单位，它的报表由上级直接审核，无需上报。")
        if st.state in ("submitted", "approved", "exempt"):
            raise UsageError(f"“{node.name}”本轮{_already(st.state_name)}。")
        if not st.complete:  # 可上报, or 退回修改 once every child is done again
            raise UsageError(
                f"还不能上报：{waiting_for(self._board(), st)}尚未审核通过或免报。",
                hint="下级全部审核通过或免报（须写理由）后才能报上级审核。",
            )
        self._not_frozen(self.roster.parent_of(node))
        self._node_step(node, "submitted", None)
        return self._after(node, "submit", None)


MINE, BELOW, OTHER = "mine", "below", "other"
NOT_EXPECTED = "不在本轮审核范围：其他轮次的报表，或本轮不要求该单位报送"


def return_deciders(board: Board) -> dict[int, tuple[str, str | None, str]]:
    """Who decides each of the round's returns in the board's part, seen from the board's office, by the
    rule `Steps` applies: submission id -> (group, deciding office's name, note). A reporter's return
    is decided by its reviewer, the nearest office above (`mine` when that is the looking office,
    else `below`); an office's own return (a 市(州) that sent one, a department with 下属单位) is
    approved with that office's part on 逐级审核, once the office has submitted it (`below`, or
    `other` for the looking office's own). A return missing here (another round's, or a unit the round
    does not expect) is decided by nobody this round (`other`, `NOT_EXPECTED`)."""
    node = board.under
    out: dict[int, tuple[str, str | None, str]] = {}
    for st in board.statuses.values():
        if not st.submissions:
            continue
        if st.office and st.unit.code == node.code:
            said = (OTHER, None, "本级自己的报表：随本级的部分报上级审核，由上级项目办在逐级审核中审核")
        elif st.office:
            said = (BELOW, st.unit.name, f"随“{st.unit.name}”的部分报上来后，在逐级审核中一并审核")
        else:
            reviewer = board.scope.reviewer(st.unit) or board.roster.root
            said = (MINE, reviewer.name, "") if reviewer.code == node.code else (BELOW, reviewer.name, f"由{reviewer.name}审核")
        for sub in st.submissions:
            out[sub.id] = said
    return out


def node_step(engine: Engine, round_id: int | None, target: Unit, action: str, reason: str | None, actor: str | None) -> None:
    """Record a step on a node (its history)."""
    with engine.begin() as conn:
        uid = conn.scalar(select(UnitRow.id).where(UnitRow.name == target.name))
        conn.execute(
            insert(NodeApproval).values(
                round_id=round_id, unit_id=uid, action=action, reason=reason, actor=actor, at=dt.datetime.now(dt.UTC)
            )
        )


def decide_return(engine: Engine, st: NodeStatus, decision: str, reason: str | None, actor: str | None) -> None:
    """Record a review of a unit's current return: approved, returned or reopened."""
    sub = st.accepted
    if sub is None:
        raise UsageError(f"“{st.unit.name}”本轮还没有入库的报表。")
    with engine.begin() as conn:
        conn.execute(
            insert(Decision).values(
                submission_id=sub.id, decision=decision, comment=reason, reviewer=actor, decided_at=dt.datetime.now(dt.UTC)
            )
        )
        if decision in ("returned", "reopened"):  # open again: the unit's signature no longer stands
            void_in(conn, sub.id, reason or decision, actor)


def waiting_for(board: Board, st: NodeStatus) -> str:
    """What an office's part still waits for before it may go up, said in a line: up to five of its
    children not yet approved or exempted (with their states), its own return when not stored."""
    waiting = [
        f"{k.name}（{board.statuses[k.name].state_name}）"
        for k in board.scope.children(st.unit)
        if k.name in board.statuses and board.statuses[k.name].state not in DONE
    ]
    if st.reporter and st.return_state not in ("pending", "approved"):
        waiting.insert(0, f"本单位自己的报表（{_name(st.return_state)}）")
    more = f"等 {len(waiting)} 个" if len(waiting) > 5 else ""
    return f"{'、'.join(waiting[:5])}{more}"


def _name(state: str | None) -> str:
    from .states import state_name

    return state_name(state or "not_submitted")


def _already(state_name: str) -> str:
    """“已通过” as it is, “已上报” as it is, “汇总中” as “已是汇总中”: never “已已通过”."""
    return state_name if state_name.startswith("已") else f"已是{state_name}"


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise UsageError(f"{what}须写明理由。", hint="理由会记入审核记录，并显示给下级单位。")
    return text[:2000]
