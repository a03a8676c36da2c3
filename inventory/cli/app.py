"""The command line: parse, call the library, render. No business logic lives here."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import ExitCode, InventoryError, UsageError
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
findings_app = typer.Typer(help="评估发现的审核：列出发现，确认、排除（须写理由）或标记已整改。", no_args_is_help=True)
app.add_typer(findings_app, name="findings")
kb_app = typer.Typer(help="常见问题知识库：检索、查看、导出。", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
KbDirOpt = Annotated[Path | None, typer.Option("--kb-dir", help="改用该文件夹中的知识库条目（格式同 kb/）。")]

DEBUG = False
INTERRUPTED = 130  # the exit code after Ctrl-C (128 + SIGINT)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出到标准输出。")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址；默认取环境变量 INVENTORY_DB，再默认为当前文件夹的 inventory.db（SQLite）。", metavar="URL"),
]

RoundOpt = Annotated[
    str | None, typer.Option("--round", help="调查轮次代号（见 `inventory round list`）；默认为当前开放的轮次。", metavar="KEY")
]
UnderOpt = Annotated[
    str | None,
    typer.Option(
        "--under",
        help="以哪一级项目办的身份操作：单位全称、简称或节点编号（如 德阳市）；只处理它本级及下级的单位。默认为全省。",
        metavar="单位",
    ),
]
round_app = typer.Typer(help="调查轮次：开启新一轮、关闭、查看。", no_args_is_help=True)
app.add_typer(round_app, name="round")


def emit_json(data: Any) -> None:
    from ..output import json_text

    sys.stdout.write(json_text(data) + "\n")


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


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="数据统计截止日期（YYYY-MM-DD），时效规则以此为准；默认取本轮调查设置。", metavar="YYYY-MM-DD"),
]


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    from ..form.normalize import as_day

    day = as_day(value)
    if day is None:
        raise UsageError(f"{option} 的日期“{value}”格式不对。", hint="请写成 YYYY-MM-DD，如 2025-06-30。")
    return day


def existing_paths(paths: list[Path]) -> list[Path]:
    from ..intake.validate import expand_paths

    missing = [p for p in paths if not os.path.lexists(p)]  # a broken link is a file that cannot be read, not a typo
    if missing:
        raise UsageError(f"找不到：{'、'.join(map(str, missing))}", hint="请检查路径；可以给出文件或文件夹。")
    files = expand_paths(paths)
    if not files:
        below = expand_paths(
            [sub for p in paths if p.is_dir() for sub in sorted(p.iterdir()) if sub.is_dir() and not sub.name.startswith(".")]
        )
        hint = (
            f"它的子文件夹里有 {len(below)} 个 Excel 文件（子文件夹不会自动展开），请把子文件夹逐个列出，如：{paths[0]}/*/"
            if below
            else None
        )
        raise UsageError(f"{'、'.join(map(str, paths))} 中没有 Excel 文件。", hint=hint)
    return files


def _fail(message: str, hint: str | None, code: int) -> None:
    render.err.print(f"[red]错误：[/]{render.esc(message)}")
    if hint:
        render.err.print(f"[yellow]建议：[/]{render.esc(hint)}")
    sys.exit(code)


def main() -> None:
    """Entry point: maps library errors to Chinese messages and exit codes; tracebacks only with --debug."""
    global DEBUG
    DEBUG = "--debug" in sys.argv[1:]
    if DEBUG:
        sys.argv = [a for a in sys.argv if a != "--debug"]
        os.environ["INVENTORY_DEBUG"] = "1"  # the library re-raises what it would turn into a file's issue
    from . import load_commands
    from .usage import help_in_chinese, shows_help

    load_commands(sys.argv[1:])
    if shows_help(sys.argv[1:]):
        help_in_chinese()
    if not DEBUG:  # a driver's own warnings (psycopg: "error ignored terminating ...") are ours to say, in Chinese
        import logging

        logging.getLogger("psycopg").addHandler(logging.NullHandler())
    signal.signal(signal.SIGINT, signal.default_int_handler)  # from here an interrupt rolls back what runs
    try:
        rc = app(standalone_mode=False)  # click returns the exit code of typer.Exit here
        if rc == INTERRUPTED:  # typer turns Ctrl-C inside a command into this code, silently
            raise KeyboardInterrupt
    except InventoryError as exc:
        if DEBUG:
            raise
        _fail(exc.message, exc.hint, int(exc.exit_code))
    except typer.Exit as exc:
        if exc.exit_code == INTERRUPTED:
            render.err.print("[yellow]已中止。[/]")
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        render.err.print("[yellow]已中止。[/]")
        sys.exit(INTERRUPTED)
    except Exception as exc:  # click usage errors (typer vendors click), database failures, anything unexpected
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            from .usage import usage_line, usage_text

            said = usage_text(exc)
            if not said:  # a group named without a command: its help page was the answer
                sys.exit(ExitCode.USAGE)
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                render.err.print(usage_line(ctx), markup=False, highlight=False)
            render.err.print(f"[red]用法错误：[/]{render.esc(said)}")
            render.err.print("[yellow]建议：[/]加 --help 查看该命令的用法。")
            sys.exit(ExitCode.USAGE)
        if DEBUG:
            raise
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from ..store.db import explain

            problem = explain(exc)
            _fail(problem.message, problem.hint, ExitCode.ENVIRONMENT)
        _fail(f"内部错误：{type(exc).__name__}: {exc}", "请加 --debug 重新运行，并把输出发给技术支持。", ExitCode.ENVIRONMENT)
    sys.exit(rc if isinstance(rc, int) else 0)
