"""拟建项目预审 commands: the template, the check against the inventory, the reviewer's decision, reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import render
from .app import DbOpt, JsonOpt, RoundOpt, app, emit_json

planned_app = typer.Typer(
    help="拟建项目预审：立项前与全省系统清单比对，查重复建设、可整合复用的部分，记录预审意见，出预审报告。", no_args_is_help=True
)
app.add_typer(planned_app, name="planned")


@planned_app.command("template")
def planned_template(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件：.xlsx 为 Excel 模板，.csv 为 CSV 表头。")] = Path(
        "拟建项目预审表.xlsx"
    ),
) -> None:
    """生成拟建项目填报模板（每个项目一行）。"""
    from ..planned.template import write_template

    path = write_template(out)
    render.out.print(f"[green]✓[/] 已生成 {render.esc(str(path))}")


@planned_app.command("check")
def planned_check(
    file: Annotated[Path | None, typer.Argument(help="填好的拟建项目表（.xlsx 或 .csv）。", show_default=False)] = None,
    from_returns: Annotated[bool, typer.Option("--from-returns", help="改为比对本轮报表中运行状态为“在建”的系统。")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="把每个项目的比对报告（html 和 xlsx）写到这个文件夹。")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="是否把项目和比对结果存入数据库（供预审和后续跟踪）。")] = True,
    round_key: RoundOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """把拟建项目与全省现有系统（各级各单位）和本轮其他拟建项目比对，给出建议和理由。"""
    from ..errors import UsageError
    from ..planned.reports import write_project_report
    from ..planned.service import check_file
    from ..store.db import open_db

    if file is None and not from_returns:
        raise UsageError("请给出拟建项目表，或加 --from-returns 比对报表中的在建系统。", hint="模板用 `inventory planned template` 生成。")
    results, issues = check_file(open_db(db, create_missing=False), file, round_key, save, from_returns)
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        for n, r in enumerate(results, start=1):
            stem = f"{n:03d}-{_safe(r['project'].get('project_name') or '项目')}"
            write_project_report(r, report / f"{stem}.html")
            write_project_report(r, report / f"{stem}.xlsx")
    if as_json:
        emit_json({"projects": results, "issues": [i.as_dict() if hasattr(i, "as_dict") else vars(i) for i in issues]})
        return
    for i in issues:
        said = i.message if i.message.endswith(("。", "！", "？")) else i.message + "。"
        render.err.print(f"[yellow]{render.esc(said)}[/]" + (f"[dim]{render.esc(i.hint)}[/]" if i.hint else ""))
    table = Table(title=f"拟建项目比对结果（{len(results)} 个）", title_justify="left")
    for col in ("编号", "项目", "建设单位", "建议", "重复或重叠的现有系统"):
        table.add_column(col, overflow="fold")
    for r in results:
        top = [f"{m['系统']}（{m['关系']}）" for m in r["existing"] if m["关系"] in ("重复", "部分重叠")][:3]
        table.add_row(
            str(r.get("id", "")),
            render.esc(r["project"].get("project_name") or ""),
            render.esc(r["project"].get("owner_unit") or ""),
            render.esc(r["outcome"]),
            render.esc("；".join(top)),
        )
    render.out.print(table)
    if report is not None:
        render.out.print(f"[green]✓[/] 每个项目的比对报告已写到 {render.esc(str(report))}")
    if any(i.severity == "error" for i in issues):
        raise typer.Exit(1)


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch not in '\\/:*?"<>|')[:60]


@planned_app.command("review")
def planned_review(
    project: Annotated[str, typer.Argument(help="项目编号（`inventory planned list` 可查）或项目名称。", show_default=False)],
    decision: Annotated[str, typer.Option("--decision", help="同意立项、核减后立项、不予立项、暂缓。", show_default=False)],
    note: Annotated[str | None, typer.Option("--note", help="预审说明。")] = None,
    reduction: Annotated[float | None, typer.Option("--reduction", help="核减金额（万元），核减后立项时必填。")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="审核人。")] = None,
    round_key: RoundOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录对一个拟建项目的预审意见（最新的一条有效；以后各轮跟踪其建设情况）。"""
    from ..planned.reviews import decide
    from ..store.db import open_db

    done = decide(open_db(db, create_missing=False), project, decision, note, reviewer, reduction, round_key)
    if as_json:
        emit_json({k: v for k, v in done.items() if k != "result"})
    else:
        render.out.print(f"[green]✓[/] {render.esc(done['project_name'])}：{render.esc(decision)}")


@planned_app.command("list")
def planned_list(round_key: RoundOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出本轮已比对的拟建项目和预审意见。"""
    from ..planned.reviews import projects
    from ..store.db import open_db

    rows = projects(open_db(db, create_missing=False), round_key)
    if as_json:
        emit_json([{k: v for k, v in r.items() if k != "result"} for r in rows])
        return
    table = Table(title="拟建项目", title_justify="left")
    for col in ("编号", "项目", "建设单位", "预算（万元）", "比对建议", "预审意见"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            render.esc(r["project_name"]),
            render.esc(r["owner_unit"] or ""),
            str(r["budget"] or ""),
            render.esc(r["outcome"] or ""),
            render.esc((r["review"] or {}).get("decision", "未审")),
        )
    render.out.print(table)


@planned_app.command("report")
def planned_report(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件：.html（可打印）或 .xlsx。", show_default=False)],
    project: Annotated[
        str | None, typer.Option("--project", help="只出这个项目的报告（编号或名称），附入立项材料；不给则出全部项目的会议材料。")
    ] = None,
    follow_up: Annotated[
        bool, typer.Option("--follow-up", help="改为跟踪以往各轮预审过的项目：是否建成、是否按预审意见建设、是否出现新的重复。")
    ] = False,
    round_key: RoundOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """拟建项目预审报告：单个项目的比对报告，或一次预审会议的汇总材料，或以往项目的跟踪。"""
    from ..planned.reports import write_batch_report, write_follow_up, write_project_report
    from ..planned.reviews import find_project, projects
    from ..planned.reviews import follow_up as follow
    from ..planned.service import checker_for
    from ..store.db import open_db

    engine = open_db(db, create_missing=False)
    if follow_up:
        rows = follow(engine, checker_for(engine, round_key), round_key)
        if as_json:
            emit_json(rows)
        path = write_follow_up(rows, out)
    elif project:
        p = find_project(engine, project, round_key)
        review = next((r["review"] for r in projects(engine, every_round=True) if r["id"] == p["id"]), None)
        path = write_project_report(p["result"], out, review)
    else:
        rows = [r for r in projects(engine, round_key) if r["result"]]
        path = write_batch_report([r["result"] for r in rows], out, [r["review"] for r in rows])
    if not as_json:
        render.out.print(f"[green]✓[/] 已写出 {render.esc(str(path))}")
