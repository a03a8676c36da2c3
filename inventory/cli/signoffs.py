"""Sign-off commands: list the signatures (standing and void), show one as the 承诺书 has it, and
reopen a signed return with a reason (the signature is voided, the unit may send again)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from . import render
from .app import DbOpt, JsonOpt, app, emit_json

signoff_app = typer.Typer(help="承诺书签署：查看单位的签署记录；重新打开已签署的报表（须写理由，签署作废）。", no_args_is_help=True)
app.add_typer(signoff_app, name="signoff")


@signoff_app.command("list")
def signoff_list(
    unit: Annotated[str | None, typer.Option("--unit", help="只列这个单位（全称或简称）。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出签署记录（最新的在前）：单位、签署人、职务、时间（北京时间）、报表 SHA-256、是否作废。"""
    from ..form.roster import load_roster
    from ..store.db import open_db
    from ..workflow.signoff import history

    rows = history(open_db(db, create_missing=False), load_roster().resolve(unit).name if unit else None)
    if as_json:
        emit_json(rows)
        return
    table = Table(title="签署记录", title_justify="left")
    for col in ("编号", "单位", "签署人", "时间（北京时间）", "报送号", "SHA-256", "状态"):
        table.add_column(col, overflow="fold")
    for r in rows:
        state = f"已作废：{r['void_reason']}（{r['voided_by'] or ''}，{r['voided_at']}）" if r["voided"] else "有效"
        table.add_row(
            str(r["id"]),
            render.esc(r["unit"]),
            render.esc(f"{r['signer_name']}（{r['signer_role']}）"),
            r["signed_at"],
            str(r["submission_id"]),
            r["sha256"],
            render.esc(state),
        )
    render.out.print(table)


@signoff_app.command("reopen")
def signoff_reopen(
    unit: Annotated[str, typer.Argument(help="单位全称、简称或节点编号。", show_default=False, metavar="单位")],
    reason: Annotated[str | None, typer.Option("--reason", help="理由（必填），记入签署记录并显示给单位。")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="操作人，记入签署记录和审计日志。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新打开已签署的报表：签署作废，单位可以重新上传并再次签署。"""
    from ..form.roster import load_roster
    from ..store.db import open_db
    from ..workflow.signoff import reopen

    done = reopen(open_db(db, create_missing=False), load_roster().resolve(unit).name, reason or "", operator or "命令行")
    if as_json:
        emit_json(done)
    else:
        render.out.print(f"[green]✓[/] {render.esc(done['unit'])}：签署已作废，报表已重新打开（理由：{render.esc(done['void_reason'])}）")
