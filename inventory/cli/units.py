"""Commands about the roster tree: list a part of it, import an office's own list, set a contact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from ..form.roster import Roster
from . import render
from .app import DbOpt, JsonOpt, UnderOpt, emit_json, units_app


def roster_for(db: str | None) -> Roster:
    """The tree as the database holds it when there is one (an office's imports included), else the
    defaults from `forms/`."""
    from ..form.roster import load_roster
    from ..store.db import database_exists, open_db
    from ..store.units import tree

    return tree(open_db(db, create_missing=False)) if database_exists(db) else load_roster()


@units_app.command("list")
def units_list(
    pilot: Annotated[bool, typer.Option("--pilot", help="只列出试点单位。")] = False,
    under: UnderOpt = None,
    depth: Annotated[int | None, typer.Option("--depth", help="只列到下面几级（1 = 直接下级）。", min=0)] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """列出填报单位名册（一棵树：全称、简称、类别、层级、上级、节点编号）；--under 只列某一级及其下级。"""
    roster = roster_for(db)
    node = roster.resolve(under) if under else roster.root
    units = roster.pilots() if pilot else roster.subtree(node)
    if depth is not None:
        units = [u for u in units if u.depth - node.depth <= depth]
    if as_json:
        emit_json([u.as_dict() for u in units])
    else:
        render.out.print(render.units_table(units, roster, node))


@units_app.command("import")
def units_import(
    path: Annotated[
        Path,
        typer.Argument(help="名单文件（xlsx 或 CSV）：单位全称、简称、上级单位、类别、联系人、联系电话、电子邮箱。", show_default=False),
    ],
    under: Annotated[
        str, typer.Option("--under", help="本级项目办（单位全称、简称或节点编号）：名单只能改动它本级以下的部分。", show_default=False)
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="名单即本级以下的全部单位：名单里没有的下级单位停用（不删除，已有报送保留）。")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出名单会新增、修改和停用哪些单位，名册不改动。")] = False,
    retire_offices: Annotated[
        bool,
        typer.Option("--retire-offices", help="与 --replace 同用：名单里整个没有的区（县）等下级项目办也连同其下级停用（默认拒绝）。"),
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    operator: Annotated[str | None, typer.Option("--operator", help="操作人，记入审计日志。")] = None,
) -> None:
    """导入本级的单位名单，替换或补充名册中本级以下的部分；有错误时列出全部问题，名册不改动。"""
    from ..store.audit import record
    from ..store.db import open_db
    from ..store.unit_import import import_units
    from ..store.units import tree

    if not path.is_file():
        raise UsageError(f"找不到名单文件：{path}")
    engine = open_db(db)
    node = tree(engine).resolve(under)
    result = import_units(engine, path, node, replace=replace, dry_run=dry_run, retire_offices=retire_offices)
    detail = f"新增 {len(result.added)}，修改 {len(result.changed)}，停用 {len(result.retired)}"
    if not dry_run:
        record(engine, "units_import", actor=operator, role="cli", target=node.name, detail=f"{path.name}：{detail}", unit=node.name)
    if as_json:
        emit_json(result.as_dict())
        return
    esc = render.esc
    if dry_run:
        render.out.print(f"预演（名册没有改动）：{esc(path.name)} 导入“{esc(node.name)}”会{detail}，未变 {result.unchanged}")
    else:
        render.out.print(f"[green]✓[/] 已导入 {esc(path.name)} 到“{esc(node.name)}”：{detail}，未变 {result.unchanged}")
    if result.changes:
        render.out.print(changed_units(result))
    if result.retired:
        render.out.print(retired_units(result))


@units_app.command("export")
def units_export(
    under: Annotated[
        str, typer.Option("--under", help="本级项目办（单位全称、简称或节点编号）：导出它本级以下的全部单位。", show_default=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="写到哪个 xlsx 文件。", show_default=False)],
    db: DbOpt = None,
) -> None:
    """导出本级以下的单位名单（xlsx，与 units import 的格式相同）：改好后原样导入即可。"""
    from ..store.unit_import import write_list

    roster = roster_for(db)
    node = roster.resolve(under)
    write_list(roster, node, output)
    count = len(roster.subtree(node)) - 1
    render.out.print(f"[green]✓[/] 已导出“{render.esc(node.name)}”以下的 {count} 个单位到 {render.esc(str(output))}")
    render.out.print("  改好后用 inventory units import 文件 --under 本级 --dry-run 先预演，确认无误再去掉 --dry-run 导入。")


@units_app.command("contact")
def units_contact(
    unit: Annotated[str, typer.Argument(help="单位全称或简称。", show_default=False)],
    name: Annotated[str | None, typer.Option("--name", help="联系人姓名。")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话。")] = None,
    email: Annotated[str | None, typer.Option("--email", help="电子邮箱。")] = None,
    db: DbOpt = None,
) -> None:
    """登记单位联系人（催报时优先使用）。"""
    from ..store.db import open_db
    from ..store.units import set_contact, tree

    engine = open_db(db)
    found = tree(engine).resolve(unit)
    set_contact(engine, found.name, name, phone, email)
    from ..store.audit import record

    record(
        engine,
        "contact_set",
        actor="命令行",
        role="cli",
        target=found.name,
        detail="，".join(v or "" for v in (name, phone, email)),
        unit=found.name,
    )
    render.out.print(f"[green]✓[/] 已登记“{render.esc(found.name)}”的联系人")


def changed_units(result: Any, most: int = 30) -> str:
    """What a list changes of units already on the roster, one unit a line (the full list is in --json)."""
    lines = ["修改的单位："]
    lines += [f"  {render.esc(name)}：{render.esc('；'.join(said))}" for name, said in list(result.changes.items())[:most]]
    if len(result.changes) > most:
        lines.append(f"  …另有 {len(result.changes) - most} 个（完整名单加 --json）")
    return "\n".join(lines)


def retired_units(result: Any, most: int = 30) -> str:
    """The units a list retires: each office left out whole as one line with how many go with it, the
    other units by name (the full list is in --json)."""
    lines = ["停用的单位（不删除，已有报送保留；名单里补上再导入即恢复）："]
    lines += [f"  {render.esc(name)}（连同下级 {n} 个单位）" for name, n in result.retired_offices.items()]
    lines += [f"  {render.esc(name)}" for name in result.retired_alone[:most]]
    if len(result.retired_alone) > most:
        lines.append(f"  …另有 {len(result.retired_alone) - most} 个（完整名单加 --json）")
    return "\n".join(lines)
