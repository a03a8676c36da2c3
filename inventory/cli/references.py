"""Reference list commands: load a list the province holds, see which are loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import render
from .app import DbOpt, JsonOpt, app, emit_json

reference_app = typer.Typer(help="参考清单（政务云租户台账、等保备案清单、项目库）：导入后与单位自报交叉核对。", no_args_is_help=True)
app.add_typer(reference_app, name="reference")


@reference_app.command("import")
def reference_import(
    kind: Annotated[
        str,
        typer.Argument(
            help="清单种类：cloud（政务云租户台账）、mlps（等保备案清单）、projects（项目库）。", show_default=False, metavar="种类"
        ),
    ],
    path: Annotated[Path, typer.Argument(help="CSV 或 xlsx 文件；列名对应见 forms/references.json。", show_default=False, metavar="文件")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导入一份参考清单（整份替换同类的上一份）；此后的报告带上交叉核对发现（漏报候选、未在租户台账、备案编号查无、金额差异）。"""
    from ..store.db import open_db
    from ..store.references import import_reference

    if not path.is_file():
        from ..errors import UsageError

        raise UsageError(f"找不到文件 {path}。")
    from ..report.data import reference_match

    engine = open_db(db)
    done = import_reference(engine, kind, path)
    done["matched"] = reference_match(engine, kind)
    if as_json:
        emit_json(done)
        return
    m = done["matched"]
    render.out.print(f"[green]✓[/] 已导入{render.esc(done['title'])} {done['rows']} 行（{render.esc(done['source'])}）")
    render.out.print(f"  其中 {m['units_matched']} 行的单位在名册中找到，{m['systems_matched']} 行对上了单位填报的系统。")
    if m["unresolved_units"]:
        names = "、".join(f"{render.esc(u['unit'])}（{u['rows']} 行）" for u in m["unresolved_units"][:20])
        more = f" 等 {len(m['unresolved_units'])} 个" if len(m["unresolved_units"]) > 20 else ""
        render.out.print(
            f"  [yellow]名册中找不到的单位名称[/]：{names}{more}。这些行不参与漏报核对；请在名册中补充别名或改正清单后重新导入。"
        )


@reference_app.command("list")
def reference_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出已导入的参考清单及行数。"""
    from ..store.db import open_db
    from ..store.references import reference_summary

    rows = reference_summary(open_db(db, create_missing=False))
    if as_json:
        emit_json(rows)
        return
    table = Table(title="参考清单", title_justify="left")
    for col in ("种类", "名称", "行数", "来源文件"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["kind"], render.esc(r["title"]), str(r["rows"]), render.esc(r["source"] or "（未导入）"))
    render.out.print(table)
