"""Commands for approval up the tree: each office reviews its direct children, exempts with a reason,
submits its part upward once all are done; the level above approves or sends it back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import UsageError
from . import render
from .app import DbOpt, JsonOpt, RoundOpt, UnderOpt, app, emit_json

review_app = typer.Typer(help="逐级审核：审核下级报表、同意免报、报上级审核；上级审核通过或退回。", no_args_is_help=True)
app.add_typer(review_app, name="review")

UnitArg = Annotated[str, typer.Argument(help="单位全称、简称或节点编号。", show_default=False, metavar="单位")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="理由（退回、免报、重新打开时必填），会显示给下级单位。")]
OperatorOpt = Annotated[str | None, typer.Option("--operator", help="操作人，记入审核记录和审计日志。")]


def _context(db: str | None, round_key: str | None) -> tuple[Any, Any, Any]:
    from ..store.db import open_db
    from ..store.units import tree
    from ..workflow.rounds import pick

    engine = open_db(db, create_missing=False)
    return engine, tree(engine), pick(engine, round_key)


def _steps(db: str | None, round_key: str | None, target: str, under: str | None, operator: str | None) -> tuple[Any, Any]:
    """The steps of the office acting on `target`: `--under`, else the office that reviews it."""
    from ..workflow.approvals import Steps
    from ..workflow.scope import scope_for

    engine, roster, round_ = _context(db, round_key)
    unit = roster.resolve(target)
    office = roster.resolve(under) if under else scope_for(roster, round_).reviewer(unit)
    if office is None:
        raise UsageError(f"“{unit.name}”是根节点，没有上级审核。")
    return Steps(engine, roster, round_, office, operator or "命令行"), unit


def _done(st: Any, what: str, as_json: bool) -> None:
    if as_json:
        emit_json({"unit": st.unit.name, "state": st.state, "state_name": st.state_name, "reason": st.reason})
    else:
        render.out.print(f"[green]✓[/] {render.esc(st.unit.name)}：{what}（现在：{st.state_name}）")


@review_app.command("status")
def review_status(
    under: UnderOpt = None,
    every: Annotated[bool, typer.Option("--all", help="列出本级以下的全部单位（默认只列直接下级）。")] = False,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """本级项目办的审核进度：每个下级的状态（待审核、退回修改、已通过、免报、汇总中、已上报……）和理由。"""
    from ..workflow.states import Board

    engine, roster, round_ = _context(db, round_key)
    node = roster.resolve(under) if under else roster.root
    board = Board(engine, roster, round_, node)
    statuses = board.statuses
    if node.name not in statuses:
        raise UsageError(f"“{node.name}”不在本轮调查范围内。")
    rows = list(statuses.values()) if every else [statuses[node.name], *(statuses[k.name] for k in board.scope.children(node))]
    if as_json:
        emit_json(
            [
                {
                    "unit": st.unit.name,
                    "code": st.unit.code,
                    "office": st.office,
                    "reporter": st.reporter,
                    "state": st.state,
                    "state_name": st.state_name,
                    "reason": st.reason,
                    "children_done": st.children_done,
                    "children_total": st.children_total,
                }
                for st in rows
            ]
        )
        return
    render.review_table(rows, node)


@review_app.command("approve")
def review_approve(
    unit: UnitArg,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """审核通过：下级单位的报表（锁定），或下级项目办报上来的整个部分。"""
    steps, target = _steps(db, round_key, unit, under, operator)
    _done(steps.approve(target), "审核通过", as_json)


@review_app.command("return")
def review_return(
    unit: UnitArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """退回修改（须写理由）：下级单位的报表，或下级项目办报上来的整个部分。"""
    steps, target = _steps(db, round_key, unit, under, operator)
    _done(steps.send_back(target, reason or ""), "已退回修改", as_json)


@review_app.command("exempt")
def review_exempt(
    unit: UnitArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """同意下级单位本轮免报（须写理由，如“机构撤并”“无信息系统”“由上级汇总填报”）。"""
    steps, target = _steps(db, round_key, unit, under, operator)
    _done(steps.exempt(target, reason or ""), "已同意免报", as_json)


@review_app.command("include")
def review_include(
    unit: UnitArg,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """取消免报：该单位本轮重新需要报送。"""
    steps, target = _steps(db, round_key, unit, under, operator)
    _done(steps.include(target), "已取消免报", as_json)


@review_app.command("reopen")
def review_reopen(
    unit: UnitArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新打开（须写理由）：已审核通过的下级报表或部分，或撤回本级已上报、上级尚未审核的部分。"""
    steps, target = _steps(db, round_key, unit, under, operator)
    _done(steps.reopen(target, reason or ""), "已重新打开", as_json)


@review_app.command("submit")
def review_submit(
    node: Annotated[str, typer.Argument(help="本级项目办（单位全称、简称或节点编号）。", show_default=False, metavar="本级")],
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """报上级审核：本级的下级全部审核通过或免报后，把本级整个部分报给上级项目办。"""
    from ..workflow.approvals import Steps

    engine, roster, round_ = _context(db, round_key)
    office = roster.resolve(node)
    _done(Steps(engine, roster, round_, office, operator or "命令行").submit(), "已报上级审核", as_json)
