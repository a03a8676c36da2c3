"""Portal accounts and the audit log from the command line: an office account for a node of the
tree (it sees that node's part only), the list of accounts; the log listed, exported and pruned
past its retention. Every change made here is itself in the log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import UsageError
from . import render
from .app import DbOpt, JsonOpt, UnderOpt, app, emit_json, parse_as_of

account_app = typer.Typer(help="填报平台账号：为某一级项目办开通账号（只能看到和处理本级及下级）。", no_args_is_help=True)
audit_app = typer.Typer(help="操作日志：查看、导出、清理（至少保留六个月）。", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(audit_app, name="audit")
OperatorOpt = Annotated[str | None, typer.Option("--operator", help="操作人，记入操作日志。")]


def _engine(db: str | None, create: bool = False):  # type: ignore[no-untyped-def]
    from ..store.db import open_db

    return open_db(db, create_missing=create)


@account_app.command("add")
def account_add(
    username: Annotated[str, typer.Argument(help="用户名，如“德阳市项目办”。", show_default=False, metavar="用户名")],
    under: UnderOpt = None,
    role: Annotated[str, typer.Option("--role", help="reviewer（审核人）或 admin（管理员：另可管账号、看日志）。")] = "reviewer",
    operator: OperatorOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """为某一级项目办开通账号（--under 指定单位，默认全省）；生成初始密码，只显示这一次。"""
    from ..store.accounts import create_account, first_password
    from ..store.audit import ROLE_NAMES, record
    from ..store.units import tree

    if role not in ("reviewer", "admin"):
        raise UsageError("--role 只能是 reviewer（审核人）或 admin（管理员）。")
    engine = _engine(db, create=True)  # a fresh install: the offices' accounts come before any return
    roster = tree(engine)
    node = roster.resolve(under) if under else roster.root
    password = first_password(username)
    made = create_account(engine, username, role, None if node.parent is None else node.name, password, must_change=True)
    record(
        engine,
        "account_add",
        actor=operator or "命令行",
        role="cli",
        target=made["username"],
        detail=f"{ROLE_NAMES[role]}，{node.name}",
        unit=node.name,
    )
    if as_json:
        emit_json({"username": made["username"], "role": role, "unit": node.name, "code": node.code, "password": password})
        return
    render.out.print(
        f"[green]✓[/] 已为 {render.esc(node.name)} 开通{'管理员' if role == 'admin' else '审核人'}账号 [bold]{render.esc(made['username'])}[/]"
    )
    render.out.print(f"初始密码 [bold]{password}[/]（只显示这一次，请告知本人并请其登录后修改）")


@account_app.command("list")
def account_list(under: UnderOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出账号：用户名、角色、所属单位或层级、状态；--under 只列某一级及其下级的账号。"""
    from ..store.accounts import accounts
    from ..store.units import tree

    engine = _engine(db)
    roster = tree(engine)
    node = roster.resolve(under) if under else roster.root
    rows = []
    for a in accounts(engine):
        unit = roster.get(a["unit"]) if a["unit"] else None
        if node.parent is None or (unit is not None and unit.within(node)):
            rows.append({k: a[k] for k in ("username", "role", "unit", "active", "has_password")})
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"填报平台账号 · {node.name}", title_justify="left")
    for col in ("用户名", "角色", "单位 / 层级", "状态"):
        table.add_column(col, overflow="fold")
    names = {"unit": "单位", "reviewer": "审核人", "admin": "管理员"}
    for r in rows:
        state = ("有效" if r["active"] else "已停用") + ("" if r["has_password"] else "，未设密码")
        table.add_row(render.esc(r["username"]), names[r["role"]], render.esc(r["unit"] or "全省"), state)
    render.out.print(table)


def _where(under: str | None, action: str | None, actor: str | None, since: str | None, until: str | None, db: str | None):  # type: ignore[no-untyped-def]
    from ..beijing import day_end
    from ..store.audit import ACTION_NAMES, AuditFilter
    from ..store.units import tree

    engine = _engine(db)
    node = tree(engine).resolve(under) if under else None
    if action and action not in ACTION_NAMES:  # the name the log shows does as well as the code
        named = {name: code for code, name in ACTION_NAMES.items()}
        if action.strip() not in named:
            choices = "、".join(f"{code}（{name}）" for code, name in ACTION_NAMES.items())
            raise UsageError(f"没有操作“{action}”。", hint=f"写操作代码或日志里显示的名称，可用的有：{choices}。")
        action = named[action.strip()]
    start, end = parse_as_of(since, "--since"), parse_as_of(until, "--until")
    where = AuditFilter(
        under=node.path if node is not None and node.parent is not None else None,
        action=action,
        actor=actor,
        since=day_end(start - dt.timedelta(days=1)) if start else None,
        until=day_end(end) if end else None,
    )
    return engine, where


ActionOpt = Annotated[
    str | None, typer.Option("--action", help="只看某种操作：操作代码（如 denied、review_return）或日志里显示的名称（如“越权访问被拒”）。")
]
ActorOpt = Annotated[str | None, typer.Option("--actor", help="只看某个操作人。")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="从哪天起（北京时间，YYYY-MM-DD）。", metavar="YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="到哪天止（含当天）。", metavar="YYYY-MM-DD")]


@audit_app.command("list")
def audit_list(
    under: UnderOpt = None,
    action: ActionOpt = None,
    actor: ActorOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="最多列出多少条（最新的在前）。", min=1)] = 100,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出操作日志（北京时间，最新的在前）：登录、上传、审核、越权访问被拒、命令行操作……"""
    from ..beijing import shown
    from ..store.audit import entries

    engine, where = _where(under, action, actor, since, until, db)
    rows = entries(engine, limit, 0, where)
    if as_json:
        emit_json(rows)
        return
    table = Table(title="操作日志", title_justify="left")
    for col in ("时间（北京时间）", "操作人", "角色", "地址", "操作", "对象", "详情"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            shown(r["at"], seconds=True),
            *(render.esc(r[k] or "") for k in ("actor", "role_name", "address", "action_name", "target", "detail")),
        )
    render.out.print(table)


@audit_app.command("export")
def audit_export(
    out: Annotated[Path | None, typer.Argument(help="导出到哪个 xlsx 文件（也可以用 -o 写）。", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="导出到哪个 xlsx 文件，同上面的参数。")] = None,
    under: UnderOpt = None,
    action: ActionOpt = None,
    actor: ActorOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    operator: OperatorOpt = None,
    db: DbOpt = None,
) -> None:
    """把操作日志导出为 xlsx（按筛选条件，全部条目，最早的在前）。"""
    from ..report.audit_log import write_audit_xlsx
    from ..store.audit import record, stream
    from ..web.audit_words import described

    out = out or output
    if out is None:
        raise UsageError("请写导出到哪个文件，如 `inventory audit export -o 操作日志.xlsx`。")
    engine, where = _where(under, action, actor, since, until, db)
    made = write_audit_xlsx(described(stream(engine, where)), out)
    record(engine, "audit_export", actor=operator or "命令行", role="cli", target=str(out.name))
    render.out.print(f"[green]✓[/] 已导出：{render.esc(str(made))}")


@audit_app.command("prune")
def audit_prune(
    older_than: Annotated[int, typer.Option("--older-than-days", help="删除多少天以前的记录；不少于 183 天（六个月）。")] = 365,
    operator: OperatorOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """清理过期的操作日志：只删除超过保留期的记录，保留期不少于六个月（《网络安全法》第二十一条）。"""
    from ..store.audit import prune, record

    engine = _engine(db)
    gone = prune(engine, older_than)
    record(engine, "audit_prune", actor=operator or "命令行", role="cli", detail=f"{older_than} 天以前，{gone} 条")
    if as_json:
        emit_json({"deleted": gone, "older_than_days": older_than})
    else:
        render.out.print(f"[green]✓[/] 已删除 {gone} 条 {older_than} 天以前的操作日志。")
