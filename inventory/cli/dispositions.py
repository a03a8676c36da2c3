"""处置决定 commands: record the office's decision for a system, list the decisions."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ..form.roster import load_roster
from . import render
from .app import DbOpt, JsonOpt, RoundOpt, app, emit_json, parse_as_of

disposition_app = typer.Typer(help="处置决定：项目办对每个系统的决定（与工具的处置建议并列，不覆盖建议）。", no_args_is_help=True)
app.add_typer(disposition_app, name="disposition")


@disposition_app.command("set")
def disposition_set(
    unit: Annotated[str, typer.Option("--unit", help="单位全称或简称。", show_default=False)],
    system: Annotated[str, typer.Option("--system", help="系统编号或系统全称。", show_default=False)],
    decision: Annotated[str, typer.Option("--decision", help="保留、整合、迁移上云、升级改造、关停下线。", show_default=False)],
    due: Annotated[str | None, typer.Option("--due", help="完成期限 YYYY-MM-DD。")] = None,
    responsible: Annotated[str | None, typer.Option("--responsible", help="责任单位。")] = None,
    note: Annotated[str | None, typer.Option("--note", help="说明。")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="操作人。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录一个系统的处置决定；下一轮的变化报告会列出落实情况。"""
    from ..store.db import open_db
    from ..workflow.dispositions import decide

    done = decide(
        open_db(db, create_missing=False), load_roster().resolve(unit).name, system, decision, parse_as_of(due), responsible, note, operator
    )
    if as_json:
        emit_json(done)
    else:
        render.out.print(f"[green]✓[/] {render.esc(done['unit'])} · {render.esc(done['system_name'])}：{render.esc(decision)}")
        if done.get("carried_from") is not None:
            render.out.print("  该单位本轮尚未报送，系统取自它最近一次已接收的报送。")


@disposition_app.command("list")
def disposition_list(round_key: RoundOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出本轮（或指定轮次）有效的处置决定：上一轮作出、尚未改变的决定延续到本轮（“作出轮次”列），过了完成期限（按今天，北京时间）的标“逾期”。"""
    from ..store.db import open_db
    from ..workflow.dispositions import latest
    from ..workflow.rounds import pick

    engine = open_db(db, create_missing=False)
    r = pick(engine, round_key)
    rows = list(latest(engine, r["id"] if r else None).values())
    if as_json:
        emit_json(rows)
        return
    table = Table(title="处置决定", title_justify="left")
    for col in ("单位", "系统", "决定", "期限", "责任单位", "说明", "作出轮次"):
        table.add_column(col, overflow="fold")
    for d in rows:
        cells = [render.esc(d[k] or "") for k in ("unit", "system_name", "decision", "due", "responsible", "note", "round")]
        if d["overdue"]:
            cells[3] += " [red]逾期[/]"
        table.add_row(*cells)
    render.out.print(table)
