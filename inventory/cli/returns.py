"""Commands about returned files: validate, import, the submission history, the database schema."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ExitCode, UsageError
from . import render
from .app import AsOfOpt, DbOpt, JsonOpt, UnderOpt, app, db_app, emit_json, existing_paths, parse_as_of, submissions_app


@app.command()
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(help="要校验的文件或文件夹（文件夹中的每个 Excel 文件）。", show_default=False, metavar="文件或文件夹..."),
    ],
    as_json: JsonOpt = False,
    feedback: Annotated[Path | None, typer.Option("--feedback", help="为有问题的文件各写一份反馈工作簿到该文件夹。")] = None,
    as_of: AsOfOpt = None,
    db: DbOpt = None,
    under: UnderOpt = None,
) -> None:
    """校验回收的报表：一次找出全部问题并定位到单元格。不写数据库；有数据库时与入库一样按当前开放轮次的数据统计截止日期和名册校验。"""
    from ..intake.result import for_office
    from ..intake.validate import validate_many

    files = existing_paths(paths)
    validator, engine = _validator(db, parse_as_of(as_of))
    office = validator.roster.resolve(under) if under else None  # as `import --under` will judge them
    previous = _previous(engine, validator)
    reports = []
    with render.progress(len(files), "校验") as bar:
        task = bar.add_task("", total=len(files))
        for report in validate_many(files, validator):
            report = for_office(report, office, roster=validator.roster)
            report = previous(report)
            bar.update(task, description=report.path.name)
            reports.append(report)
            if feedback is not None and report.issues:
                from ..intake.feedback import write_feedback

                report.feedback = write_feedback(report, validator.form, feedback)
            bar.advance(task)
    if as_json:
        files = [r.as_dict() | ({"feedback": str(r.feedback)} if r.feedback else {}) for r in reports]
        emit_json({"valid": all(r.valid for r in reports), "files": files})
    else:
        for report in reports:
            render.file_summary(report)
            table = render.issues_table(report)
            if table is not None:
                render.out.print(table)
        if len(reports) > 1:
            render.batch_totals(reports)
    if feedback is not None and not as_json:
        made = [r.feedback for r in reports if r.feedback]
        render.paths_made("反馈工作簿", made)
    if not all(r.valid for r in reports):
        raise typer.Exit(ExitCode.DATA)


def _older_rounds(engine: Any, results: list[Any], dry_run: bool) -> None:
    """Files made for an earlier round go into the open one: said to the office with the way to take a
    late return into the round it belongs to."""
    from ..workflow.rounds import pick

    made_for = sorted({str(i.value) for r in results if r.status == "imported" for i in r.report.issues if i.code == "FORM_OLD_ROUND"})
    now = pick(engine)
    if not made_for or now is None:
        return
    old = "、".join(made_for)
    render.out.print(
        f"[yellow]有报表用的是“{render.esc(old)}”轮次的模板，{'将' if dry_run else '已'}按本轮“{render.esc(now['key'])}”入库。"
        f"如果它们是上一轮迟交的报表，请先 inventory round reopen {render.esc(made_for[-1])} 再入库（办完用 round reopen "
        f"{render.esc(now['key'])} 回到本轮）。[/]"
    )


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="要入库的文件或文件夹。", show_default=False, metavar="文件或文件夹...")],
    db: DbOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并报告入库结果，不写数据库。")] = False,
    as_json: JsonOpt = False,
    operator: Annotated[str | None, typer.Option("--operator", help="操作人，记入报送记录。")] = None,
    as_of: AsOfOpt = None,
    under: UnderOpt = None,
    received: Annotated[
        str | None,
        typer.Option(
            "--received",
            help="收到这些文件的日期（北京时间，YYYY-MM-DD），用于事后集中入库，记为当天下班时 18:00；默认为入库的时间。",
            metavar="YYYY-MM-DD",
        ),
    ] = None,
) -> None:
    """校验并入库：每个文件一个事务，要么全部入库要么都不入；同一内容在同一轮再次导入为“未变化”。"""
    from ..intake.validate import Validator
    from ..store.db import open_db
    from ..store.importer import Importer
    from ..store.units import tree

    files = existing_paths(paths)
    engine = open_db(db)
    roster = tree(engine)
    office = roster.resolve(under) if under else None
    validator = Validator(form=round_form(engine), roster=roster, as_of=parse_as_of(as_of))
    importer = Importer(engine, validator, operator=operator, under=office, received_at=_received(received))
    results = []
    with render.progress(len(files), "入库" if not dry_run else "预演") as bar:
        task = bar.add_task("", total=len(files))
        for result in importer.import_files(files, dry_run=dry_run):
            bar.update(task, description=result.path.name)
            results.append(result)
            bar.advance(task)
    from .evidence import import_evidence, show_import

    evidence = {} if dry_run else import_evidence(engine, db, results, operator)  # each return's <name>-证明材料/ folder
    if as_json:
        emit_json(
            {"files": [dict(r.as_dict(), **({"evidence": evidence[str(r.path)]} if str(r.path) in evidence else {})) for r in results]}
        )
    else:
        render.import_table(results, dry_run)
        theirs = [r for r in results if r.report.elsewhere is not None]
        if office is not None and len(theirs) >= 2 and len(theirs) == len(results):  # said once for the batch
            owners = sorted({p.name for r in theirs if r.unit and (u := roster.get(r.unit)) and (p := roster.parent_of(u))})
            render.out.print(
                f"[yellow]这 {len(theirs)} 个文件都不属于“{render.esc(office.name)}”，--under 是否写错了？"
                + (f"它们属于：{render.esc('、'.join(owners))}。[/]" if owners else "[/]")
            )
        show_import(evidence)
        _older_rounds(engine, results, dry_run)
        late = _after_deadline(engine, importer.received_at)
        if late and any(r.status == "imported" for r in results):
            render.out.print(
                f"[yellow]这批文件在报送截止日期 {late}（北京时间当日 24 时前）之后收到：本轮第一次报送的单位记为逾期报送。[/]"
            )
    if not dry_run and results:
        _log_import(engine, results, operator, office)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(ExitCode.ENVIRONMENT)
    if any(r.errors for r in results):  # rejected now, or unchanged since it was rejected before
        raise typer.Exit(ExitCode.DATA)


def _after_deadline(engine: Any, received_at: Any) -> str | None:
    """The open round's deadline when files received at `received_at` (or now) came after it, else None."""
    import datetime as dt

    from ..beijing import day_end
    from ..form.model import live_deadline
    from ..workflow.rounds import pick

    deadline = live_deadline(pick(engine))
    if deadline is None:
        return None
    return deadline.isoformat() if (received_at or dt.datetime.now(dt.UTC)) >= day_end(deadline) else None


def _log_import(engine: Any, results: list[Any], operator: str | None, office: Any) -> None:
    """What the command line stored goes into the audit log beside the portal's entries; a database
    busy at that moment costs the entry (said on stderr), never the report already printed."""
    from sqlalchemy.exc import OperationalError

    from ..store.audit import record
    from ..workflow.states import RETURN_NAMES

    def said(r: Any) -> str:  # in the log's words: 已入库 2，未通过校验 1，不属本级 1
        return "不属本级" if r.report.elsewhere else "已锁定" if r.locked else RETURN_NAMES.get(r.status, r.status)

    counts = Counter(map(said, results))
    detail = "，".join(f"{s} {n}" for s, n in sorted(counts.items()))
    name = office.name if office else None
    try:
        record(engine, "import", actor=operator or "命令行", role="cli", target=name, detail=detail, unit=name)
    except OperationalError:
        render.err.print("提醒：数据库正被占用，本次入库没有记入操作日志（入库结果以上面为准）。")


def round_form(engine: Any) -> Any:
    """The form as the open round deploys it (its code and reference date), for validate and import alike."""
    from ..form.load import load_form
    from ..workflow.rounds import pick

    return load_form().for_round(pick(engine))


def _previous(engine: Any, validator: Any) -> Any:
    """With a database: each valid report with the warnings its import would add from comparing it with
    the unit's previous return (so that validate and import say the same); without one, as it is."""
    from dataclasses import replace

    from ..store.identity import compared_with_previous

    if engine is None:
        return lambda report: report

    def add(report: Any) -> Any:
        found = compared_with_previous(engine, validator.form, report)
        return replace(report, issues=[*report.issues, *found]) if found else report

    return add


def _validator(db: str | None, as_of: Any) -> tuple[Any, Any]:
    """validate's validator and database: the database's open round and tree when there is one, else
    `forms/` (and no database)."""
    from ..intake.validate import Validator
    from ..store.db import database_exists, open_db
    from ..store.units import tree

    if not database_exists(db):
        return Validator(as_of=as_of), None
    engine = open_db(db, create_missing=False)
    return Validator(form=round_form(engine), roster=tree(engine), as_of=as_of), engine


@submissions_app.command("list")
def submissions_list(
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位（全称或简称）。")] = None,
    under: UnderOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出报送记录：每次入库的文件、状态（已入库、未通过校验、已被替代，及审核状态：待审核、退回修改、已通过）和问题数。"""
    from ..store.db import open_db
    from ..store.units import tree
    from ..workflow.reviews import submission_rows

    engine = open_db(db, create_missing=False)
    roster = tree(engine)
    node = roster.resolve(under) if under else None
    name = roster.resolve(unit, within=node).name if unit else None
    rows = submission_rows(engine, name)
    if node is not None:
        rows = [r for r in rows if r["unit"] and (u := roster.get(r["unit"])) is not None and u.within(node)]
    if as_json:
        emit_json(rows)
    else:
        render.submissions_table(rows)


@submissions_app.command("use")
def submissions_use(
    submission_id: Annotated[int, typer.Argument(help="要作为当前报送的报送号。", show_default=False, metavar="报送号")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """把一份较早的已入库报送设为该单位的当前报送（项目办明确决定时使用）。"""
    from ..store.db import open_db
    from ..store.submissions import use_submission
    from ..workflow.reviews import submission_rows

    engine = open_db(db, create_missing=False)
    use_submission(engine, submission_id)
    row = submission_rows(engine, submission_id=submission_id)[0]
    if as_json:
        emit_json(row)
    else:
        render.submissions_table([row])


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """创建或升级数据库结构到当前版本（首次使用时也会自动执行）。"""
    from ..store.db import create, current_revision, head_revision, resolve_url, upgrade

    engine = create(resolve_url(db))
    before = current_revision(engine)
    upgrade(engine)
    render.out.print(f"[green]✓[/] 数据库结构：{before or '空库'} → {head_revision()}")


def _received(value: str | None) -> Any:
    """A day given in Beijing time as the instant its working day ends (18:00 北京时间)."""
    import datetime as dt

    day = parse_as_of(value, option="--received")
    if day is None:
        return None
    from ..beijing import BEIJING, today

    if day > today():
        raise UsageError(f"--received 的日期 {day} 还没到。")
    return dt.datetime.combine(day, dt.time(18), tzinfo=BEIJING)
