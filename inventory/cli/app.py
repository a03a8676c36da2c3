"""The command line: parse, call the library, render. No business logic lives here."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import ExitCode, InventoryError, UsageError
from ..form.load import load_form, schema_description
from ..form.roster import load_roster
from . import render

app = typer.Typer(
    help="四川省政务信息系统摸底评估工具：生成填报模板、校验回收的报表、入库、出报告、查常见问题。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
units_app = typer.Typer(help="填报单位名册。", no_args_is_help=True)
schema_app = typer.Typer(help="表单字段说明。", no_args_is_help=True)
template_app = typer.Typer(help="生成 Excel 填报模板。", no_args_is_help=True)
app.add_typer(units_app, name="units")
app.add_typer(schema_app, name="schema")
app.add_typer(template_app, name="template")
submissions_app = typer.Typer(help="报送记录（每次入库的文件及其状态）。", no_args_is_help=True)
db_app = typer.Typer(help="数据库维护。", no_args_is_help=True)
app.add_typer(submissions_app, name="submissions")
app.add_typer(db_app, name="db")
report_app = typer.Typer(help="报告：报送覆盖情况、问题与评估发现、系统汇总清单。", no_args_is_help=True)
app.add_typer(report_app, name="report")
kb_app = typer.Typer(help="常见问题知识库：检索、查看、导出。", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
KbDirOpt = Annotated[Path | None, typer.Option("--kb-dir", help="改用该文件夹中的知识库条目（格式同 kb/）。")]

DEBUG = False

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出到标准输出。")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址；默认取环境变量 INVENTORY_DB，再默认为当前文件夹的 inventory.db（SQLite）。", metavar="URL"),
]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"inventory {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出。")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的调用栈。")] = False,
) -> None:
    """四川省政务信息系统摸底评估工具。"""


@units_app.command("list")
def units_list(
    pilot: Annotated[bool, typer.Option("--pilot", help="只列出试点单位。")] = False,
    as_json: JsonOpt = False,
) -> None:
    """列出填报单位名册（全称、简称、类别、层级、区划代码、是否试点）。"""
    units = load_roster().pilots() if pilot else list(load_roster())
    if as_json:
        emit_json([u.as_dict() for u in units])
    else:
        render.out.print(render.units_table(units))


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


@template_app.command("build")
def template_build(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件（单个模板）或文件夹（--pilot/--all）。")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="为该单位生成预填模板（全称、简称均可）。")] = None,
    pilot: Annotated[bool, typer.Option("--pilot", help="为7个试点单位各生成一份。")] = False,
    all_units: Annotated[bool, typer.Option("--all", help="为名册中每个单位各生成一份。")] = False,
) -> None:
    """生成 Excel 填报模板：下拉列表、输入提示、必填标记和缺项标红，Excel/WPS/LibreOffice 通用。"""
    from ..template.build import build_template, save_workbook, template_filename, write_templates

    if sum([bool(unit), pilot, all_units]) > 1:
        raise UsageError("--unit、--pilot 和 --all 只能选一个。")
    form, roster = load_form(), load_roster()
    if pilot or all_units:
        folder = output or Path("templates")
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder} 是一个文件；--pilot/--all 需要一个输出文件夹。")
        units = roster.pilots() if pilot else list(roster)
        paths = write_templates(form, list(units), folder)
        render.paths_made("已生成模板", paths)
        return
    chosen = roster.resolve(unit) if unit else None
    path = output or Path(template_filename(form, chosen))
    if path.is_dir():
        path = path / template_filename(form, chosen)
    save_workbook(build_template(form, chosen), path)
    render.paths_made("已生成模板", [path])


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="数据统计截止日期（YYYY-MM-DD），时效规则以此为准；默认取本轮调查设置。", metavar="YYYY-MM-DD"),
]


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of 的日期“{value}”格式不对。", hint="请写成 YYYY-MM-DD，如 2025-06-30。") from None


def existing_paths(paths: list[Path]) -> list[Path]:
    from ..intake.validate import expand_paths

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"找不到：{'、'.join(map(str, missing))}", hint="请检查路径；可以给出文件或文件夹。")
    files = expand_paths(paths)
    if not files:
        raise UsageError(f"{'、'.join(map(str, paths))} 中没有 Excel 文件。")
    return files


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="要校验的文件或文件夹（文件夹中的每个 Excel 文件）。", show_default=False)],
    as_json: JsonOpt = False,
    feedback: Annotated[Path | None, typer.Option("--feedback", help="为有问题的文件各写一份反馈工作簿到该文件夹。")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """校验回收的报表：一次找出全部问题并定位到单元格。不写数据库。"""
    from ..intake.validate import Validator, validate_many

    files = existing_paths(paths)
    validator = Validator(as_of=parse_as_of(as_of))
    reports = []
    with render.progress(len(files), "校验") as bar:
        task = bar.add_task("", total=len(files))
        for report in validate_many(files, validator):
            bar.update(task, description=report.path.name)
            reports.append(report)
            if feedback is not None and report.issues:
                from ..intake.feedback import write_feedback

                report.feedback = write_feedback(report, validator.form, feedback)
            bar.advance(task)
    if as_json:
        emit_json({"valid": all(r.valid for r in reports), "files": [r.as_dict() for r in reports]})
    else:
        for report in reports:
            render.file_summary(report)
            table = render.issues_table(report)
            if table is not None:
                render.err.print(table)
        if len(reports) > 1:
            render.batch_totals(reports)
    if feedback is not None:
        made = [r.feedback for r in reports if r.feedback]
        render.paths_made("反馈工作簿", made)
    if not all(r.valid for r in reports):
        raise typer.Exit(ExitCode.DATA)


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="要入库的文件或文件夹。", show_default=False)],
    db: DbOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并报告入库结果，不写数据库。")] = False,
    as_json: JsonOpt = False,
    operator: Annotated[str | None, typer.Option("--operator", help="操作人，记入报送记录。")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """校验并入库：每个文件一个事务，要么全部入库要么都不入；同一内容再次导入为“未变化”。"""
    from ..intake.validate import Validator
    from ..store.db import open_db
    from ..store.importer import Importer

    files = existing_paths(paths)
    engine = open_db(db)
    importer = Importer(engine, Validator(as_of=parse_as_of(as_of)), operator=operator)
    results = []
    with render.progress(len(files), "入库" if not dry_run else "预演") as bar:
        task = bar.add_task("", total=len(files))
        for result in importer.import_files(files, dry_run=dry_run):
            bar.update(task, description=result.path.name)
            results.append(result)
            bar.advance(task)
    if as_json:
        emit_json({"files": [r.as_dict() for r in results]})
    else:
        render.import_table(results, dry_run)
    if any(r.status == "rejected" for r in results):
        raise typer.Exit(ExitCode.DATA)


@submissions_app.command("list")
def submissions_list(
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位（全称或简称）。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出报送记录：每次入库的文件、状态（已接收/已退回/已被替代）和问题数。"""
    from ..store.db import open_db
    from ..store.importer import submission_rows

    name = load_roster().resolve(unit).name if unit else None
    rows = submission_rows(open_db(db), name)
    if as_json:
        emit_json(rows)
    else:
        render.submissions_table(rows)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """创建或升级数据库结构到当前版本（首次使用时也会自动执行）。"""
    from ..store.db import create, current_revision, head_revision, resolve_url, upgrade

    engine = create(resolve_url(db))
    before = current_revision(engine)
    upgrade(engine)
    render.err.print(f"[green]✓[/] 数据库结构：{before or '空库'} → {head_revision()}")


ScopeOpt = Annotated[str, typer.Option("--scope", help="统计范围：all（全部单位）或 pilot（试点单位）。")]
FormatOpt = Annotated[str | None, typer.Option("--format", help="输出格式：table、json、md、html、xlsx。")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="输出文件；html/xlsx 不给时写到当前文件夹。")]


def _report(
    kind: str, scope: str, fmt: str | None, output: Path | None, as_json: bool, db: str | None, as_of: str | None, default: str = "table"
) -> None:
    from ..report.data import SCOPES, Reports
    from ..report.formats import FORMATS, write_report
    from ..store.db import open_db

    if scope not in SCOPES:
        raise UsageError(f"--scope 只能是 {'、'.join(SCOPES)}，收到“{scope}”。")
    fmt = "json" if as_json else (fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else default))
    if fmt not in FORMATS:
        raise UsageError(f"--format 只能是 {'、'.join(FORMATS)}，收到“{fmt}”。")
    reports = Reports(open_db(db), as_of=parse_as_of(as_of), scope=scope)
    data = getattr(reports, kind)()
    if fmt == "table":
        render.report_tables(kind, data, reports.form)
        return
    result = write_report(kind, data, fmt, output, reports.form)
    if isinstance(result, Path):
        render.paths_made("已生成报告", [result])
    else:
        sys.stdout.write(result + "\n")


@report_app.command("coverage")
def report_coverage(
    scope: ScopeOpt = "all", fmt: FormatOpt = None, output: OutOpt = None, as_json: JsonOpt = False, db: DbOpt = None, as_of: AsOfOpt = None
) -> None:
    """报送覆盖情况：每个应报单位的状态、系统数、完整率、问题数和报送次数。"""
    _report("coverage", scope, fmt, output, as_json, db, as_of)


@report_app.command("issues")
def report_issues(
    scope: ScopeOpt = "all", fmt: FormatOpt = None, output: OutOpt = None, as_json: JsonOpt = False, db: DbOpt = None, as_of: AsOfOpt = None
) -> None:
    """问题与评估发现：各单位最近报送的校验问题，以及未上云、等保/密评缺口、僵尸系统、重复建设等发现。"""
    _report("issues", scope, fmt, output, as_json, db, as_of)


@report_app.command("inventory")
def report_inventory(
    fmt: FormatOpt = None, output: OutOpt = None, as_json: JsonOpt = False, db: DbOpt = None, as_of: AsOfOpt = None
) -> None:
    """系统汇总清单：全部当前系统及其评估发现、评分和处置建议（xlsx 用模板表头，可筛选、可再导入）。"""
    _report("inventory", "all", fmt, output, as_json, db, as_of, default="xlsx")


def _kb(kb_dir: Path | None):  # type: ignore[no-untyped-def]
    from ..kb.search import KnowledgeBase

    if kb_dir is not None and not kb_dir.is_dir():
        raise UsageError(f"知识库文件夹 {kb_dir} 不存在。")
    return KnowledgeBase.load(kb_dir)


@kb_app.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="问题或关键词，如“等保怎么填”“万元”。", show_default=False)],
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="最多返回几条。")] = 3,
    as_json: JsonOpt = False,
    kb_dir: KbDirOpt = None,
) -> None:
    """检索常见问题：支持同义词、简称、错别字（同音字）和繁体字。"""
    result = _kb(kb_dir).search(query, limit)
    if as_json:
        emit_json(result.as_dict())
    else:
        render.kb_results(result)


@kb_app.command("show")
def kb_show(
    entry_id: Annotated[str, typer.Argument(help="条目编号，如 money-unit。", show_default=False)],
    kb_dir: KbDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示一个条目的完整答案。"""
    kb = _kb(kb_dir)
    entry = kb.get(entry_id)
    if entry is None:
        from rapidfuzz import process

        near = [m[0] for m in process.extract(entry_id, [e.id for e in kb.entries], limit=3)]
        raise UsageError(f"没有编号为“{entry_id}”的条目。最接近的：{'、'.join(near)}。", hint="用 `inventory kb list` 查看全部条目。")
    if as_json:
        emit_json(entry.as_dict())
    else:
        render.kb_entry(entry)


@kb_app.command("list")
def kb_list(as_json: JsonOpt = False, kb_dir: KbDirOpt = None) -> None:
    """列出全部条目（按类别）。"""
    entries = _kb(kb_dir).entries
    if as_json:
        emit_json([{k: v for k, v in e.as_dict().items() if k != "answer"} for e in entries])
    else:
        render.kb_list(entries)


@kb_app.command("export")
def kb_export(
    html_file: Annotated[Path, typer.Option("--html", help="导出为一个可离线打开、带检索框的网页。")], kb_dir: KbDirOpt = None
) -> None:
    """导出知识库网页，发给不用命令行的同事。"""
    from ..kb.html import export_html
    from ..report.formats import write_text

    render.paths_made("已导出知识库网页", [write_text(html_file, export_html(_kb(kb_dir)))])


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="演示输出文件夹。")] = Path("inventory-demo"),
) -> None:
    """演示完整流程：生成试点单位模板、模拟填报、校验、反馈、入库并出报告。"""
    from ..demo.run import run_demo

    result = run_demo(directory)
    render.demo_summary(result)


def main() -> None:
    """Entry point: maps library errors to Chinese messages and exit codes; tracebacks only with --debug."""
    global DEBUG
    DEBUG = "--debug" in sys.argv[1:]
    if DEBUG:
        sys.argv = [a for a in sys.argv if a != "--debug"]
    try:
        rc = app(standalone_mode=False)  # click returns the exit code of typer.Exit here
    except InventoryError as exc:
        if DEBUG:
            raise
        render.err.print(f"[red]错误：[/]{exc.message}")
        if exc.hint:
            render.err.print(f"[yellow]建议：[/]{exc.hint}")
        sys.exit(int(exc.exit_code))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        render.err.print("[yellow]已中止。[/]")
        sys.exit(130)
    except Exception as exc:  # click usage errors (typer vendors click) and anything unexpected
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                render.err.print(ctx.get_usage(), markup=False, highlight=False)
            render.err.print(f"[red]用法错误：[/]{exc.format_message()}")
            render.err.print("[yellow]建议：[/]加 --help 查看该命令的用法。")
            sys.exit(ExitCode.USAGE)
        if DEBUG:
            raise
        render.err.print(f"[red]内部错误：[/]{type(exc).__name__}: {exc}")
        render.err.print("[yellow]建议：[/]请加 --debug 重新运行，并把输出发给技术支持。")
        sys.exit(ExitCode.ENVIRONMENT)
    sys.exit(rc if isinstance(rc, int) else 0)
