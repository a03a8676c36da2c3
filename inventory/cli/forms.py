"""Commands about the form: the unit roster, the field dictionary, templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from ..form.load import load_form, schema_description
from . import render
from .app import DbOpt, JsonOpt, UnderOpt, emit_json, schema_app, template_app
from .units import roster_for


@schema_app.command("show")
def schema_show(as_json: JsonOpt = False) -> None:
    """显示当前表单每个字段在模板中的位置、类型、是否必填和可选值。"""
    form = load_form()
    if as_json:
        emit_json(schema_description(form))
    else:
        render.out.print(f"[bold]{form.title}[/]  表单 {form.id} 版本 {form.version}")
        for table in render.schema_tables(form):
            render.out.print(table)


def _office_folders(scope: Any, office: Any, units: list[Any]) -> dict[str, Path]:
    """Each unit collected by an office below `office` goes in a folder per office on the way down
    (德阳市/中江县/…), so each office's templates are forwarded as one folder; the units `office`
    collects itself stay at the top."""
    out: dict[str, Path] = {}
    for unit in units:
        chain, above = [], scope.reviewer(unit)
        while above is not None and above.code != office.code:
            chain.append(above.short_name or above.name)
            above = scope.reviewer(above)
        if chain and above is not None:
            out[unit.name] = Path(*reversed(chain))
    return out


@template_app.command("build")
def template_build(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件（单个模板）或文件夹（--pilot/--all）。")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="为该单位生成预填模板（全称、简称均可）。")] = None,
    pilot: Annotated[bool, typer.Option("--pilot", help="为7个试点单位各生成一份。")] = False,
    all_units: Annotated[
        bool, typer.Option("--all", help="为每个应报单位各生成一份（加 --under 时只为该项目办本级及下级的应报单位）。")
    ] = False,
    prefill: Annotated[bool, typer.Option("--prefill", help="填入各单位上一次已接收的报送（新一轮只需确认或修改）。")] = False,
    db: DbOpt = None,
    under: UnderOpt = None,
) -> None:
    """生成 Excel 填报模板：下拉列表、输入提示、必填标记和缺项标红，Excel/WPS/LibreOffice 通用。"""
    from ..output import save_workbook
    from ..template import template_filename, unit_template, write_templates

    if sum([bool(unit), pilot, all_units]) > 1:
        raise UsageError("--unit、--pilot 和 --all 只能选一个。")
    if prefill and not (unit or pilot or all_units):
        raise UsageError(
            "使用 --prefill 时要指定为哪些单位生成模板。", hint="请加上 --unit 单位名、--pilot（试点单位）或 --all（名册中全部单位）。"
        )
    from ..workflow.scope import Scope

    form, roster = load_form(), roster_for(db)
    from ..store.db import database_exists

    if database_exists(db):  # the template carries the open round's code (a return on last round's is named)
        from ..store.db import open_db
        from ..workflow.rounds import pick

        form = form.for_round(pick(open_db(db, create_missing=False)))
    office = roster.resolve(under) if under else roster.root
    scope = Scope(roster, "pilot" if pilot else "all", office)
    if unit:
        units = [roster.resolve(unit, within=office if under else None)]
        scope.check_visible(units[0])
    elif pilot or all_units:
        units = list(scope.reporters)
    else:
        units = [None]  # a blank template
    last: dict[str, Any] = {}
    if prefill:  # each unit's last accepted return, to confirm or change in the new round
        from ..store.db import open_db
        from ..store.submissions import last_return

        engine = open_db(db, create_missing=False)
        last = {u.name: got for u in units if u and (got := last_return(engine, u.name))}
    said = f"已生成模板（{len(last)} 个单位预填了上一次的报送）" if prefill else "已生成模板"
    if pilot or all_units:
        folder = output or Path("templates")
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder} 是一个文件；--pilot/--all 需要一个输出文件夹。")
        made = write_templates(form, units, folder, last, _office_folders(scope, office, units))
        render.paths_made(said, made)
        return
    chosen = units[0]
    path = output or Path(template_filename(form, chosen))
    if path.is_dir():
        path = path / template_filename(form, chosen)
    save_workbook(unit_template(form, chosen, last.get(chosen.name) if chosen else None), path)
    render.paths_made(said, [path])
