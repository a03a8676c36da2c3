"""Rich rendering for the command line. Human output only: JSON is printed by cli.py as is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from ..form.load import Form
from ..form.roster import Unit

out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)


def units_table(units: Iterable[Unit]) -> Table:
    table = Table(title="填报单位名册", show_lines=False)
    for col in ("全称", "简称", "类别", "层级", "区划代码", "试点"):
        table.add_column(col)
    for u in units:
        table.add_row(u.name, u.short_name, u.kind, u.level, u.region_code, "是" if u.pilot else "")
    return table


def schema_tables(form: Form) -> list[Table]:
    tables = []
    for sheet in form.sheets:
        t = Table(title=f"{sheet.name}（{'每行一条' if sheet.layout == 'table' else '按项填写'}）")
        for col in ("位置", "栏目", "键名", "类型", "必填", "可选值"):
            t.add_column(col, overflow="fold")
        for f in sheet.fields:
            t.add_row(
                f.position,
                f.title,
                f.key,
                f.type_name,
                "是" if f.required else ("建议" if f.recommended else ""),
                "、".join(f.enum)[:60] if f.enum else "",
            )
        tables.append(t)
    return tables


def paths_made(title: str, paths: Iterable[Any]) -> None:
    items = list(paths)
    err.print(f"[green]✓[/] {title}：{len(items)} 个文件")
    for p in items:
        err.print(f"  {p}")


def demo_summary(result: Any) -> None:
    err.print(f"[bold green]演示完成[/]，全部输出在 {result.directory}")
    err.print(f"  1. 试点单位模板 {len(result.templates)} 份：{result.directory / 'templates'}")
    err.print(f"  2. 模拟回收的报表 {len(result.returns)} 份（遂宁市尚未报送）：{result.directory / 'returns'}")
    for report in result.reports:
        file_summary(report)
    err.print(f"  3. 反馈工作簿 {len(result.feedback)} 份：{result.directory / 'feedback'}")
    import_table(result.imports, dry_run=False)
    err.print(f"  4. 数据库：{result.database}")
    for label, path in result.outputs.items():
        err.print(f"  · {label}：{path}")
    err.print(
        "下一步：用 Excel/WPS 打开 feedback 中的反馈表看看问题怎么标注；"
        f"用 `inventory submissions list --db {result.database}` 查看报送记录。"
    )


def file_summary(report: Any) -> None:
    """One line per file, then its issues grouped by sheet and row."""
    status = "[green]通过[/]" if report.valid else "[red]未通过[/]"
    unit = report.unit.name if report.unit else (report.unit_written or "单位未识别")
    err.print(
        f"{status} {report.path}  [dim]{unit}[/]  系统 {report.systems} 个，错误 [red]{report.errors}[/]，提醒 [yellow]{report.warnings}[/]"
    )


def issues_table(report: Any, limit: int = 200) -> Table | None:
    if not report.issues:
        return None
    table = Table(show_lines=False, title=str(report.path.name), title_justify="left")
    table.add_column("级别", no_wrap=True)
    table.add_column("工作表", no_wrap=True)
    table.add_column("位置", no_wrap=True)
    table.add_column("编码", no_wrap=True, style="dim")
    table.add_column("问题", overflow="fold")
    wide = err.width >= 140
    if wide:
        table.add_column("怎么改", overflow="fold", style="dim")
    last: tuple[Any, Any] = (None, None)
    for issue in report.issues[:limit]:
        where = issue.cell or (f"第 {issue.row} 行" if issue.row else (f"{issue.column} 列" if issue.column else ""))
        sheet = issue.sheet or "（文件）"
        key = (sheet, issue.row)
        shown_sheet = sheet if key != last else ""
        last = key
        level = "[red]错误[/]" if issue.severity == "error" else "[yellow]提醒[/]"
        message = issue.message.split("：", 1)[-1] if issue.sheet else issue.message
        cells = [level, shown_sheet, where, issue.code, message] + ([issue.hint] if wide else [])
        table.add_row(*cells)
    if len(report.issues) > limit:
        table.caption = f"另有 {len(report.issues) - limit} 条未显示，完整清单请用 --json 或 --feedback。"
    return table


def batch_totals(reports: list[Any]) -> None:
    ok = sum(1 for r in reports if r.valid)
    err.print(
        f"[bold]共 {len(reports)} 个文件[/]：通过 [green]{ok}[/]，未通过 [red]{len(reports) - ok}[/]；"
        f"错误 {sum(r.errors for r in reports)} 条，提醒 {sum(r.warnings for r in reports)} 条"
    )


def progress(total: int, label: str) -> Any:
    """A progress bar on stderr for batches of more than a few files."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=total < 3 or not err.is_terminal,
    )


STATUS_NAMES = {
    "imported": "[green]已入库[/]",
    "unchanged": "[dim]未变化[/]",
    "rejected": "[red]已退回[/]",
    "accepted": "[green]已接收[/]",
    "superseded": "[dim]已被替代[/]",
}


def import_table(results: list[Any], dry_run: bool) -> None:
    table = Table(title="入库预演（未写数据库）" if dry_run else "入库结果", title_justify="left")
    for col in ("文件", "单位", "结果", "报送号", "系统", "错误", "提醒"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.path.name,
            r.unit or "未识别",
            STATUS_NAMES.get(r.status, r.status),
            str(r.submission_id or ""),
            str(r.systems),
            str(r.errors),
            str(r.warnings),
        )
    err.print(table)
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        err.print(f"[yellow]{len(rejected)} 个文件有错误被退回；用 `inventory validate 文件 --feedback 文件夹` 生成反馈表发给单位。[/]")


def submissions_table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="报送记录", title_justify="left")
    for col in ("报送号", "单位", "文件", "状态", "接收时间", "操作人", "系统", "错误", "提醒"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["unit"] or f"（未识别：{r['unit_written'] or ''}）",
            r["file_name"],
            STATUS_NAMES.get(r["status"], r["status"]),
            (r["received_at"] or "")[:19].replace("T", " "),
            r["operator"] or "",
            str(r["systems"]),
            str(r["errors"]),
            str(r["warnings"]),
        )
    out.print(table)


# the columns a terminal shows; files (md, xlsx, html, json) always carry all of them
TERMINAL_COLUMNS = {
    ("coverage", "各单位报送情况"): ["简称", "状态", "系统数", "必填完整率", "建议项完整率", "错误", "提醒", "报送次数"],
    ("inventory", "systems"): ["填报单位", "*系统名称", "*运行状态", "综合评分", "处置建议"],
    ("issues", "评估发现"): ["级别", "单位", "系统", "说明"],
    ("issues", "校验问题（各单位最近一次报送）"): ["单位", "级别", "位置", "问题"],
}


def report_tables(kind: str, data: dict[str, Any], form: Any, limit: int = 60) -> None:
    from ..report.sections import cell_text, report_meta, report_sections

    for line in report_meta(kind, data, form):
        err.print(f"[dim]{line}[/]")
    for section in report_sections(kind, data, form):
        wanted = TERMINAL_COLUMNS.get((kind, "systems" if section.title == form.main.name else section.title))
        keep = [section.columns.index(c) for c in wanted if c in section.columns] if wanted else range(len(section.columns))
        table = Table(title=section.title, title_justify="left")
        for i in keep:
            table.add_column(section.columns[i], overflow="fold")
        for row in section.rows[:limit]:
            table.add_row(*[cell_text(row[i], section.formats.get(i)) for i in keep])
        if len(section.rows) > limit:
            table.caption = f"共 {len(section.rows)} 行，只显示前 {limit} 行；用 --format xlsx/html/json 导出全部。"
        out.print(table)


def _highlight(text: str, terms: list[str]) -> str:
    from rich.markup import escape

    out = escape(text)
    for t in sorted({t for t in terms if len(t) >= 2}, key=len, reverse=True):
        out = out.replace(escape(t), f"[bold yellow]{escape(t)}[/]")
    return out


def kb_results(result: Any) -> None:
    if not result.results:
        err.print(f"[yellow]{result.message}[/]")
        return
    for n, hit in enumerate(result.results, start=1):
        e = hit.entry
        out.print(f"[bold]{n}. {_highlight(e.question, hit.matched)}[/]  [dim]{e.category} · {e.id}[/]")
        out.print(f"   {_highlight(hit.snippet, hit.matched)}")
    out.print(f"[dim]完整答案：inventory kb show {result.results[0].entry.id}[/]")


def kb_entry(entry: Any) -> None:
    out.print(f"[bold]{entry.question}[/]  [dim]{entry.category} · {entry.id}[/]")
    out.print(entry.answer)
    if entry.aliases:
        out.print(f"[dim]也可以这样问：{'；'.join(entry.aliases)}[/]")
    if entry.codes:
        out.print(f"[dim]相关问题编码：{'、'.join(entry.codes)}[/]")


def kb_list(entries: list[Any]) -> None:
    table = Table(title=f"常见问题知识库（{len(entries)} 条）", title_justify="left")
    for col in ("类别", "编号", "问题"):
        table.add_column(col, overflow="fold")
    for e in sorted(entries, key=lambda e: e.category):
        table.add_row(e.category, e.id, e.question)
    out.print(table)


REVIEW_NAMES = {"open": "[yellow]待审核[/]", "confirmed": "[red]已确认[/]", "dismissed": "[dim]已排除[/]", "fixed": "[green]已整改[/]"}


def findings_table(rows: list[dict[str, Any]], limit: int = 200) -> None:
    from rich.markup import escape

    table = Table(title=f"评估发现（{len(rows)} 条）", title_justify="left")
    for col in ("编号", "状态", "级别", "单位", "系统", "说明"):
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        level = "[red]错误[/]" if r["severity"] == "error" else "[yellow]提醒[/]"
        table.add_row(r["id"], REVIEW_NAMES[r["state"]], level, escape(r["unit"] or ""), escape(r["system"] or ""), escape(r["message"]))
    if len(rows) > limit:
        table.caption = f"只显示前 {limit} 条；完整清单请用 --json。"
    out.print(table)


def reviews_done(rows: list[dict[str, Any]]) -> None:
    from rich.markup import escape

    for r in rows:
        err.print(f"[green]✓[/] {r['finding_id']} {escape(r['code'])} {escape(r['system'] or '')}：{REVIEW_NAMES[r['state']]}")
