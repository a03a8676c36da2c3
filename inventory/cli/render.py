"""Rich rendering for the command line. Human output only: JSON is printed by app.py as is.

Results (verdicts, tables, what was written) go to stdout, so `inventory validate 回收/ > 结果.txt`
keeps them; progress and diagnostics go to stderr. Every value that came from a return or a file
name passes `esc` before rich sees it: rich markup in it stays text, control characters are written
out (⟨U+001B⟩), so nothing a file contains can restyle, link or drive the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..beijing import shown as beijing_time
from ..chars import shown
from ..workflow.states import RETURN_NAMES

if TYPE_CHECKING:
    from ..form.load import Form
    from ..form.roster import Unit

out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)


def esc(value: Any) -> str:
    """A value from a return or a path, safe inside rich markup."""
    return escape(str(shown("" if value is None else str(value))))


def units_table(units: Iterable[Unit], roster: Any = None, node: Unit | None = None) -> Table:
    """The roster, indented by depth below `node` (the tree as a list)."""
    units = list(units)
    title = (
        f"填报单位名册：{node.name}及其下级（{len(units)} 个）" if node is not None and node.parent else f"填报单位名册（{len(units)} 个）"
    )
    table = Table(title=title, show_lines=False)
    for col in ("全称", "简称", "类别", "层级", "上级", "节点编号", "试点"):
        table.add_column(col, overflow="fold")  # a narrow terminal wraps a long full name, it never cuts it
    top = node.depth if node is not None else 0
    for u in units:
        parent = roster.parent_of(u) if roster is not None else None
        indent = "  " * max(0, u.depth - top)
        table.add_row(
            indent + esc(u.name),
            esc(u.short_name),
            esc(u.kind),
            esc(u.level),
            esc(parent.short_name) if parent else "",
            esc(u.code),
            "是" if u.pilot else "",
        )
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
                esc(f.title),
                f.key,
                f.type_name,
                sheet.need(f),
                esc("、".join(f.enum)[:60]) if f.enum else "",
            )
        tables.append(t)
    return tables


def paths_made(title: str, paths: Iterable[Any]) -> None:
    items = list(paths)
    out.print(f"[green]✓[/] {title}：{len(items)} 个文件")
    for p in items:
        out.print(f"  {esc(p)}")


def folder_made(title: str, folder: Any, paths: list[Any]) -> None:
    out.print(f"[green]✓[/] {title}：{len(paths)} 个文件，在 {esc(folder)}")
    for p in paths[:3]:
        out.print(f"  {esc(p)}")
    if len(paths) > 3:
        out.print(f"  …… 另有 {len(paths) - 3} 个")


def demo_summary(result: Any) -> None:
    out.print(f"[bold green]演示完成[/]，全部输出在 {esc(result.directory)}")
    out.print(f"  1. 试点单位模板 {len(result.templates)} 份：{esc(result.directory / 'templates')}")
    out.print(f"  2. 模拟回收的报表 {len(result.returns)} 份（遂宁市尚未报送）：{esc(result.directory / 'returns')}")
    for report in result.reports:
        file_summary(report)
    out.print(f"  3. 反馈工作簿 {len(result.feedback)} 份：{esc(result.directory / 'feedback')}")
    import_table(result.imports, dry_run=False)
    out.print(f"  4. 数据库：{esc(result.database)}")
    for label, path in result.outputs.items():
        out.print(f"  · {label}：{esc(path)}")
    out.print(
        "下一步：用 Excel/WPS 打开 feedback 中的反馈表看看问题怎么标注；"
        f"用 `inventory submissions list --db {esc(result.database)}` 查看报送记录。"
    )


def file_summary(report: Any) -> None:
    """One line per file, then its issues grouped by sheet and row."""
    status = "[green]通过[/]" if report.valid else "[red]未通过[/]"
    unit = report.unit.name if report.unit else (report.unit_written or "单位未识别")
    out.print(
        f"{status} {esc(report.path)}  [dim]{esc(unit)}[/]  系统 {report.systems} 个，"
        f"错误 [red]{report.errors}[/]，提醒 [yellow]{report.warnings}[/]"
    )


def _title_in(place: str) -> str:
    """The bracketed title that ends a location ("“系统清单” AB3 单元格（建设金额（万元））" gives
    "（建设金额（万元））"), brackets inside the title kept; "" when there is none."""
    depth = 0
    for i in range(len(place) - 1, -1, -1):
        depth += {"）": 1, "（": -1}.get(place[i], 0)
        if depth == 0:
            return place[i:] if place.endswith("）") and i < len(place) - 1 else ""
    return ""


def issues_table(report: Any, limit: int = 200) -> Table | None:
    if not report.issues:
        return None
    table = Table(show_lines=False, title=esc(report.path.name), title_justify="left")
    table.add_column("级别", no_wrap=True)
    table.add_column("工作表", no_wrap=True)
    table.add_column("位置", overflow="fold")  # the cell, then the field it is under
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
        place, _, message = issue.message.partition("：") if issue.sheet else ("", "", issue.message)
        where += _title_in(place)  # the field's title, which the location columns do not carry
        message = message or issue.message
        cells = [level, esc(shown_sheet), esc(where), issue.code, esc(message)] + ([esc(issue.hint)] if wide else [])
        table.add_row(*cells)
    if len(report.issues) > limit:
        table.caption = f"另有 {len(report.issues) - limit} 条未显示，完整清单请用 --json 或 --feedback。"
    return table


def batch_totals(reports: list[Any]) -> None:
    ok = sum(1 for r in reports if r.valid)
    out.print(
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


_STYLE = {"imported": "green", "accepted": "green", "unchanged": "dim", "rejected": "red", "failed": "red", "superseded": "dim"}
STATUS_NAMES = {k: f"[{_STYLE[k]}]{v}[/]" for k, v in RETURN_NAMES.items() if k in _STYLE}


def import_table(results: list[Any], dry_run: bool) -> None:
    table = Table(title="入库预演（未写数据库）" if dry_run else "入库结果", title_justify="left")
    for col in ("文件", "单位", "结果", "报送号", "系统", "错误", "提醒"):
        table.add_column(col, overflow="fold")
    theirs = {id(r) for r in results if r.report.elsewhere}  # another office's: nothing stored
    for r in results:
        status = (
            "[yellow]不属本级，未入库[/]"
            if id(r) in theirs
            else "[yellow]已锁定，未入库[/]"
            if r.locked
            else STATUS_NAMES.get(r.status, r.status)
        )
        if r.status == "imported" and not r.current and not dry_run:
            status += "[dim]（未替代当前报送）[/]"
        table.add_row(
            esc(r.path.name),
            esc(r.unit or "未识别"),
            status,
            str(r.submission_id or ""),
            str(r.systems),
            str(r.file_errors),
            str(r.warnings),
        )
    out.print(table)
    for r in results:
        if r.note:
            out.print(f"[yellow]{esc(r.path.name)}：{esc(r.note)}[/]")
    locked = [r for r in results if r.locked]
    if locked:
        out.print(
            f"[yellow]{len(locked)} 个文件因报表已审核通过并锁定而未入库，不是文件有错；确需改动的，由审核它的一级先重新打开"
            "（`inventory review reopen 单位 --under 审核的一级 --reason 理由`），再导入。[/]"
        )
    rejected = [
        r for r in results if id(r) not in theirs and not r.locked and (r.status == "rejected" or (r.status == "unchanged" and r.errors))
    ]
    if rejected:
        out.print(f"[yellow]{len(rejected)} 个文件有错误被退回；用 `inventory validate 文件 --feedback 文件夹` 生成反馈表发给单位。[/]")
        for r in rejected[:20]:  # why, at once: the first error of each (all of them: validate, or --json)
            errors = [i for i in r.report.issues if i.severity == "error"]
            if errors:
                more = f"（共 {len(errors)} 条错误）" if len(errors) > 1 else ""
                out.print(f"  {esc(r.path.name)}：{esc(errors[0].message)}{more}")
        if len(rejected) > 20:
            out.print(f"  …另有 {len(rejected) - 20} 个文件")


def submissions_table(rows: list[dict[str, Any]]) -> None:
    """One line per return, narrow enough for an 80-column terminal (the operator and the full times are in --json)."""
    table = Table(title="报送记录", title_justify="left")
    for col in ("报送号", "轮次", "单位", "文件", "状态", "填报日期", "接收时间", "系统/错误/提醒"):
        table.add_column(col, overflow="fold")  # a narrow terminal wraps names, it never cuts them
    for r in rows:
        state = STATUS_NAMES.get(r["status"], esc(r["status"]))
        review = esc(r.get("review_name") or "")
        table.add_row(
            str(r["id"]),
            esc(r.get("round") or ""),
            esc(r["unit"] or f"（未识别：{r['unit_written'] or ''}）"),
            esc(r["file_name"]),
            state if not review or review == RETURN_NAMES.get(r["status"]) else f"{state}（{review}）",
            r.get("filled_on") or "",
            beijing_time(r["received_at"]),  # stored in UTC, read in Beijing time
            f"{r['systems']}/{r['errors']}/{r['warnings']}",
        )
    out.print(table)


# the columns a terminal shows; files (md, xlsx, html, json) always carry all of them
TERMINAL_COLUMNS = {
    ("coverage", "各单位报送情况"): ["简称", "状态", "系统数", "必填完整率", "建议项完整率", "错误", "提醒", "报送次数"],
    ("inventory", "systems"): ["填报单位", "*系统名称", "*运行状态", "综合评分", "处置建议"],
    ("issues", "评估发现"): ["级别", "单位", "系统", "说明"],
    ("unit", "系统评估结果"): ["系统名称", "运行状态", "综合评分", "处置建议", "建议依据"],
    ("unit", "评估发现（按类型）"): ["发现", "级别", "系统", "说明"],
    ("coverage", "催报名单"): ["单位", "状态", "原因", "联系人", "电话"],
    ("issues", "校验问题（各单位最近一次报送）"): ["单位", "级别", "位置", "问题"],
}


def report_tables(kind: str, data: dict[str, Any], form: Any, limit: int = 60) -> None:
    from ..report.layouts import report_sections
    from ..report.sections import cell_text, report_meta

    for line in report_meta(kind, data, form):
        out.print(f"[dim]{esc(line)}[/]")
    for section in report_sections(kind, data, form, limit=limit):
        for line in section.text:
            out.print(esc(line))
        if not section.columns:
            continue
        wanted = TERMINAL_COLUMNS.get((kind, "systems" if section.title == form.main.name else section.title))
        keep = [section.columns.index(c) for c in wanted if c in section.columns] if wanted else range(len(section.columns))
        table = Table(title=esc(section.title), title_justify="left")
        for i in keep:
            table.add_column(esc(section.columns[i]), overflow="fold")
        for row in section.rows[:limit]:
            table.add_row(*[esc(cell_text(row[i], section.formats.get(i))) for i in keep])
        if section.size > limit:
            table.caption = f"共 {section.size} 行，只显示前 {limit} 行；用 --format xlsx/html/json 导出全部。"
        out.print(table)


def _highlight(text: str, terms: list[str]) -> str:
    out = esc(text)
    for t in sorted({t for t in terms if len(t) >= 2}, key=len, reverse=True):
        out = out.replace(escape(t), f"[bold yellow]{escape(t)}[/]")
    return out


def kb_results(result: Any) -> None:
    if not result.results:
        out.print(f"[yellow]{esc(result.message)}[/]")
        if result.suggestions:
            out.print("[dim]也许相关：[/]")
            for hit in result.suggestions:
                out.print(f"  · {esc(hit.entry.question)}  [dim]{esc(hit.entry.id)}[/]")
        return
    for n, hit in enumerate(result.results, start=1):
        e = hit.entry
        out.print(f"[bold]{n}. {_highlight(e.question, hit.matched)}[/]  [dim]{esc(e.category)} · {esc(e.id)}[/]")
        out.print(f"   {_highlight(hit.snippet, hit.matched)}")
    out.print(f"[dim]完整答案：inventory kb show {esc(result.results[0].entry.id)}[/]")


def kb_entry(entry: Any) -> None:
    out.print(f"[bold]{esc(entry.question)}[/]  [dim]{esc(entry.category)} · {esc(entry.id)}[/]")
    out.print(esc(entry.answer))
    if entry.aliases:
        out.print(f"[dim]也可以这样问：{esc('；'.join(entry.aliases))}[/]")
    if entry.codes:
        out.print(f"[dim]相关问题编码：{esc('、'.join(entry.codes))}[/]")


def kb_list(entries: list[Any]) -> None:
    table = Table(title=f"常见问题知识库（{len(entries)} 条）", title_justify="left")
    for col in ("类别", "编号", "问题"):
        table.add_column(col, overflow="fold")
    for e in sorted(entries, key=lambda e: e.category):
        table.add_row(esc(e.category), esc(e.id), esc(e.question))
    out.print(table)


REVIEW_NAMES = {"open": "[yellow]待审核[/]", "confirmed": "[red]已确认[/]", "dismissed": "[dim]已排除[/]", "fixed": "[green]已整改[/]"}


def findings_table(rows: list[dict[str, Any]], limit: int = 200) -> None:
    table = Table(title=f"评估发现（{len(rows)} 条）", title_justify="left")
    for col in ("编号", "状态", "级别", "单位", "系统", "说明"):
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        level = "[red]错误[/]" if r["severity"] == "error" else "[yellow]提醒[/]"
        table.add_row(r["id"], REVIEW_NAMES[r["state"]], level, esc(r["unit"]), esc(r["system"]), esc(r["message"]))
    if len(rows) > limit:
        table.caption = f"只显示前 {limit} 条；完整清单请用 --json。"
    out.print(table)


def unknown_words(rows: list[dict[str, Any]], limit: int = 200) -> None:
    if not rows:
        out.print("系统名称里没有查重词表不认识的业务词。")
        return
    table = Table(title=f"查重词表还不认识的业务词（{len(rows)} 个）", title_justify="left")
    for col in ("词", "单位数", "系统数", "示例"):
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        table.add_row(esc(r["word"]), str(r["units"]), str(r["systems"]), esc("；".join(r["examples"])))
    table.caption = "同一业务的不同说法请写进 forms/names.json 的 synonyms，专业词写进 words。" + (
        f"只显示前 {limit} 个；完整清单请用 --json。" if len(rows) > limit else ""
    )
    out.print(table)


def reviews_done(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        out.print(f"[green]✓[/] {r['finding_id']} {esc(r['code'])} {esc(r['system'])}：{REVIEW_NAMES[r['state']]}")


def review_table(rows: list[Any], node: Unit) -> None:
    """An office's review board: itself first, then its children (or everything below)."""
    table = Table(title=f"{node.name}：本轮审核进度")
    for col in ("单位", "层级", "状态", "下级完成", "理由或意见"):
        table.add_column(col, overflow="fold")
    colour = {"approved": "green", "exempt": "cyan", "returned": "yellow", "rejected": "red", "submitted": "blue", "ready": "blue"}
    for st in rows:
        indent = "  " * max(0, st.unit.depth - node.depth)
        name = f"[{colour[st.state]}]{esc(st.state_name)}[/]" if st.state in colour else esc(st.state_name)
        done = f"{st.children_done}/{st.children_total}" if st.office else ""
        words = st.reason or (st.from_above or {}).get("reason") or ""  # a send-back's or exemption's, else the level above's reopening
        said = words if st.reason or not words else f"上级重新打开：{words}"
        if words and st.step and st.step.get("reason") == words:  # who said it, and when (Beijing time)
            said += f"（{st.step.get('actor') or ''}，{beijing_time(st.step.get('at'))}）"
        table.add_row(indent + esc(st.unit.name), esc(st.unit.level), name, done, esc(said))
    out.print(table)
