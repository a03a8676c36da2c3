"""Round commands: list the survey rounds, open a new one, move a deadline, close one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from . import render
from .app import DbOpt, JsonOpt, emit_json, parse_as_of, round_app


@round_app.command("list")
def round_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出调查轮次：代号、名称、表单版本、范围、数据统计截止日期、报送截止日期、状态。"""
    from ..form.model import live_deadline
    from ..store.db import database_exists, open_db
    from ..workflow.rounds import rounds

    if not database_exists(db):  # before the first import: nothing to fail on, but say what comes
        from ..form.load import load_form

        if as_json:
            emit_json([])
            return
        as_of = load_form().round.get("as_of")
        first = str(as_of)[:4] if as_of else "first"
        render.out.print(f"还没有数据库，也就还没有调查轮次。第一次入库（inventory import）时自动建立第一轮，代号 {first}。")
        return
    rows = rounds(open_db(db, create_missing=False))
    if as_json:
        emit_json(rows)
        return
    table = Table(title="调查轮次", title_justify="left")
    for col in ("代号", "名称", "表单版本", "范围", "数据统计截止", "报送截止", "状态"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            render.esc(r["key"]),
            render.esc(r["name"]),
            render.esc(r["form_version"] or ""),
            "试点单位" if r["scope"] == "pilot" else "全部单位",
            r["as_of"] or "",
            (r["deadline"] or "") if live_deadline(r) or not r["deadline"] else f"{r['deadline']}（早于本轮开启，视为未设）",
            "[green]开放[/]" if r["status"] == "open" else "已关闭",
        )
    render.out.print(table)


@round_app.command("open")
def round_open(
    key: Annotated[str, typer.Argument(help="轮次代号，如 2026。", show_default=False, metavar="代号")],
    name: Annotated[str, typer.Option("--name", help="轮次名称，如“2026年度更新”。", show_default=False)],
    as_of: Annotated[str, typer.Option("--as-of", help="数据统计截止日期 YYYY-MM-DD。", show_default=False)],
    deadline: Annotated[str | None, typer.Option("--deadline", help="报送截止日期 YYYY-MM-DD。")] = None,
    scope: Annotated[str, typer.Option("--scope", help="应报范围：all（全部单位）或 pilot（试点单位）。")] = "all",
    force: Annotated[bool, typer.Option("--force", help="原来开放的轮次还没到报送截止日期也关闭它（默认拒绝）。")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """开启新一轮调查：此后入库的报表都属于这一轮，原来开放的轮次随之关闭（还没到截止日期的须加 --force）。"""
    from ..form.load import load_form
    from ..store.audit import record
    from ..store.db import open_db
    from ..workflow.rounds import open_round

    engine = open_db(db)
    r = open_round(engine, key, name, parse_as_of(as_of), parse_as_of(deadline), scope, load_form().version, force=force)
    record(engine, "round_set", actor="命令行", role="cli", target=r["name"], detail=f"开启，报送截止 {r['deadline'] or '未设'}")
    if as_json:
        emit_json(r)
    else:
        due = (
            f"报送截止 {r['deadline']}（北京时间当日 24 时前）"
            if r["deadline"]
            else "报送截止日期未设（用 `inventory round deadline 日期` 设置）"
        )
        render.out.print(f"[green]✓[/] 已开启轮次 {render.esc(r['key'])}（{render.esc(r['name'])}），数据统计截止 {r['as_of']}，{due}")
        _said_closed(r)


def _said_closed(r: dict) -> None:
    """What opening a round did to the one open before it, and how to undo it."""
    closed = r.get("closed")
    if closed:
        key = render.esc(closed["key"])
        render.out.print(
            f"  原来开放的轮次 {key}（{render.esc(closed['name'])}）已关闭；开错了可用 inventory round reopen {key} 重新打开它。"
        )


@round_app.command("reopen")
def round_reopen(
    key: Annotated[str, typer.Argument(help="要重新打开的轮次代号。", show_default=False, metavar="代号")],
    force: Annotated[bool, typer.Option("--force", help="现在开放的轮次还没到报送截止日期也关闭它（默认拒绝）。")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新打开已关闭的轮次（撤销误开的新一轮，或补收上一轮迟交的报表）；现在开放的轮次随之关闭。"""
    from ..store.audit import record
    from ..store.db import open_db
    from ..workflow.rounds import reopen_round

    engine = open_db(db, create_missing=False)
    r = reopen_round(engine, key, force=force)
    record(engine, "round_set", actor="命令行", role="cli", target=r["name"], detail="重新打开")
    if as_json:
        emit_json(r)
        return
    render.out.print(f"[green]✓[/] 已重新打开轮次 {render.esc(r['key'])}（{render.esc(r['name'])}）：此后入库的报表归入这一轮")
    _said_closed(r)


@round_app.command("deadline")
def round_deadline(
    deadline: Annotated[str, typer.Argument(help="报送截止日期 YYYY-MM-DD；写 none 清除。", show_default=False, metavar="日期")],
    key: Annotated[str | None, typer.Option("--round", help="轮次代号；不给时为当前开放的轮次。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """设置或修改报送截止日期（北京时间当日 24 时前收到的算按时）；与填报平台“轮次与截止日期”页相同。"""
    from ..store.audit import record
    from ..store.db import open_db
    from ..workflow.rounds import set_deadline

    engine = open_db(db, create_missing=False)
    day = None if deadline.strip().lower() in ("none", "无", "") else parse_as_of(deadline, "报送截止日期")
    r = set_deadline(engine, day, key)
    record(engine, "round_set", actor="命令行", role="cli", target=r["name"], detail=f"报送截止 {r['deadline'] or '未设'}")
    if as_json:
        emit_json(r)
    else:
        render.out.print(f"[green]✓[/] {render.esc(r['name'])}：报送截止日期 {r['deadline'] or '未设置'}")


@round_app.command("close")
def round_close(
    key: Annotated[str | None, typer.Argument(help="轮次代号；不给时关闭当前开放的轮次。", metavar="代号")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """关闭一轮调查（关闭后仍可出报告；新入库的报表归入最近的轮次）。"""
    from ..store.audit import record
    from ..store.db import open_db
    from ..workflow.rounds import close_round

    engine = open_db(db, create_missing=False)
    r = close_round(engine, key)
    record(engine, "round_set", actor="命令行", role="cli", target=r["name"], detail="关闭")
    if as_json:
        emit_json(r)
    else:
        render.out.print(f"[green]✓[/] 已关闭轮次 {render.esc(r['key'])}")
