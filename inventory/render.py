"""Rich rendering for the command line. Human output only: JSON is printed by cli.py as is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from .form import Form
from .roster import Unit

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
    paths_made("试点单位模板", result.templates)
