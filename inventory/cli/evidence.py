"""证明材料 commands: add a file for a system or the unit, list what a unit sent, mark a file
checked or not matching, write a unit's zip; and the import's look at `<return>-证明材料/`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import UsageError
from . import render
from .app import DbOpt, JsonOpt, app, emit_json

evidence_app = typer.Typer(help="证明材料：按系统或按单位上传、查看、核验，按单位打包下载。", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")

UnitOpt = Annotated[str, typer.Option("--unit", help="单位全称或简称。", show_default=False)]
FilesOpt = Annotated[
    Path | None,
    typer.Option("--files", help="证明材料的存放文件夹（与填报平台相同）；默认取 INVENTORY_FILES，再默认为数据库旁的 *-files 文件夹。"),
]


def files_root(db: str | None, files: Path | None = None) -> Path:
    from ..store.db import resolve_url
    from ..web.config import default_files

    if files:
        return files
    return Path(os.environ["INVENTORY_FILES"]) if os.environ.get("INVENTORY_FILES") else default_files(resolve_url(db))


def import_evidence(engine: Any, db: str | None, results: list[Any], operator: str | None) -> dict[str, dict[str, Any]]:
    """After `inventory import`: each stored return's evidence folder, if it has one. Path -> what was kept and why not."""
    from ..store.attachments import evidence_folder, import_folder

    out: dict[str, dict[str, Any]] = {}
    for r in results:
        folder = evidence_folder(r.path)
        if r.unit and r.status in ("imported", "unchanged") and not r.errors and folder.is_dir():
            kept, issues = import_folder(engine, files_root(db), r.unit, folder, operator or "命令行")
            out[str(r.path)] = {"folder": str(folder), "kept": len(kept), "issues": [i.as_dict() for i in issues]}
    return out


def show_import(done: dict[str, dict[str, Any]]) -> None:
    for d in done.values():
        render.out.print(
            f"证明材料 {render.esc(Path(d['folder']).name)}：保存 {d['kept']} 个"
            + (f"，[yellow]{len(d['issues'])} 个没有保存[/]" if d["issues"] else "")
        )
        for i in d["issues"]:
            render.out.print(f"  [yellow]{render.esc(i['file'] or '')}：{render.esc(i['message'])}[/] {render.esc(i['hint'])}")


@evidence_app.command("add")
def evidence_add(
    unit: UnitOpt,
    kind: Annotated[str, typer.Option("--kind", help="材料种类（如 等保备案证明、测评报告、上云证明）。", show_default=False)],
    path: Annotated[Path, typer.Argument(help="证明材料文件。", show_default=False, metavar="文件")],
    system: Annotated[str | None, typer.Option("--system", help="系统编号（按系统的材料必填）。")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="上传人。")] = None,
    files: FilesOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """为单位的一个系统（或单位本身）保存一份证明材料：按内容识别类型，记录 SHA-256、上传人和时间。"""
    from ..form.roster import load_roster
    from ..store.attachments import add
    from ..store.db import open_db

    if not path.is_file():
        raise UsageError(f"找不到文件 {path}。")
    row, issue = add(
        open_db(db, create_missing=False),
        files_root(db, files),
        load_roster().resolve(unit).name,
        kind,
        path,
        path.name,
        operator or "命令行",
        system,
    )
    if issue is not None:
        from ..errors import InventoryError

        raise InventoryError(issue.message, hint=issue.hint)
    assert row is not None
    if as_json:
        emit_json(row)
    else:
        render.out.print(
            f"[green]✓[/] {render.esc(row['unit'])} · {render.esc(row['system_no'] or '单位')} · {render.esc(row['kind_title'])}：{render.esc(row['file_name'])}（{row['sha256'][:12]}…）"
        )


@evidence_app.command("list")
def evidence_list(
    unit: Annotated[str | None, typer.Option("--unit", help="只列这个单位。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出本轮的证明材料：单位、系统、种类、原文件名、SHA-256、核验情况。"""
    from ..form.roster import load_roster
    from ..store.attachments import listing
    from ..store.db import open_db

    rows = listing(open_db(db, create_missing=False), load_roster().resolve(unit).name if unit else None)
    if as_json:
        emit_json(rows)
        return
    table = Table(title="证明材料", title_justify="left")
    for col in ("编号", "单位", "系统编号", "种类", "文件", "SHA-256", "核验"):
        table.add_column(col, overflow="fold")
    for a in rows:
        check = a["check_name"] + (f"：{a['check_note']}" if a["check_note"] else "")
        table.add_row(
            str(a["id"]),
            render.esc(a["unit"]),
            render.esc(a["system_no"] or "（单位）"),
            render.esc(a["kind_title"]),
            render.esc(a["file_name"]),
            a["sha256"][:16] + "…",
            render.esc(check),
        )
    render.out.print(table)


@evidence_app.command("check")
def evidence_check(
    attachment_id: Annotated[int, typer.Argument(help="证明材料编号（见 evidence list）。", show_default=False, metavar="编号")],
    mismatch: Annotated[bool, typer.Option("--mismatch", help="标为“与所报不符”（须用 --note 说明）；默认标为“已核验”。")] = False,
    note: Annotated[str | None, typer.Option("--note", help="说明，显示给单位。")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="核验人。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """核验一份证明材料：已核验，或与所报不符（须写明哪里不符）。"""
    from ..store.attachments import check
    from ..store.db import open_db

    done = check(open_db(db, create_missing=False), attachment_id, "mismatch" if mismatch else "checked", note, operator or "命令行")
    if as_json:
        emit_json(done)
    else:
        render.out.print(f"[green]✓[/] {attachment_id}：{render.esc(done['check_name'])}")


@evidence_app.command("zip")
def evidence_zip(
    unit: UnitOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="写到这个 .zip 文件。", show_default=False)],
    files: FilesOpt = None,
    db: DbOpt = None,
) -> None:
    """把一个单位本轮的全部证明材料打包成一个 zip（附清单.csv，含 SHA-256）。"""
    from ..form.roster import load_roster
    from ..output import atomic_file
    from ..store.attachments import write_zip
    from ..store.db import open_db

    with atomic_file(out, suffix=".zip") as tmp:
        n = write_zip(open_db(db, create_missing=False), files_root(db, files), load_roster().resolve(unit).name, Path(tmp))
    render.out.print(f"[green]✓[/] {n} 个文件 → {render.esc(str(out))}")
