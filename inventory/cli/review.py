"""Commands for approval up the tree: each office reviews its direct children, exempts with a reason,
submits its part upward once all are done; the level above approves or sends it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from ..errors import ExitCode, UsageError
from . import render
from .app import DbOpt, JsonOpt, RoundOpt, UnderOpt, app, emit_json

review_app = typer.Typer(help="逐级审核：审核下级报表、同意免报、报上级审核；上级审核通过或退回。", no_args_is_help=True)
app.add_typer(review_app, name="review")

UnitsArg = Annotated[
    list[str], typer.Argument(help="单位全称、简称或节点编号；可以一次写多个，用空格分开。", show_default=False, metavar="单位...")
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="理由（退回、免报、重新打开时必填），会显示给下级单位。")]
OperatorOpt = Annotated[str | None, typer.Option("--operator", help="操作人，记入审核记录和审计日志。")]


def _context(db: str | None, round_key: str | None) -> tuple[Any, Any, Any]:
    from ..store.db import open_db
    from ..store.units import tree
    from ..workflow.rounds import pick

    engine = open_db(db, create_missing=False)
    return engine, tree(engine), pick(engine, round_key)


def _each(db: str | None, round_key: str | None, names: list[str], under: str | None, operator: str | None) -> list[tuple[Any, str, Any]]:
    """(the office's steps, the name as typed, its unit or the UsageError saying why this office may not
    act on it) for each of `names`, in order. The office is `--under`, else the root (the province's
    office), as everywhere else: never the unit's own reviewer taken for granted, so a step is always the
    chosen office's, as on the portal. A name that cannot be acted on does not stop the others."""
    from ..workflow.approvals import Steps
    from ..workflow.scope import scope_for

    engine, roster, round_ = _context(db, round_key)
    office = roster.resolve(under) if under else roster.root
    scope = scope_for(roster, round_)
    steps = Steps(engine, roster, round_, office, operator or "命令行", role="cli")
    out: list[tuple[Any, str, Any]] = []
    for name in dict.fromkeys(names):
        try:
            out.append((steps, name, _target(roster, scope, office, name, bool(under))))
        except UsageError as exc:
            out.append((steps, name, exc))
    return out


def _target(roster: Any, scope: Any, office: Any, name: str, chosen: bool) -> Any:
    """The unit `office` may act on for `name` (its own node too: an office withdraws its own submission)."""
    unit = roster.resolve(name, within=office)
    if unit.code == office.code:
        return unit
    if chosen and not unit.within(office):  # --under said which office: never advise acting as another
        raise UsageError(
            f"“{unit.name}”不在“{office.name}”及其下级中，本级不能办理。",
            hint=f"本级的下级单位见 `inventory review status --under {roster.typed_name(office)}`。",
        )
    reviewer = scope.reviewer(unit)
    if reviewer is None:
        raise UsageError(f"“{unit.name}”是根节点，没有上级审核。")
    if reviewer.code != office.code:
        said = "" if chosen else f"不写 --under 时以“{office.name}”的身份操作；"
        raise UsageError(
            f"“{unit.name}”由“{reviewer.name}”审核，不由“{office.name}”审核（逐级审核：每一级只审核直接下级）。",
            hint=f"{said}以“{reviewer.name}”项目办的身份操作请加 --under {roster.typed_name(reviewer)}。",
        )
    return unit


def _act(
    items: list[tuple[Any, str, Any]],
    step: Callable[[Any, Any], Any],
    what: str,
    as_json: bool,
    then: Callable[[list[Any]], None] | None = None,
) -> None:
    """Do `step` for each unit; a name that is unknown, or a unit that may not take the step, is said
    and the rest go on (exit code 1 then). One unit gives one JSON object, as always; several a list."""
    done, failed = [], []
    for steps, name, unit in items:
        try:
            if isinstance(unit, UsageError):
                raise unit
            done.append(step(steps, unit))
        except UsageError as exc:
            if len(items) == 1:
                raise
            failed.append((unit.name if not isinstance(unit, UsageError) else name, exc))
    if as_json:
        rows = [{"unit": st.unit.name, "state": st.state, "state_name": st.state_name, "reason": st.reason} for st in done]
        rows += [{"unit": label, "error": exc.message} for label, exc in failed]
        emit_json(rows[0] if len(items) == 1 else rows)
    else:
        for st in done:
            render.out.print(f"[green]✓[/] {render.esc(st.unit.name)}：{what}（现在：{st.state_name}）")
        for label, exc in failed:
            render.err.print(f"[red]✗[/] {render.esc(label)}：{render.esc(exc.message)}{render.esc(exc.hint or '')}")
        if len(items) > 1:
            render.out.print(f"共 {len(items)} 个：{what} {len(done)} 个" + (f"，未办 {len(failed)} 个（原因见上）" if failed else ""))
        if then is not None:
            then(done)
    if failed:
        raise typer.Exit(ExitCode.DATA)


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
    from ..beijing import shown as beijing_time
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
                    "reason_by": st.step.get("actor") if st.reason and st.step else None,
                    "reason_at": beijing_time(st.step.get("at")) if st.reason and st.step else None,
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
    units: UnitsArg,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """审核通过：下级单位的报表（锁定），或下级项目办报上来的整个部分。"""
    _act(_each(db, round_key, units, under, operator), lambda steps, target: steps.approve(target), "审核通过", as_json)


@review_app.command("return")
def review_return(
    units: UnitsArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """退回修改（须写理由）：下级单位的报表，或下级项目办报上来的整个部分。"""
    _act(_each(db, round_key, units, under, operator), lambda steps, target: steps.send_back(target, reason or ""), "已退回修改", as_json)


@review_app.command("exempt")
def review_exempt(
    units: UnitsArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """同意下级单位本轮免报（须写理由，如“机构撤并”“无信息系统”“由上级汇总填报”）。"""
    from ..workflow.approvals import exemption_warning, whole_part_note

    items = _each(db, round_key, units, under, operator)

    def said(done: list[Any]) -> None:
        for st in done:  # an office exempted takes its whole part with it
            if note := whole_part_note(items[0][0].roster, st.unit):
                render.err.print(f"[yellow]提醒：{render.esc(note)}[/]")
        if done and (warned := exemption_warning(reason or "")):
            render.err.print(f"[yellow]提醒：{render.esc(warned)}[/]")

    _act(items, lambda steps, target: steps.exempt(target, reason or ""), "已同意免报", as_json, then=said)


@review_app.command("include")
def review_include(
    units: UnitsArg,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """取消免报：该单位本轮重新需要报送。"""
    _act(_each(db, round_key, units, under, operator), lambda steps, target: steps.include(target), "已取消免报", as_json)


@review_app.command("reopen")
def review_reopen(
    units: UnitsArg,
    reason: ReasonOpt = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新打开（须写理由）：已审核通过的下级报表或部分，或撤回本级已上报、上级尚未审核的部分。"""
    _act(_each(db, round_key, units, under, operator), lambda steps, target: steps.reopen(target, reason or ""), "已重新打开", as_json)


@review_app.command("submit")
def review_submit(
    node: Annotated[
        str | None, typer.Argument(help="本级项目办（单位全称、简称或节点编号）；也可以写成 --under。", show_default=False, metavar="本级")
    ] = None,
    under: UnderOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    round_key: RoundOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """报上级审核：本级的下级全部审核通过或免报后，把本级整个部分报给上级项目办。"""
    from ..workflow.approvals import Steps

    engine, roster, round_ = _context(db, round_key)
    if node is None and under is None:
        raise UsageError("请写明要报上级审核的本级项目办。", hint="如 `inventory review submit --under 中江县`。")
    office = roster.resolve(node or under or "")
    if node is not None and under is not None and roster.resolve(under) is not office:
        raise UsageError(f"“{node}”和 --under “{under}”不是同一个项目办：只能把本级的部分报上级审核。")
    _done(Steps(engine, roster, round_, office, operator or "命令行", role="cli").submit(), "已报上级审核", as_json)
