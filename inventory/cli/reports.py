"""Report commands: coverage, issues and findings, the consolidated inventory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from . import render
from .app import AsOfOpt, DbOpt, JsonOpt, RoundOpt, UnderOpt, parse_as_of, report_app

ScopeOpt = Annotated[
    str | None, typer.Option("--scope", help="统计范围：all（全部单位）或 pilot（试点单位）；默认按本轮调查的设置。", show_default=False)
]
FormatOpt = Annotated[str | None, typer.Option("--format", help="输出格式：table、json、md、html、xlsx。")]
LevelOpt = Annotated[
    str | None,
    typer.Option("--level", help="输出级别：公开、内部、敏感；高于该级别的字段隐去（默认 内部，见 forms/levels.json）。", metavar="级别"),
]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="输出文件；html/xlsx 不给时写到当前文件夹。")]


def _checked_scope(scope: str | None) -> str | None:
    from ..report import SCOPES

    if scope is not None and scope not in SCOPES:
        raise UsageError(f"--scope 只能是 {'、'.join(SCOPES)}，收到“{scope}”。")
    return scope


def _format(fmt: str | None, output: Path | None, as_json: bool, default: str) -> str:
    """--json, else --format, else the output file's suffix, else the report's default."""
    from ..report.formats import FORMATS

    fmt = "json" if as_json else (fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else default))
    if fmt not in FORMATS:
        raise UsageError(f"--format 只能是 {'、'.join(FORMATS)}，收到“{fmt}”。")
    return fmt


def _emit(kind: str, data: dict[str, Any], fmt: str, output: Path | None, form: Any) -> None:
    """A table on the terminal, or the report written to a file (or to stdout for json/md)."""
    from ..report.formats import write_report

    if fmt == "table":
        render.report_tables(kind, data, form)
        return
    result = write_report(kind, data, fmt, output, form)
    if isinstance(result, Path):
        render.paths_made("已生成报告", [result])
    else:
        sys.stdout.write(result + "\n")


def _report(
    kind: str,
    scope: str | None,
    fmt: str | None,
    output: Path | None,
    as_json: bool,
    db: str | None,
    as_of: str | None,
    default: str = "table",
    unit: str | None = None,
    round_key: str | None = None,
    under: str | None = None,
    level: str | None = None,
) -> None:
    from ..report import Reports
    from ..store.db import open_db

    scope = _checked_scope(scope)
    fmt = _format(fmt, output, as_json, default)
    lean = fmt == "xlsx"  # the workbook writer holds every row: repeated texts kept once
    engine = open_db(db, create_missing=False)
    reports = Reports(engine, as_of=parse_as_of(as_of), scope=scope, round_key=round_key, lean=lean, under=under).at_level(level)
    data = reports.unit(unit) if kind == "unit" else getattr(reports, kind)()
    _emit(kind, data, fmt, output, reports.form)


@report_app.command("coverage")
def report_coverage(
    scope: ScopeOpt = None,
    fmt: FormatOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
    under: UnderOpt = None,
    level: LevelOpt = None,
) -> None:
    """报送覆盖情况：每个应报单位的状态、系统数、完整率、问题数和报送次数，以及催报名单。"""
    _report("coverage", scope, fmt, output, as_json, db, as_of, round_key=round_key, under=under, level=level)


@report_app.command("issues")
def report_issues(
    scope: ScopeOpt = None,
    fmt: FormatOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
    under: UnderOpt = None,
    level: LevelOpt = None,
) -> None:
    """问题与评估发现：各单位最近报送的校验问题，以及未上云、等保/密评缺口、僵尸系统、重复建设等发现。"""
    _report("issues", scope, fmt, output, as_json, db, as_of, round_key=round_key, under=under, level=level)


@report_app.command("inventory")
def report_inventory(
    fmt: FormatOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
    under: UnderOpt = None,
    level: LevelOpt = None,
) -> None:
    """系统汇总清单：全部当前系统及其评估发现、评分和处置建议（xlsx 用模板表头，可筛选、可再导入）。"""
    _report("inventory", None, fmt, output, as_json, db, as_of, default="xlsx", round_key=round_key, under=under, level=level)


@report_app.command("brief")
def report_brief(
    fmt: FormatOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
    under: UnderOpt = None,
    level: LevelOpt = None,
) -> None:
    """领导简报：本轮总数、部署与等保、处置建议、主要发现、重复建设及金额、待处置最多的单位（html 打印不超过两页）。"""
    _report("brief", None, fmt, output, as_json, db, as_of, default="html", round_key=round_key, under=under, level=level)


@report_app.command("unit")
def report_unit(
    unit: Annotated[str | None, typer.Option("--unit", help="单位全称或简称；与 --all 二选一。")] = None,
    every: Annotated[bool, typer.Option("--all", help="为本轮有报送的每个单位各生成一份报告，写到 -o 文件夹。")] = False,
    fmt: FormatOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="--unit 时为输出文件；--all 时为输出文件夹（默认“单位评估报告”）。")
    ] = None,
    as_json: JsonOpt = False,
    scope: ScopeOpt = None,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    round_key: RoundOpt = None,
    under: UnderOpt = None,
    level: LevelOpt = None,
) -> None:
    """单位评估报告：本单位系统的评分和处置建议、按类型的评估发现及整改依据、报送记录、与其他单位疑似重复的系统。"""
    if bool(unit) == every:
        raise UsageError(
            "请用 --unit 指定一个单位，或用 --all 为全部单位生成。", hint="例如 inventory report unit --unit 人社厅 -o 人社厅.html"
        )
    if unit:
        _report("unit", scope, fmt, output, as_json, db, as_of, default="html", unit=unit, round_key=round_key, under=under, level=level)
        return
    from ..report import Reports
    from ..report.formats import write_unit_reports
    from ..store.db import open_db

    scope = _checked_scope(scope)
    formats = (fmt,) if fmt else ("html", "xlsx", "json")
    if any(f not in ("html", "xlsx", "json", "md") for f in formats):
        raise UsageError(f"--all 时 --format 只能是 html、xlsx、json、md，收到“{fmt}”。")
    reports = Reports(open_db(db, create_missing=False), as_of=parse_as_of(as_of), scope=scope, round_key=round_key, under=under)
    reports.at_level(level)
    folder = output or Path("单位评估报告")
    written = write_unit_reports(reports, None, folder, formats)
    render.folder_made(f"已为 {len(written) // len(formats)} 个单位生成评估报告", folder, written)


@report_app.command("changes")
def report_changes(
    from_key: Annotated[str, typer.Option("--from", help="较早的轮次代号。", show_default=False)],
    to_key: Annotated[str | None, typer.Option("--to", help="较晚的轮次代号；默认为当前开放的轮次。")] = None,
    fmt: FormatOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
    unit: Annotated[str | None, typer.Option("--unit", help="只要该单位的部分（全称或简称），作为发回单位的变化清单。")] = None,
    under: UnderOpt = None,
    db: DbOpt = None,
    level: LevelOpt = None,
) -> None:
    """两轮之间的变化：每个单位新增、停用、变化（旧值 → 新值）的系统，没有标记停用就不见了的系统，首次报送和本轮未报送的单位，以及上一轮处置决定的落实情况（含逾期）。"""
    from ..form.load import load_form
    from ..report.changes import changes_report
    from ..store.db import open_db
    from ..store.units import tree

    fmt = _format(fmt, output, as_json, "table")
    form = load_form()
    from ..form.levels import check_level, hidden_fields, mask

    engine = open_db(db, create_missing=False)
    roster = tree(engine)
    node = roster.resolve(under) if under else None
    name = roster.resolve(unit, within=node).name if unit else None
    part = {u.name for u in roster.subtree(node)} if node is not None else None
    data = changes_report(engine, from_key, to_key, form, name, part)
    _emit("changes", mask(data, hidden_fields(form, check_level(level))), fmt, output, form)
