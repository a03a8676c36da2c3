"""核实事项 commands: the office opens a query on a system's finding or field, lists queries with
their threads, and closes one as accepted or not accepted (units answer in the portal)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import render
from .app import DbOpt, JsonOpt, app, emit_json

query_app = typer.Typer(
    help="核实事项：项目办就某个系统的评估发现或字段向单位提出核实，单位在填报平台答复，项目办采纳或不采纳。", no_args_is_help=True
)
app.add_typer(query_app, name="query")
OperatorOpt = Annotated[str | None, typer.Option("--operator", help="操作人。")]


@query_app.command("open")
def query_open(
    unit: Annotated[str, typer.Option("--unit", help="单位全称或简称。", show_default=False)],
    system: Annotated[str, typer.Option("--system", help="系统编号。", show_default=False)],
    topic: Annotated[
        str,
        typer.Option(
            "--about",
            help="哪条评估发现或哪个字段：名称（如 等保备案情况）或编码（如 FIND_MLPS_NOT_FILED、mlps_filing）。",
            show_default=False,
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="请单位核实或说明的内容。", show_default=False)],
    operator: OperatorOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """就一个系统的评估发现或字段提出核实事项。"""
    from ..form.roster import load_roster
    from ..store.db import open_db
    from ..workflow.queries import open_query

    q = open_query(open_db(db, create_missing=False), load_roster().resolve(unit).name, system, topic, text, operator or "命令行")
    if as_json:
        emit_json(q)
    else:
        render.out.print(
            f"[green]✓[/] 核实事项 {q['id']}：{render.esc(q['unit'])} · {render.esc(q['system_no'])} · {render.esc(q['topic_name'])}"
        )


@query_app.command("list")
def query_list(
    unit: Annotated[str | None, typer.Option("--unit", help="只列这个单位。")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="只列未关闭的。")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出核实事项及往来记录（最新的在前）。"""
    from ..form.roster import load_roster
    from ..store.db import open_db
    from ..workflow.queries import listing

    rows = listing(open_db(db, create_missing=False), load_roster().resolve(unit).name if unit else None, open_only)
    if as_json:
        emit_json(rows)
        return
    for q in rows:
        render.out.print(
            f"[bold]{q['id']}[/] {render.esc(q['unit'])} · {render.esc(q['system_no'] or '')} {render.esc(q['system_name'] or '')} · {render.esc(q['topic_name'])}：{q['state_name']}"
        )
        for m in q["thread"]:
            who = "项目办" if m["side"] == "office" else "单位"
            render.out.print(f"    {m['at']} {who}（{render.esc(m['author'] or '')}）：{render.esc(m['text'])}")


@query_app.command("close")
def query_close(
    query_id: Annotated[int, typer.Argument(help="核实事项编号。", show_default=False, metavar="编号")],
    reject: Annotated[bool, typer.Option("--reject", help="不采纳（须用 --note 写明理由）；默认采纳。")] = False,
    note: Annotated[str | None, typer.Option("--note", help="说明，显示给单位。")] = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """关闭核实事项：采纳单位的答复，或不采纳（须写明理由）。"""
    from ..store.db import open_db
    from ..workflow.queries import close

    q = close(open_db(db, create_missing=False), query_id, not reject, note, operator or "命令行")
    if as_json:
        emit_json(q)
    else:
        render.out.print(f"[green]✓[/] 核实事项 {q['id']}：{q['state_name']}")
